"""What the frame engine gives an effect, and what it expects back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np


@dataclass(frozen=True)
class FrameContext:
    """Everything an effect may use to make frame ``index``.

    ``previous`` is the previous *output* frame exactly as it was saved (uint8 RGB), so a resumed
    run sees the same input as an uninterrupted one. ``rng`` is seeded from (seed, index): no RNG
    state has to be carried between frames. A segment of a long shot (``segments:``) starts at
    ``first`` > 0 with ``previous`` None, as frame 0 would; ``history`` reaches back to ``first``.
    """

    index: int
    total: int
    previous: np.ndarray | None
    source: np.ndarray | None
    previous_source: np.ndarray | None
    rng: np.random.Generator
    history: Callable[[int], np.ndarray]
    first: int = 0  # the first frame of this run (a segment's start): no earlier outputs exist


class Effect(Protocol):
    """An effect turns a FrameContext into the next output frame (uint8 RGB, output size)."""

    def render(self, ctx: FrameContext) -> np.ndarray: ...
