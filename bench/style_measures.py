"""Measures of a style video against the exact motion of a ``tests/synthetic.py`` clip: Lai et
al.'s warping error (any reference flow and mask; at disocclusions), noise stability, sharpness."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from synthetic import camera_flow  # noqa: E402

from dreamvideo.motion.flow import (OpenCVFlow, consistency_mask, source_inside, warp,  # noqa: E402
                             warping_error)


class TVL1Flow:
    """TV-L1 optical flow (Zach et al. 2007; OpenCV contrib's ``cv2.optflow``), a third reference
    estimator: a variational method with sharp motion boundaries, unlike Farneback's windows,
    and shares no code with the render's DIS."""

    def __init__(self):
        self._tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()

    def flow_pair(self, index, frame_a, frame_b):
        a, b = (cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (frame_a, frame_b))
        return self._tvl1.calc(a, b, None), self._tvl1.calc(b, a, None)


def has_tvl1() -> bool:
    return hasattr(cv2, "optflow") and hasattr(cv2.optflow, "DualTVL1OpticalFlow_create")


def flow_masks(frames, estimator: OpenCVFlow):
    """(backward flow, consistency mask) of every pair, as ``estimator`` sees them."""
    pairs = [estimator.flow_pair(t, frames[t], frames[t + 1]) for t in range(len(frames) - 1)]
    return [(bw, consistency_mask(fw, bw)) for fw, bw in pairs]


def carried_along(first, clip) -> list[np.ndarray]:
    """A perfectly coherent video: ``first`` carried along the clip's exact flows (Lanczos), so
    every reference measures what its own flow error alone costs (its floor: no render can read
    lower on average)."""
    frames = [first.astype(np.float32)]
    for bw in clip.flows_bw:
        frames.append(np.clip(warp(frames[-1], bw, interpolation="lanczos"), 0, 255))
    return [np.rint(f).astype(np.uint8) for f in frames]


def e_warp(outputs, flow_masks) -> float:
    return float(np.mean([warping_error(outputs[t], outputs[t + 1], bw, mask)
                          for t, (bw, mask) in enumerate(flow_masks)]))


def e_warp_lai(outputs, flows_bw, masks) -> float:
    """Lai et al. (2018) to the letter: per pair, the sum over pixels of mask x squared RGB
    distance (RGB in [0, 1], summed over channels) over the number of pixels; summed over
    pairs. ``e_warp`` divides by the mask's sum and averages channels and pairs instead: the
    same ratio to within the pairs' mask coverage (kept here to show it)."""
    total = 0.0
    for t, (bw, mask) in enumerate(zip(flows_bw, masks)):
        warped = warp(outputs[t].astype(np.float32), bw) / 255.0
        sq = ((outputs[t + 1].astype(np.float32) / 255.0 - warped) ** 2).sum(axis=2)
        total += float((mask * sq).mean(dtype=np.float64))
    return total


def revealed(clip, size, t: int) -> np.ndarray:
    """Background pixels of frame t+1 hidden behind an object in frame t (disoccluded, not
    entering across the frame's edge), bool (H, W)."""
    inside = source_inside(camera_flow(size, len(clip.frames), t + 1, t)).astype(bool)
    return clip.disoccluded[t] & ~clip.moving[t + 1] & inside


def e_warp_after_reveal(outputs, clip, size) -> float:
    """E_warp (exact flow) between frames t+1 and t+2 on the pixels revealed at t+1: does newly
    uncovered background keep the look it was given, or is it repainted the frame after?"""
    errors = []
    for t in range(len(outputs) - 2):
        mask = warp(revealed(clip, size, t).astype(np.float32), clip.flows_bw[t + 1]) > 0.5
        mask &= ~clip.disoccluded[t + 1]
        errors.append(warping_error(outputs[t + 1], outputs[t + 2], clip.flows_bw[t + 1], mask))
    return float(np.mean(errors)) if errors else float("nan")


def e_warp_since_hidden(outputs, clip, size) -> tuple[float, float]:
    """Revealed background against the last frame it was seen in before an object covered it
    (camera flow across the gap): what long-term frames reach when the gap is within their
    offsets. (E_warp, share of revealed pixels seen before in the clip)."""
    frames, total, seen = len(clip.frames), 0.0, 0
    count = 0
    for t in range(len(outputs) - 1):
        todo = revealed(clip, size, t)
        count += int(todo.sum())
        out = outputs[t + 1].astype(np.float32) / 255
        for s in range(t - 1, -1, -1):
            flow = camera_flow(size, frames, t + 1, s)
            visible = source_inside(flow).astype(bool)
            visible &= warp(clip.moving[s].astype(np.float32), flow) < 0.5
            here = todo & visible
            if here.any():
                earlier = warp(outputs[s].astype(np.float32), flow) / 255
                total += float(((out - earlier) ** 2).mean(axis=2)[here].sum(dtype=np.float64))
                seen += int(here.sum())
                todo &= ~here
            if not todo.any():
                break
    return (total / seen if seen else float("nan")), seen / max(count, 1)


def stability(outputs, frames) -> float:
    """Mean absolute change between consecutive outputs over that of the inputs."""
    def change(seq):
        return np.mean([np.abs(seq[t + 1].astype(np.float32) - seq[t]).mean()
                        for t in range(len(seq) - 1)])

    return float(change(outputs) / change(frames))


def sharpness(outputs) -> float:
    """Mean absolute Laplacian of the grey following frames (blur lowers it, and E_warp too)."""
    grey = [cv2.cvtColor(o, cv2.COLOR_RGB2GRAY).astype(np.float32) for o in outputs[1:]]
    return float(np.mean([np.abs(cv2.Laplacian(g, cv2.CV_32F)).mean() for g in grey]))


def entered_since(flows_bw, start: int, end: int) -> np.ndarray:
    """Bool (H, W) in frame ``end``: pixels whose source, followed back along the exact flows
    (``flows_bw[t]`` brings frame t into frame t+1's geometry), leaves the picture before frame
    ``start``: what the camera brought into view since then."""
    height, width = flows_bw[0].shape[:2]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    x, y, outside = xs.copy(), ys.copy(), np.zeros((height, width), bool)
    for t in range(end - 1, start - 1, -1):
        step = cv2.remap(flows_bw[t], x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        x, y = x + step[..., 0], y + step[..., 1]
        outside |= (x < 0) | (x > width - 1) | (y < 0) | (y > height - 1)
    return outside


def region_sharpness(output: np.ndarray, region: np.ndarray) -> float:
    """Mean absolute Laplacian of the grey ``output`` inside ``region`` (the frame's own 2-px
    rim left out: the Laplacian reads the border there)."""
    grey = cv2.cvtColor(output, cv2.COLOR_RGB2GRAY).astype(np.float32)
    inside = region.copy()
    inside[:2], inside[-2:], inside[:, :2], inside[:, -2:] = False, False, False, False
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F))[inside].mean()) if inside.any() else float("nan")
