"""What the losses aim at: warped earlier outputs (temporal), blended style Grams, sizes.

**Style scale.** A style image is always seen with its long side at ``scale x STYLE_REFERENCE``
(512) pixels of the output, whatever the size of the style file and of the frame (see the package
docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .images import resize

STYLE_REFERENCE = 512  # px of output: the long side of a style image at scale 1


@dataclass(frozen=True)
class TemporalTarget:
    """Earlier outputs warped into the current frame, with per-pixel weights.

    ``warped`` is float32 (K, H, W, 3) in [0, 255], nearest earlier frame first; ``weights`` is
    float32 (K, H, W) in [0, 1] (consistency masks, or long-term weights).
    """

    warped: np.ndarray
    weights: np.ndarray

    def resized(self, size: tuple[int, int]) -> TemporalTarget:
        return TemporalTarget(np.stack([resize(w, size) for w in self.warped]),
                              np.stack([resize(m, size) for m in self.weights]))

    def pushed(self, change: np.ndarray) -> TemporalTarget:
        """The nearest earlier output moved on by ``change`` (float (H, W, 3)) where it is
        carried (weighted by its mask), kept in [0, 255]."""
        warped = self.warped.copy()
        warped[0] = np.clip(warped[0] + change * self.weights[0][..., None], 0, 255)
        return TemporalTarget(warped, self.weights)

    def held(self, share: np.ndarray) -> TemporalTarget:
        """Every weight times ``share`` (float (H, W) in [0, 1]): the pixels held less."""
        return TemporalTarget(self.warped, self.weights * share[None])


def blend_grams(grams: Sequence[Mapping[str, np.ndarray]], weights: Sequence[float]) -> dict:
    """Weighted mean of per-style Gram targets, layer by layer."""
    if len(grams) != len(weights) or not grams:
        raise ValueError("need one weight per style, and at least one style")
    total = float(sum(weights))
    return {layer: sum(w * g[layer] for g, w in zip(grams, weights)) / total for layer in grams[0]}


def style_size(shape: tuple[int, ...], scale: float, factor: float = 1.0) -> tuple[int, int]:
    """(width, height) at which a style image of ``shape`` is seen: long side
    ``scale * STYLE_REFERENCE * factor`` (``factor`` < 1 on coarse pyramid levels)."""
    height, width = shape[:2]
    ratio = scale * STYLE_REFERENCE * factor / max(height, width)
    return max(16, round(width * ratio)), max(16, round(height * ratio))


def level_sizes(size: tuple[int, int], levels: int) -> list[tuple[int, int]]:
    """Pyramid sizes from coarse to full, halving per level; levels under 32 px are dropped."""
    width, height = size
    sizes = [(round(width / 2**k), round(height / 2**k)) for k in range(levels - 1, -1, -1)]
    return [s for s in sizes if min(s) >= 32 or s == (width, height)]
