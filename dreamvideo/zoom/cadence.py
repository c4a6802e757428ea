"""Frames between two dreamt keyframes, made along the known camera path (``zoom.cadence``).

Frame t between keyframes a < t < b: keyframe a moved forward by the camera steps a+1..t, and
keyframe b moved back by the inverse of steps t+1..b, cross-faded by (t - a) / (b - a), so new
detail grows in rather than popping. Each keyframe is resampled once per frame (no resample adds
up). Where one of the two moved keyframes has no picture (a zoom in moving b back shrinks it,
a zoom out moving a forward brings in a border), the other one is used alone.

Averaging two patterns that do not line up exactly leaves paler detail than either, most at the
middle of the fade: without help the detail would dip at the cadence's rhythm. Each fine band of
the cross-fade gets back the local energy the two moved keyframes have, by weight
(:func:`keep_band_energy`), never more than what averaging unrelated patterns can lose.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from ..config import ZoomConfig
from .camera import ZoomStep

DETAIL_SIGMAS = (1.0, 2.5)  # px: the fine bands whose energy the cross-fade keeps
ENERGY_WINDOW = 6.0  # px (sigma): the neighbourhood a band's local energy is averaged over


def camera_path(zoom: ZoomConfig, phases: Sequence[int], size: tuple[int, int],
                pan_scale: float = 1.0) -> np.ndarray:
    """The 3x3 matrix of the camera steps at ``phases``, one after another (source ->
    destination pixel coordinates), pans scaled by ``pan_scale``."""
    path = np.eye(3)
    for phase in phases:
        path = np.vstack([ZoomStep.at(zoom, phase).scaled(pan_scale).matrix(size), [0, 0, 1]]) @ path
    return path


def move(image: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The image moved by a 3x3 camera matrix (bicubic, mirrored edges) and its coverage, float32
    (H, W) in [0, 1]: 0 where the picture came from outside the frame."""
    height, width = image.shape[:2]
    affine = matrix[:2].astype(np.float32)
    moved = cv2.warpAffine(image, affine, (width, height), flags=cv2.INTER_CUBIC,
                           borderMode=cv2.BORDER_REFLECT_101)
    inside = cv2.warpAffine(np.ones((height, width), np.float32), affine, (width, height),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return moved, np.clip(2 * inside - 1, 0, 1)


def in_between(earlier: np.ndarray, later: np.ndarray, *, zoom: ZoomConfig, before: Sequence[int],
               after: Sequence[int], pan_scale: float = 1.0) -> np.ndarray:
    """The frame between two keyframes, float32: ``before`` are the camera phases from the
    earlier keyframe up to this frame, ``after`` those from this frame up to the later one."""
    height, width = earlier.shape[:2]
    size = (width, height)
    forward, seen_a = move(np.asarray(earlier, np.float32), camera_path(zoom, before, size, pan_scale))
    back = np.linalg.inv(camera_path(zoom, after, size, pan_scale))
    backward, seen_b = move(np.asarray(later, np.float32), back)
    share = len(before) / (len(before) + len(after))
    weight_a, weight_b = (1 - share) * seen_a, share * seen_b
    total = weight_a + weight_b
    weight = np.where(total > 1e-6, weight_b / np.maximum(total, 1e-6), 0.0).astype(np.float32)
    out = forward + weight[..., None] * (backward - forward)
    return keep_band_energy(out, forward, backward, weight)


def bands(image: np.ndarray) -> list[np.ndarray]:
    """The fine bands: the structure between successive blur sizes ``DETAIL_SIGMAS`` (px)."""
    blurred = [image] + [cv2.GaussianBlur(image, (0, 0), sigma) for sigma in DETAIL_SIGMAS]
    return [sharp - soft for sharp, soft in zip(blurred, blurred[1:])]


def local_energy(detail: np.ndarray) -> np.ndarray:
    """Squared detail summed over channels, averaged over ~``ENERGY_WINDOW`` px (computed on a
    4x smaller grid: the average is smooth)."""
    energy = np.einsum("ijk,ijk->ij", detail, detail)
    height, width = energy.shape
    small = cv2.resize(energy, (max(1, width // 4), max(1, height // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), ENERGY_WINDOW / 4)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)


def keep_band_energy(out: np.ndarray, first: np.ndarray, second: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Scale each fine band of the blend ``out`` = (1-w) first + w second up to the local energy
    the two have by weight. The gain is at least 1 and at most 1 / sqrt((1-w)^2 + w^2), what
    averaging two unrelated patterns loses: where they agree the blend is left as it is."""
    cap = (1.0 / np.sqrt(np.square(1.0 - weight) + np.square(weight)))
    out_bands, first_bands, second_bands = (bands(image) for image in (out, first, second))
    result = out.copy()
    for detail, one, two in zip(out_bands, first_bands, second_bands):
        goal = (1 - weight) * local_energy(one) + weight * local_energy(two)
        gain = np.clip(np.sqrt((goal + 1.0) / (local_energy(detail) + 1.0)), 1.0, cap)
        result += (gain[..., None] - 1.0) * detail
    return result.astype(np.float32)
