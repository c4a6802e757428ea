"""Random views for the dream's gradient: the orientation the network prefers must not win.

Why: a frame dreamt again and again (every zoom frame dreams the previous one; a still dreamt for
many steps) is a power iteration. The objective's gradient through a trained network is not the
same in every direction — its edge units have orientations they respond to most — so whatever
structure lies along the network's favourite orientation grows a little faster each step, and
after a few hundred steps the picture is parallel stripes at one fixed angle on screen, whatever
the seed (issue 8; `bench/isotropy.py` shows it). Mirroring the image for the network mirrors the
stripes: the preference is the network's, not the pipeline's.

The cure is transformation robustness (as in lucid's ``transform.py``): every step the network
sees the frame turned and mirrored at random, and the gradient is turned back, so on average no
orientation is favoured and the patterns keep every orientation.

``dream.views`` (``auto``: ``rotate``, but ``none`` for ``effect: dream``, whose carried dream is
mixed with each new frame, so nothing builds up, and flickered more with random views):

* ``rotate``: a random quarter turn and mirror (exact: transposes and flips), then a
  random turn of up to ±45° about the centre (bicubic, mirrored border), so every angle is as
  likely. The frame's corners turn out of the view in some steps; their gradient is scaled up
  by how often they are in it (``turn_coverage``), so on average they move like the middle.
* ``flip``: only the 8 exact flips and quarter turns (no resampling). Not enough on its own: the
  network's favourite angle and its mirror images still win, as crossed or diagonal stripes.
* ``none``: the network always sees the frame as it is (the stripes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

VIEWS = ("rotate", "flip", "none")
MAX_TURN = 45.0  # degrees: with the quarter turns, every angle is as likely


@dataclass(frozen=True)
class View:
    """A view of the frame: ``code`` (bit 0: transpose, bit 1: mirror left-right, bit 2: mirror
    up-down, in that order), then a turn of ``angle`` degrees (counter-clockwise) about the
    centre."""

    code: int = 0
    angle: float = 0.0

    def apply(self, image: np.ndarray) -> np.ndarray:
        view = dihedral(image, self.code)
        if self.angle:
            view = cv2.warpAffine(view, self._turn(view.shape), (view.shape[1], view.shape[0]),
                                  flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
        return view

    def restore(self, grad: np.ndarray) -> np.ndarray:
        """The gradient with respect to the view, carried back to the frame. After a turn it is
        divided by :func:`turn_coverage`, so that over many steps the frame's corners (often
        turned out of the view) move as far as its middle."""
        if not self.angle:
            return undihedral(grad, self.code)
        grad = cv2.warpAffine(grad, self._turn(grad.shape), (grad.shape[1], grad.shape[0]),
                              flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        grad = undihedral(grad, self.code)
        coverage = turn_coverage(grad.shape[1], grad.shape[0])
        return grad / (coverage if grad.ndim == 2 else coverage[..., None])

    def locate(self, size: tuple[int, int]) -> np.ndarray:
        """2x3 matrix taking a point of the frame (``size`` = (width, height)), given as fractions
        (x, y, 1), to its place in the view in pixels (0 = the left edge of the first pixel) —
        for objectives that act at one position of the frame."""
        width, height = size
        matrix = np.array([[width, 0, 0], [0, height, 0], [0, 0, 1]], np.float64)
        view_w, view_h = width, height
        if self.code & 1:
            matrix = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]]) @ matrix
            view_w, view_h = height, width
        if self.code & 2:
            matrix = np.array([[-1, 0, view_w], [0, 1, 0], [0, 0, 1]]) @ matrix
        if self.code & 4:
            matrix = np.array([[1, 0, 0], [0, -1, view_h], [0, 0, 1]]) @ matrix
        if self.angle:
            turn = cv2.getRotationMatrix2D((view_w / 2, view_h / 2), self.angle, 1.0)
            matrix = np.vstack([turn, [0, 0, 1]]) @ matrix
        return matrix[:2].astype(np.float32)

    def _turn(self, shape) -> np.ndarray:
        height, width = shape[:2]
        # about the centre of the picture (pixel centres at integer coordinates in OpenCV)
        return cv2.getRotationMatrix2D((width / 2 - 0.5, height / 2 - 0.5), self.angle, 1.0)


IDENTITY = View()
MIN_COVERAGE = 0.2  # the extreme corners: at most 5x, so a rare turn that keeps them stays a small step


@lru_cache(maxsize=8)
def turn_coverage(width: int, height: int) -> np.ndarray:
    """float32 (H, W): the share of the gradient of each frame pixel that a random turn brings
    back (1 in the middle; less toward the corners, which turn out of the view, and along the
    edges), averaged over evenly spaced turns, at least ``MIN_COVERAGE``. The same for every
    flip and quarter turn (the turns are symmetric)."""
    ones = np.ones((height, width), np.float32)
    turns = [View(0, angle) for angle in np.linspace(-MAX_TURN, MAX_TURN, 31)]
    shares = [cv2.warpAffine(turn.apply(ones), turn._turn(ones.shape), (width, height),
                             flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0) for turn in turns]
    return np.maximum(np.mean(shares, axis=0), MIN_COVERAGE).astype(np.float32)


def draw(mode: str, rng: np.random.Generator) -> View:
    """A random view for one dream step (``none`` draws nothing from ``rng``)."""
    if mode == "none":
        return IDENTITY
    code = int(rng.integers(8))
    angle = float(rng.uniform(-MAX_TURN, MAX_TURN)) if mode == "rotate" else 0.0
    return View(code, angle)


def dihedral(image: np.ndarray, code: int) -> np.ndarray:
    if code & 1:
        image = image.transpose(1, 0, *range(2, image.ndim))
    if code & 2:
        image = image[:, ::-1]
    if code & 4:
        image = image[::-1]
    return np.ascontiguousarray(image)


def undihedral(image: np.ndarray, code: int) -> np.ndarray:
    if code & 4:
        image = image[::-1]
    if code & 2:
        image = image[:, ::-1]
    if code & 1:
        image = image.transpose(1, 0, *range(2, image.ndim))
    return np.ascontiguousarray(image)
