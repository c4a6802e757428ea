"""A clip built from real photographs with exactly known motion (issue 19's outside clip).

``skimage.data.astronaut()`` as the still a camera zooms, rolls and pans over by fractions of a
pixel per frame (``tests/synthetic.py``'s :class:`Camera`), with ``coffee()`` as an elliptical
cut-out moving across it (occluding and revealing the background). No lighting change, no
noise: the flow and the disocclusions are exact, so a warping error read along them has a low
floor (the input clip itself reads it too).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from synthetic import Sprite, SyntheticClip, camera_clip  # noqa: E402


def photo_clip(size: tuple[int, int], frames: int) -> SyntheticClip:
    """The astronaut seen by the moving camera, a coffee cup's photo crossing it."""
    from skimage import data

    cup = Sprite((0.15, 0.6), (3.4, -0.6), (0.34, 0.26), 21, image=data.coffee())
    return camera_clip(size, frames, sprites=(cup,), lighting=0.0, background=data.astronaut())
