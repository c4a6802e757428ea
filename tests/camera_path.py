"""A small clip with a real camera path (pan, zoom, roll) and a moving textured object, with exact
flows and disocclusions — enough to measure warping error across segment seams.

(A fuller generator may live beside the style tests; this one stays small and self-contained.)
"""

from __future__ import annotations

import cv2
import numpy as np

from synthetic import SyntheticClip, textured_image


def camera_matrix(t: int, size: tuple[int, int], canvas: tuple[int, int], *, pan=(0.8, 0.3),
                  zoom: float = 0.006, roll: float = 0.4) -> np.ndarray:
    """3x3: frame-t pixel -> canvas pixel. Pan in px/frame (at 64 px width), zoom in, roll in deg."""
    unit = size[0] / 64
    scale, angle = 1 / (1 + zoom * t), np.deg2rad(roll * t)
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.array([(size[0] - 1) / 2, (size[1] - 1) / 2])
    shift = np.array([(canvas[0] - 1) / 2, (canvas[1] - 1) / 2]) + unit * t * np.array(pan) - rot @ centre
    return np.vstack([np.hstack([rot, shift[:, None]]), [0, 0, 1]])


def camera_clip(size: tuple[int, int], frames: int, seed: int = 0, *,
                velocity: tuple[float, float] = (1.1, 0.35), radius: float = 0.22) -> SyntheticClip:
    """The camera moves over a textured still; a textured disc (radius a fraction of the height)
    crosses the frame at ``velocity`` px/frame (at 64 px width)."""
    width, height = size
    unit = width / 64
    margin = int(0.3 * max(size) + frames * 2 * unit)
    canvas_size = (width + 2 * margin, height + 2 * margin)
    canvas = textured_image(canvas_size, seed).astype(np.float32)
    sprite = textured_image(size, seed + 1).astype(np.float32)
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    points = np.stack([xs, ys, np.ones_like(xs)], -1)
    mats = [camera_matrix(t, size, canvas_size) for t in range(frames)]
    v = unit * np.array(velocity, np.float32)
    start = np.array([0.2 * width, 0.55 * height], np.float32)
    r = radius * height

    def inside(t: int, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        cx, cy = start + v * t
        return (px - cx) ** 2 + (py - cy) ** 2 <= r * r

    images, owners = [], []
    for t in range(frames):
        image = cv2.warpAffine(canvas, mats[t][:2], size, flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)
        shift = np.float32([[1, 0, v[0] * t], [0, 1, v[1] * t]])  # the disc's texture moves with it
        moved = cv2.warpAffine(sprite, shift, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        mask = inside(t, xs, ys)
        image[mask] = moved[mask]
        images.append(np.clip(np.rint(image), 0, 255).astype(np.uint8))
        owners.append(mask)
    fw, bw, disoccluded = [], [], []
    for t in range(frames - 1):
        fw.append(_flow(mats[t], mats[t + 1], points, owners[t], v))
        back = _flow(mats[t + 1], mats[t], points, owners[t + 1], -v)
        bw.append(back)
        sx, sy = xs + back[..., 0], ys + back[..., 1]
        outside = (sx < 0) | (sx > width - 1) | (sy < 0) | (sy > height - 1)
        revealed = ~owners[t + 1] & inside(t, sx, sy)
        disoccluded.append(outside | revealed)
    return SyntheticClip(images, fw, bw, disoccluded, owners)


def _flow(here: np.ndarray, there: np.ndarray, points: np.ndarray, owner: np.ndarray,
          velocity: np.ndarray) -> np.ndarray:
    """Where each pixel of the frame with camera ``here`` is in the frame with camera ``there``."""
    moved = points @ (np.linalg.inv(there) @ here).T
    flow = (moved[..., :2] - points[..., :2]).astype(np.float32)
    flow[owner] = velocity
    return flow
