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
moved about an octave (magnified into the structure, or shrunk away). So the keyframes refine in
proportion to the camera's rate (:func:`refine_credit`): a detail gets the same steps over its
lifetime at every speed, and the fine detail neither piles up on a slow camera nor thins out on a
fast one. An opening frame has no past: :func:`grow` gives it one — its detail is grown over the
keyframes before it (:func:`growth_keyframes`, :func:`growth_steps`) as a running zoom grows it,
so that the first frames are not a soft enlargement whose detail fills in over the first ~50.
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
GROW_FRAMES = 24  # frames a detail lives at the reference rate (an octave of scale at 2.9 %/frame)
REFERENCE_RATE = math.log(LEVEL_FACTOR) / GROW_FRAMES  # |ln scale| per frame (2.9 %) at which a
# keyframe refines dream.refine_steps (its detail lives GROW_FRAMES frames); in proportion otherwise
MIN_RATE = REFERENCE_RATE / 6  # detail is taken to live at most 144 frames: a still or panning
# camera's resampling softens it too, so it is still refined now and then
GROWTH_OCTAVES = 2  # octaves of camera scale an opening's detail is grown over: a running frame's finest
# detail is sharpened from the coarser detail of the octave before (one octave: 0.80x the running
# frames' finest band at 0.8 %/frame, 0.84x at 4 %; two: 1.00x and 0.96x)


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
    per frame, at least ``MIN_RATE``) takes to move detail ``GROWTH_OCTAVES`` refinement octaves
    (``LEVEL_FACTOR``), one keyframe every ``cadence``."""
    frames = GROWTH_OCTAVES * math.log(LEVEL_FACTOR) / max(abs(math.log(scale)), MIN_RATE)
    return max(1, round(frames / cadence))


def growth_steps(steps: int, scale: float, keyframes: int, cadence: int = 1) -> list[int]:
    """Refinement steps per octave of each of the ``keyframes`` an opening's detail is grown over:
    what a running zoom whose camera scales ``scale`` a frame refines (:func:`refine_credit`)."""
    credit = refine_credit(steps, [scale] * (keyframes * cadence + 1), cadence)
    return [steps_between(credit, key * cadence, (key + 1) * cadence) for key in range(keyframes)]


def refine_credit(steps: int, scales: Sequence[float], cadence: int = 1) -> np.ndarray:
    """Refinement steps earned up to each clip frame (``scales``: the camera's scale of frames
    0, 1, 2, ...; frame 0's is ignored): ``steps`` a keyframe at ``REFERENCE_RATE``,
    in proportion to the camera's rate otherwise, so that a detail gets the same
    ``steps`` x ``GROW_FRAMES`` / ``cadence`` keyframe-steps over the camera's octave, its
    lifetime, at every speed (the grown opening: twice that, over two octaves). A keyframe
    refines the whole steps earned since the last one (:func:`steps_between`): a slow camera
    refines every few keyframes."""
    rates = np.maximum(np.abs(np.log(np.asarray(scales, np.float64))), MIN_RATE)
    rates[:1] = 0.0
    return np.cumsum(steps * rates / (REFERENCE_RATE * cadence))


def steps_between(credit: np.ndarray, earlier: int, later: int) -> int:
    """Whole refinement steps earned between clip frames ``earlier`` and ``later`` (exact from the
    frame numbers alone: resume and a farm's jobs refine as one run does)."""
    return int(math.floor(credit[later] + 1e-9) - math.floor(credit[earlier] + 1e-9))


def grow(dreamer, start: np.ndarray, structure: np.ndarray, ladder: Ladder, settings,
         rng: np.random.Generator, steps: Sequence[int], *, camera: np.ndarray,
         design_camera: np.ndarray, finish: Callable[[np.ndarray], np.ndarray] = np.asarray) -> np.ndarray:
    """An opening frame whose detail has the past a running zoom's has: ``start`` and
    ``structure`` are moved back len(``steps``) - 1 keyframes' camera (``camera``: one keyframe's
    3x3 move at the full size, ``design_camera`` at the design size), then, keyframe by keyframe,
    the frame is refined (``steps[k]`` per octave, :func:`refine`) on the structure where it is
    then, ``finish``ed and moved forward. The last keyframe is at the structure's place."""
    keyframes = len(steps)
    back, design_back = np.linalg.inv(camera), np.linalg.inv(design_camera)
    image = move(np.asarray(start, np.float32), np.linalg.matrix_power(back, keyframes - 1))[0]
    for remaining in reversed(range(keyframes)):
        here = move(structure, np.linalg.matrix_power(design_back, remaining))[0] if remaining else structure
        image = finish(refine(dreamer, image, here, ladder, settings, rng, steps[keyframes - 1 - remaining]))
        if remaining:
            image = move(image, camera)[0]
    return image
