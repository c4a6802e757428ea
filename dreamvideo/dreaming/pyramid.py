"""Laplacian pyramids: split an image into octaves of structure and merge them back.

Used by the dream's gradient normalisation (every band to unit RMS) and by the zoom's spectrum
matching (every band toward the opening frame's energy)."""

from __future__ import annotations

import cv2
import numpy as np


def laplacian_bands(image: np.ndarray, levels: int, min_side: int = 4) -> list[np.ndarray]:
    """Band-pass levels, fine to coarse, then the low-pass residual as the last entry; fewer
    levels when the image would shrink below ``min_side`` pixels."""
    bands, low = [], np.asarray(image, np.float32)
    for _ in range(levels - 1):
        if min(low.shape[:2]) < min_side:
            break
        smaller = cv2.pyrDown(low)
        bands.append(low - cv2.pyrUp(smaller, dstsize=(low.shape[1], low.shape[0])))
        low = smaller
    return bands + [low]


def merge_bands(bands: list[np.ndarray]) -> np.ndarray:
    """The image whose pyramid ``bands`` is (inverse of :func:`laplacian_bands`)."""
    image = bands[-1]
    for band in reversed(bands[:-1]):
        image = cv2.pyrUp(image, dstsize=(band.shape[1], band.shape[0])) + band
    return image
