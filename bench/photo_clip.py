"""Clips made from real photographs (scikit-image's bundled ``astronaut``, ``coffee``,
``chelsea``, ``rocket``) with exactly known motion, for measuring style networks on material the
project was not tuned on.

A background photograph seen by a camera that zooms in, rolls and pans by a sub-pixel amount each
frame, and a second photograph (a rectangle cut from it) sliding across at a sub-pixel velocity.
Both are resampled with cubic interpolation from the full photographs, so the true flow is the
camera's affine map (background) and the sprite's velocity (inside the sprite).
"""

from __future__ import annotations

import cv2
import numpy as np

from fast_style_clip import Clip


def photo(name: str) -> np.ndarray:
    import skimage.data

    return np.ascontiguousarray(getattr(skimage.data, name)()[..., :3])


def camera(t: float, size: tuple[int, int], canvas: tuple[int, int], *, zoom: float, roll: float,
           pan: tuple[float, float]) -> np.ndarray:
    """3x3: canvas pixel -> frame pixel at time t. The canvas centre sits at the frame centre,
    the canvas covers the frame at t = 0; zoom ``zoom ** t``, roll ``roll * t`` degrees, pan
    ``pan * t`` frame pixels."""
    width, height = size
    cw, ch = canvas
    cover = max(width / cw, height / ch) * 1.3
    m = cv2.getRotationMatrix2D((cw / 2, ch / 2), roll * t, cover * zoom ** t)
    m[:, 2] += np.array([width / 2 - cw / 2, height / 2 - ch / 2]) + np.asarray(pan) * t
    return np.vstack([m, [0, 0, 1]])


def photo_clip(size: tuple[int, int], frames: int, *, background: str = "coffee", sprite: str = "chelsea",
               zoom: float = 1.012, roll: float = 0.6, pan: tuple[float, float] = (1.3, -0.7),
               velocity: tuple[float, float] = (2.6, 0.45)) -> Clip:
    """``frames`` frames of ``size`` (width, height) with their exact forward/backward flows."""
    width, height = size
    canvas = photo(background)
    ch, cw = canvas.shape[:2]
    cut = photo(sprite)
    side = height * 2 // 5
    sh, sw = cut.shape[:2]
    sprite_scale = side / min(sh, sw) * 1.0
    sprite_size = (round(side * 1.3), side)  # (w, h)
    centre = np.array([sw / 2, sh / 2])
    start = np.array([width * 0.08, height * 0.45])
    vel = np.asarray(velocity, np.float64)
    ys, xs = np.mgrid[:height, :width].astype(np.float64)
    points = np.stack([xs, ys, np.ones_like(xs)], -1)
    out, inside, mats = [], [], []
    for t in range(frames):
        m = camera(t, size, (cw, ch), zoom=zoom, roll=roll, pan=pan)
        frame = cv2.warpAffine(canvas, m[:2], size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        origin = start + vel * t  # frame position of the sprite's top-left corner
        s = np.array([[sprite_scale, 0, origin[0] - (centre[0] - sprite_size[0] / 2 / sprite_scale) * sprite_scale],
                      [0, sprite_scale, origin[1] - (centre[1] - sprite_size[1] / 2 / sprite_scale) * sprite_scale]])
        layer = cv2.warpAffine(cut, s, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        mask = ((xs >= origin[0]) & (xs < origin[0] + sprite_size[0])
                & (ys >= origin[1]) & (ys < origin[1] + sprite_size[1]))
        frame[mask] = layer[mask]
        out.append(frame)
        inside.append(mask)
        mats.append(m)
    fws, bws = [], []
    for t in range(frames - 1):
        a, b = mats[t], mats[t + 1]
        fw = (points @ (b @ np.linalg.inv(a)).T)[..., :2] - points[..., :2]
        bw = (points @ (a @ np.linalg.inv(b)).T)[..., :2] - points[..., :2]
        fws.append(np.where(inside[t][..., None], vel, fw).astype(np.float32))
        bws.append(np.where(inside[t + 1][..., None], -vel, bw).astype(np.float32))
    return Clip(out, fws, bws)


CLIPS = {
    "coffee+chelsea": dict(background="coffee", sprite="chelsea"),
    "astronaut+coffee": dict(background="astronaut", sprite="coffee", roll=-0.5, pan=(-0.9, 0.6),
                             velocity=(-2.2, 0.35)),
}
