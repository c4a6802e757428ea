"""Where a style video's frame-to-frame change lives: its radial power spectrum by band.

For the outputs a ``bench_style.py --save NPZ`` run wrote: per pair, ``out[t+1] - warp(out[t])``
along the clip's exact flow (Lanczos, disoccluded pixels zeroed, grey, Hann-windowed), the share
of its energy in bands of cycles per pixel, next to the share of the frames' own energy there; a
band that holds little of a frame but much of its change is re-made every frame, not carried.

Run: ``python bench/style_spectrum.py OUT.npz --clip photo --size 320x180 --frames 24``.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from bench_style import make_clip  # (puts tests/ on the path)

from dreamvideo.motion.flow import warp

EDGES = (0, 0.1, 0.2, 0.3, 0.4, 0.75)


def bands(image: np.ndarray) -> list[float]:
    height, width = image.shape
    radius = np.hypot(np.fft.fftfreq(height)[:, None], np.fft.fftfreq(width)[None, :])
    power = np.abs(np.fft.fft2(image * np.outer(np.hanning(height), np.hanning(width)))) ** 2
    return [float(power[(radius >= a) & (radius < b)].sum() / power.sum())
            for a, b in zip(EDGES, EDGES[1:])]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("npz")
    parser.add_argument("--clip", default="photo")
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--frames", type=int, default=24)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    clip = make_clip(args.clip, (width, height), args.frames, 3.0)
    saved = np.load(args.npz)
    print("bands (cycles/px): " + "  ".join(f"{a}-{b}" for a, b in zip(EDGES, EDGES[1:])))
    for name in saved.files:
        outputs = saved[name].astype(np.float32)
        change, frame, rms = [], [], []
        for t in range(len(outputs) - 1):
            kept = (~clip.disoccluded[t]).astype(np.float32)
            diff = (outputs[t + 1] - warp(outputs[t], clip.flows_bw[t],
                                          interpolation="lanczos")).mean(axis=2) * kept
            grey = outputs[t + 1].mean(axis=2)
            change.append(bands(diff))
            frame.append(bands(grey - grey.mean()))
            rms.append(np.sqrt((diff ** 2).sum() / kept.sum()))
        print(f"  {name:12s} change RMS {np.mean(rms):5.2f} levels; change by band "
              + " ".join(f"{v:.2f}" for v in np.mean(change, 0)) + "; frames by band "
              + " ".join(f"{v:.3f}" for v in np.mean(frame, 0)))


if __name__ == "__main__":
    main(sys.argv[1:])
