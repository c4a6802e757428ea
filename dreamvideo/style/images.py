"""Image helpers for style transfer: resizing and the luminance/chroma split (keep colours).

Images are ``float32 (H, W, 3)`` in [0, 255] (RGB).
"""

from __future__ import annotations

import cv2
import numpy as np


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float image (or mask) to (width, height): area down, cubic up."""
    image = np.asarray(image, np.float32)
    if image.shape[1::-1] == tuple(size):
        return image
    shrink = size[0] < image.shape[1]
    out = cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return out.reshape(size[1], size[0], *image.shape[2:])


RGB_TO_YCRCB = np.array([[0.299, 0.587, 0.114], [0.5, -0.418688, -0.081312],
                         [-0.168736, -0.331264, 0.5]], np.float32)  # rows: Y, Cr, Cb (BT.601)
YCRCB_TO_RGB = np.linalg.inv(RGB_TO_YCRCB).astype(np.float32)


def rgb_to_ycrcb(image: np.ndarray) -> np.ndarray:
    """RGB [0, 255] -> Y, Cr, Cb (BT.601, chroma offset 128, as ``cv2.COLOR_RGB2YCrCb``)."""
    out = np.asarray(image, np.float32) @ RGB_TO_YCRCB.T
    out[..., 1:] += 128.0
    return out


def ycrcb_to_rgb(image: np.ndarray) -> np.ndarray:
    shifted = np.asarray(image, np.float32).copy()
    shifted[..., 1:] -= 128.0
    return shifted @ YCRCB_TO_RGB.T


def luminance(image: np.ndarray) -> np.ndarray:
    """Grey RGB image (Y in all three channels), float32."""
    y = rgb_to_ycrcb(image)[..., :1]
    return np.repeat(y, 3, axis=2)


def keep_colors(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Luminance of ``stylized`` with the chroma (Cr, Cb) of ``content``, float32 [0, 255]."""
    mixed = rgb_to_ycrcb(content)
    mixed[..., 0] = rgb_to_ycrcb(stylized)[..., 0]
    return np.clip(ycrcb_to_rgb(mixed), 0, 255)
