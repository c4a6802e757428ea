"""Following frames hold the painting's grain: the fine band of the change from the warm start.

A warm-started frame continues the optimisation of the frame before (its style loss is never at a
minimum), and without a hold on the fine band it re-makes the painting's grain a little
differently every frame: a speckle field over the whole frame in the difference from one frame
to the next along the motion (docs/design/style-coherence.md, item 1). ``temporal_fine_weight``
holds that band where the mask holds the pixel.
"""

import cv2
import numpy as np

from dreamvideo.effects.style import StyleEffect
from dreamvideo.motion.flow import PrecomputedFlow
from dreamvideo.style import Stylizer
from style_helpers import config, stripes
from synthetic import translating_clip
from test_style_video import ListSource, render

SIZE = (48, 32)


def fine_change(before: np.ndarray, after: np.ndarray, shift: tuple[int, int]) -> float:
    """RMS (grey levels) of the fine part (minus a Gaussian blur of 1 px) of ``after`` minus
    ``before`` moved by the integer ``shift``, away from the edge the shift uncovers."""
    moved = np.roll(before.astype(np.float32), shift[::-1], axis=(0, 1))
    diff = (after.astype(np.float32) - moved).mean(axis=2)
    fine = diff - cv2.GaussianBlur(diff, (0, 0), 1.0)
    return float(np.sqrt(np.mean(fine[4:-4, 4:-4] ** 2)))


def following_frame_change(**changes) -> float:
    clip = translating_clip(SIZE, 2, shift=(1, 1), seed=5)
    cfg = config(iterations={"first": 30, "next": 15}, tolerance=0, **changes)
    effect = StyleEffect(Stylizer([(stripes(), 1.0)], cfg),
                         PrecomputedFlow(list(zip(clip.flows_fw, clip.flows_bw))),
                         source=ListSource(clip.frames), frame_size=SIZE)
    first, second = render(effect, clip.frames)
    return fine_change(first, second, (1, 1))


def test_following_frames_keep_the_grain_they_were_given():
    held = following_frame_change()  # the default hold on the fine band
    free = following_frame_change(temporal_fine_weight=0)  # the temporal term alone (before)
    assert held < 0.6 * free, (held, free)
