"""Disocclusions in a Blender render by an estimator the renderer's masks do not use: the
Object Index pass (shared by tests/test_blender.py and bench/bench_occlusion.py)."""

import cv2
import numpy as np


def true_disocclusion(index_a: np.ndarray, index_b: np.ndarray, flow_ba: np.ndarray):
    """(disoccluded, scored): bool (H, W) in frame b's geometry. Disoccluded where the nearest
    source pixel in frame a has another Object Index or lies outside; scored away from Object
    Index edges in both frames (anti-aliased: either answer is defensible) and from sources
    within a pixel of the frame's edge."""
    height, width = index_b.shape
    ys, xs = np.mgrid[:height, :width]
    sx = np.rint(xs + flow_ba[..., 0]).astype(int)
    sy = np.rint(ys + flow_ba[..., 1]).astype(int)
    inside = (sx >= 0) & (sx < width) & (sy >= 0) & (sy < height)
    fx, fy = xs + flow_ba[..., 0], ys + flow_ba[..., 1]
    near_border = ((np.abs(fx + 0.5) < 1) | (np.abs(fx - width + 0.5) < 1)
                   | (np.abs(fy + 0.5) < 1) | (np.abs(fy - height + 0.5) < 1))
    source = index_a[np.clip(sy, 0, height - 1), np.clip(sx, 0, width - 1)]
    disoccluded = ~inside | (np.rint(source) != np.rint(index_b))
    kernel = np.ones((3, 3), np.uint8)

    def edges(index):
        ids = np.rint(index).astype(np.int16)
        return cv2.dilate(ids, kernel) != cv2.erode(ids, kernel)

    near_edge = edges(index_b) | edges(index_a)[np.clip(sy, 0, height - 1), np.clip(sx, 0, width - 1)]
    return disoccluded, ~(near_edge | near_border)
