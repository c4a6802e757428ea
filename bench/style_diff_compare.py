"""Difference sheets of several ``bench_style.py --save`` runs side by side.

Columns: the input clip, the independent render (of the first run), then each run's coherent
render; rows: frame t+1 minus frame t warped along the clip's exact flow (amplified, grey;
disoccluded pixels blue) for pairs spread over the clip, the last frame on top
(:func:`bench_style.difference_sheet`). Also prints, per run, the change from frame to frame
along the exact flow (RMS grey levels over the pixels the flow holds), overall and in the fine
band above 0.25 cycles/px (what a speckle field is made of), over all pixels seen in frame t and
over the background away from the moving object (:func:`background`), and its floor: the first frame carried along the exact flow.

The wake (:func:`wake_ratio`): what a render leaves where a moving object uncovered the
background 2-8 frames ago. Its fine part (above ~0.25 cycles/px, luma) there over its fine part
on the background away from any object and any recent uncovering; the independent render's
ratio is the reference (its frames know no history), the input's is the picture's own.

Run: ``python bench/style_diff_compare.py --clip photo --size 160x90 --frames 8 --out SHEET.png
before=A.npz after=B.npz``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from bench_style import difference_sheet, make_clip  # (puts tests/ on the path)
from style_measures import carried_along

from dreamvideo.motion.flow import warp

FINE = 0.25  # cycles/px: the band above it is "fine"


def fine_part(image: np.ndarray) -> np.ndarray:
    """``image`` minus its Gaussian low-pass (sigma 1 px: half power near 0.19 cycles/px)."""
    return image - cv2.GaussianBlur(image, (0, 0), 1.0)


def background(clip, t: int, margin: int = 4) -> np.ndarray:
    """Pixels of frame t+1 seen in frame t and at least ``margin`` px from the moving objects in
    both frames (their outlines are restyled where the render's mask frees them: not speckle)."""
    moving = (clip.moving[t] | clip.moving[t + 1] | clip.disoccluded[t]).astype(np.uint8)
    near = cv2.dilate(moving, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)) > 0
    return ~near


def change_rms(outputs: list[np.ndarray], clip, region=None) -> tuple[float, float]:
    """RMS of ``out[t+1] - warp(out[t])`` along the exact flow (grey levels), all of it and its
    fine part, over ``region(clip, t)`` (default: every pixel seen in frame t)."""
    total, fine, count = 0.0, 0.0, 0
    for t in range(len(outputs) - 1):
        kept = ~clip.disoccluded[t] if region is None else region(clip, t)
        diff = (outputs[t + 1].astype(np.float32) - warp(outputs[t].astype(np.float32), clip.flows_bw[t],
                                                         interpolation="lanczos")).mean(axis=2)
        total += float((diff[kept] ** 2).sum())
        fine += float((fine_part(diff)[kept] ** 2).sum())
        count += int(kept.sum())
    return np.sqrt(total / count), np.sqrt(fine / count)


def wake_regions(clip, t: int, oldest: int = 8, youngest: int = 2, margin: int = 2):
    """Frame t's pixels uncovered between ``oldest`` and ``youngest`` frames ago (followed along
    the exact flow), at least ``margin`` px from the moving objects; and the background at least
    6 px from any object and any uncovering of the last ``oldest`` frames."""
    recent = np.zeros(clip.moving[t].shape, np.float32)
    old = np.zeros_like(recent)
    for s in range(max(0, t - oldest), t):  # uncovered in frame s + 1, carried on to frame t
        recent, old = (warp(m, clip.flows_bw[s]) for m in (recent, old))
        uncovered = clip.disoccluded[s].astype(np.float32)
        old = np.maximum(old, uncovered) if s < t - youngest + 1 else old
        recent = np.maximum(recent, uncovered)
    moving = clip.moving[t].astype(np.uint8)
    near = lambda mask, px: cv2.dilate(mask.astype(np.uint8), np.ones((2 * px + 1,) * 2, np.uint8)) > 0  # noqa: E731
    wake = (old > 0.5) & ~near(moving, margin)
    steady = ~near(moving | (recent > 0.01), 6)
    return wake, steady


def wake_ratio(outputs: list[np.ndarray], clip, start: int = 8) -> float:
    """Fine-part RMS (luma) in the wake over that on the steady background, frames ``start`` on."""
    sums = np.zeros(2)
    counts = np.zeros(2)
    for t in range(start, len(outputs)):
        luma = cv2.cvtColor(outputs[t], cv2.COLOR_RGB2GRAY).astype(np.float32)
        fine = fine_part(luma) ** 2
        for k, region in enumerate(wake_regions(clip, t)):
            sums[k] += fine[region].sum()
            counts[k] += region.sum()
    return float(np.sqrt(sums[0] / counts[0]) / np.sqrt(sums[1] / counts[1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", metavar="NAME=NPZ")
    parser.add_argument("--clip", default="photo")
    parser.add_argument("--size", default="160x90")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--gain", type=float, default=16.0)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--zoom", type=int, default=1, help="enlarge the sheet (nearest neighbour)")
    parser.add_argument("--out", type=Path, required=True, help="the sheet (PNG or JPEG)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    clip = make_clip(args.clip, (width, height), args.frames, 3.0)
    runs = {name: np.load(path) for name, path in (item.split("=", 1) for item in args.runs)}
    first = next(iter(runs.values()))
    videos = {"input": clip.frames, "independent": list(first["independent"])}
    videos.update({name: list(saved["coherent"]) for name, saved in runs.items()})
    floor = {"floor": carried_along(videos["independent"][0], clip)}  # frame 0 carried: no render reads lower
    for name, video in {**floor, **videos}.items():
        total, fine = change_rms(video, clip)
        back, back_fine = change_rms(video, clip, background)
        print(f"  {name:14s} change along the exact flow, RMS levels: all {total:5.2f} (fine part "
              f"{fine:5.2f}); background {back:5.2f} (fine part {back_fine:5.2f})")
    for name, video in videos.items():
        print(f"  {name:14s} wake: fine part where objects uncovered the background 2-8 frames ago "
              f"over the steady background's: {wake_ratio(video, clip):.3f}")
    difference_sheet(clip, videos, args.out, gain=args.gain, pairs=args.pairs)
    if args.zoom > 1:
        sheet = cv2.imread(str(args.out))
        cv2.imwrite(str(args.out), cv2.resize(sheet, None, fx=args.zoom, fy=args.zoom,
                                              interpolation=cv2.INTER_NEAREST))


if __name__ == "__main__":
    main(sys.argv[1:])
