"""The camera's own motion in an estimated flow field, to snap the flow to where it agrees.

Camera pan, zoom and roll move a distant or flat background by one homography per frame pair.
Dense estimators (DIS) get that motion right only to ~0.1 px per pixel, and each pixel wrong in
its own way; a homography fitted robustly to the whole field is right to a few hundredths of a
pixel. :func:`snap_to_camera` replaces the flow by the fitted homography's wherever the two
agree to within ``tolerance`` px (so a pixel is never moved by more than that), and keeps the
estimate on moving objects, parallax and anything the homography does not explain.
"""

from __future__ import annotations

import cv2
import numpy as np

SAMPLES = 4000  # flow vectors the homography is fitted to (a grid over the frame)
RANSAC_PX = 0.3  # inlier distance of the fit
MIN_INLIERS = 0.3  # share of samples the homography must explain to be used


def fit_camera(flow: np.ndarray) -> np.ndarray | None:
    """3x3 homography x -> x + flow(x) fitted by RANSAC, or None when under ``MIN_INLIERS`` of
    the frame moves with one."""
    height, width = flow.shape[:2]
    stride = max(1, int(np.sqrt(height * width / SAMPLES)))
    ys, xs = np.mgrid[stride // 2:height:stride, stride // 2:width:stride]
    src = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float32)
    dst = src + flow[ys.ravel(), xs.ravel()].astype(np.float32)
    if len(src) < 8:
        return None
    homography, inliers = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX, maxIters=500,
                                             confidence=0.995)
    if homography is None or inliers.mean() < MIN_INLIERS:
        return None
    return homography


def camera_flow(homography: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The flow (float32 (H, W, 2)) that ``homography`` gives every pixel of a (width, height)
    frame."""
    width, height = size
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    points = np.stack([xs, ys], -1).reshape(-1, 1, 2)
    moved = cv2.perspectiveTransform(points, homography).reshape(height, width, 2)
    return (moved - np.stack([xs, ys], -1)).astype(np.float32)


def snap_to_camera(flow: np.ndarray, tolerance: float) -> np.ndarray:
    """``flow`` with the camera's homography flow wherever they differ by less than
    ``tolerance`` px; ``flow`` itself when no homography explains enough of it."""
    homography = fit_camera(flow)
    if homography is None or tolerance <= 0:
        return flow
    camera = camera_flow(homography, (flow.shape[1], flow.shape[0]))
    agree = np.linalg.norm(camera - flow, axis=2) < tolerance
    return np.where(agree[..., None], camera, flow).astype(np.float32)
