"""A frame larger than its design size: structure dreamt at the design size, detail added above it.

The network's patterns have a fixed size in pixels: dreamt at 1920 px, a look designed at 320 px
becomes a texture six times finer that averages away. So a preset says the width it was designed
at (``dream.design_width``) and a larger output is made in two levels:

* the **structure**: the frame is dreamt at the design size exactly as a render at that size
  would be (the previous full-size frame area-averaged down is its previous frame);
* the **detail**: the previous full-size frame moved by the camera keeps its fine detail, its
  coarse structure is replaced by the design-size dream (:func:`lock_structure`), a few dream
  steps run at each octave above the design size (``dream.refine_steps``, factor 2 down from the
  full size), and the structure is locked again.

Seen at the design size (area-averaged) the frame is the design-size dream — the same picture as
the preview — while the extra pixels carry the network's patterns at their own finer scales.

A running zoom's detail is the sum of many frames' refinements, carried by the camera until it has
moved about an octave (magnified into the structure, or shrunk away). An opening frame has no such
past: :func:`grow` gives it one — its detail is grown over the keyframes before it
(:func:`growth_keyframes`) as a running zoom grows it, so that the first frames are not a soft
enlargement whose detail takes ~30 frames to fill in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import cv2
import numpy as np

from .cadence import move

LOCK_ROUNDS = 3  # back-projection rounds: the area average's error shrinks ~5x per round
LOCK_SIGMA = 1.0  # design px: structure finer than this is locked only in part ...
LOCK_FINE = 0.5  # ... by this share: the refinement may sharpen the design size's finest octave
LEVEL_FACTOR = 2.0  # refinement octaves are this far apart, from the full size down
MIN_LEVEL_RATIO = 1.5  # no refinement octave closer than this to the design size
GROW_FRAMES = 24  # frames: an opening's detail is grown over at most this many (a still or slow camera)


@dataclass(frozen=True)
class Ladder:
    """The design size and the full output size, (width, height) each."""

    design: tuple[int, int]
    full: tuple[int, int]

    @classmethod
    def of(cls, full: tuple[int, int], design_width: int | None) -> "Ladder | None":
        """None when the output is not larger than its design width (it is dreamt as it is)."""
        if design_width is None or design_width >= full[0]:
            return None
        return cls((design_width, max(8, round(full[1] * design_width / full[0]))), tuple(full))

    @property
    def scale(self) -> float:
        return self.full[0] / self.design[0]

    def levels(self) -> list[tuple[int, int]]:
        """Refinement sizes, small to large, the full size last."""
        sizes, factor = [], 1.0
        while self.full[0] / factor >= MIN_LEVEL_RATIO * self.design[0] or not sizes:
            sizes.append((round(self.full[0] / factor), round(self.full[1] / factor)))
            factor *= LEVEL_FACTOR
        return sizes[::-1]


def down(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area average to ``size`` (what a viewer sees of a frame shown smaller)."""
    if (image.shape[1], image.shape[0]) == tuple(size):
        return np.asarray(image, np.float32)
    return cv2.resize(np.asarray(image, np.float32), size, interpolation=cv2.INTER_AREA)


def up(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (image.shape[1], image.shape[0]) == tuple(size):
        return np.asarray(image, np.float32)
    return cv2.resize(np.asarray(image, np.float32), size, interpolation=cv2.INTER_CUBIC)


def lock_structure(image: np.ndarray, structure: np.ndarray, rounds: int = LOCK_ROUNDS,
                   sigma: float = LOCK_SIGMA) -> np.ndarray:
    """``image`` changed so that its area average at ``structure``'s size, blurred by ``sigma``
    px there, is ``structure``'s (iterative back-projection), and the rest of the area average
    ``LOCK_FINE`` of the way: the coarse picture is ``structure``'s, the finer detail ``image``'s,
    and the design size's finest octave between them (the refinement can sharpen what an
    enlargement blurs without adding a texture the preview lacks)."""
    size = (image.shape[1], image.shape[0])
    target = (structure.shape[1], structure.shape[0])
    for _ in range(rounds):
        error = structure - down(image, target)
        if sigma > 0:
            coarse = cv2.GaussianBlur(error, (0, 0), sigma)
            error = coarse + LOCK_FINE * (error - coarse)
        image = image + up(error, size)
    return image.astype(np.float32)


def refine(dreamer, start: np.ndarray, structure: np.ndarray, ladder: Ladder, settings,
           rng: np.random.Generator, steps: int) -> np.ndarray:
    """The full-size frame: ``start``'s detail (the previous full-size frame moved by the camera,
    or the source) on ``structure`` (the design-size dream), dreamt ``steps`` steps at each
    refinement octave, structure locked before and after. float32, not clipped."""
    image = lock_structure(np.asarray(start, np.float32), structure)
    if steps > 0:
        level_settings = settings.model_copy(update={"steps": steps, "octaves": 1, "clip_pixels": False})
        for size in ladder.levels():
            level = down(image, size)
            image = image + up(dreamer.dream(level, level_settings, rng) - level, ladder.full)
    return lock_structure(image, structure)


def growth_keyframes(scale: float, cadence: int = 1) -> int:
    """Keyframes over which an opening frame's detail is grown: the frames the camera (``scale``
    per frame) takes to move detail one refinement octave (``LEVEL_FACTOR``; about as long as
    detail lives in a running zoom), at most ``GROW_FRAMES``, one keyframe every ``cadence``."""
    octave = math.log(LEVEL_FACTOR)
    rate = abs(math.log(scale))
    frames = GROW_FRAMES if rate * GROW_FRAMES <= octave else octave / rate
    return max(1, round(frames / cadence))


def keyframe_refine_steps(steps: int, scales: Sequence[float]) -> int:
    """Refinement steps per octave of a keyframe whose camera scaled the frame by ``scales`` (one
    per frame since the last keyframe): ``steps`` while detail lives ``GROW_FRAMES`` frames or
    more (an octave of camera scale), proportionally more when the camera carries it off faster
    (x2 at 6 %/frame), so that fine detail is regrown as fast as it is carried off."""
    rate = abs(sum(math.log(scale) for scale in scales)) / len(scales)
    return max(steps, round(steps * rate * GROW_FRAMES / math.log(LEVEL_FACTOR)))


def grow(dreamer, start: np.ndarray, structure: np.ndarray, ladder: Ladder, settings,
         rng: np.random.Generator, steps: int, *, keyframes: int, camera: np.ndarray,
         design_camera: np.ndarray, finish: Callable[[np.ndarray], np.ndarray] = np.asarray) -> np.ndarray:
    """An opening frame whose detail has the past a running zoom's has: ``start`` and
    ``structure`` are moved back ``keyframes`` - 1 keyframes' camera (``camera``: one keyframe's
    3x3 move at the full size, ``design_camera`` at the design size), then, keyframe by keyframe,
    the frame is refined (``steps`` per octave, :func:`refine`) on the structure where it is then,
    ``finish``ed and moved forward. The last keyframe is at the structure's place."""
    back, design_back = np.linalg.inv(camera), np.linalg.inv(design_camera)
    image = move(np.asarray(start, np.float32), np.linalg.matrix_power(back, keyframes - 1))[0]
    for remaining in reversed(range(keyframes)):
        here = move(structure, np.linalg.matrix_power(design_back, remaining))[0] if remaining else structure
        image = finish(refine(dreamer, image, here, ladder, settings, rng, steps))
        if remaining:
            image = move(image, camera)[0]
    return image
