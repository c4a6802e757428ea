"""Dominant orientation of each frame's structure: a diagnostic for the stripes that long zooms
settle into (see the session notes of issue 8).

    python bench/orientation.py CLIP_OR_FOLDER [...] [--every 10]

Prints, per clip, ``angle/coherence`` for every ``--every``-th frame: the structure tensor's
dominant gradient direction in degrees (image y down) and its coherence (0 = isotropic, 1 =
parallel stripes). An isotropic dream stays near coherence 0 with a wandering angle; stripes show
as a steady angle with coherence rising over the clip.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np


def orientation(frame_rgb: np.ndarray) -> tuple[float, float]:
    """(angle in degrees, coherence in [0, 1]) of the frame's mean structure tensor."""
    grey = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx, gy = cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    jxx, jyy, jxy = float((gx * gx).mean()), float((gy * gy).mean()), float((gx * gy).mean())
    angle = 0.5 * np.degrees(np.arctan2(2 * jxy, jxx - jyy))
    coherence = np.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy + 1e-9)
    return float(angle), float(coherence)


def frames(path: Path):
    """RGB frames of a video file or a folder of PNGs (in name order)."""
    if path.is_dir():
        for file in sorted(path.glob("*.png")):
            yield cv2.cvtColor(cv2.imread(str(file)), cv2.COLOR_BGR2RGB)
        return
    reader = imageio_ffmpeg.read_frames(str(path))
    width, height = next(reader)["size"]
    for raw in reader:
        yield np.frombuffer(raw, np.uint8).reshape(height, width, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--every", type=int, default=10)
    args = parser.parse_args()
    for clip in args.clips:
        rows = [orientation(frame) for number, frame in enumerate(frames(clip)) if number % args.every == 0]
        print(clip, " ".join(f"{angle:+.0f}/{coherence:.2f}" for angle, coherence in rows))


if __name__ == "__main__":
    main()
