"""Long zooms of the shipped zoom presets at a small size: do they stay statistically steady?

    python bench/bench_zoom.py [PRESET ...] [--frames 300] [--width 192] [--out /tmp/bench_zoom]
        [--sheets presets/sheets] [--reuse] [--set KEY=VALUE ...]

For each preset: renders ``--frames`` frames at ``--width`` px wide (the preset's aspect) through
the real engine, then prints per clip the pattern scale (autocorrelation half radius, px) of the
early and the last frames and its drift, the worst clipped-pixel share, the drifts of mean
saturation and of fine detail, the border detail ratio (what a zoom out brings in, vs. the
interior: ~1 = dreamt like the rest, << 1 = smeared), the loop seam ratio for looping presets,
and seconds per frame (only comparable within one run: the machine is shared).

Targets (issue 8): scale drift <= 1.2, clipped <= 3 % in every frame, saturation drift <= 1.2,
seam ratio <= 1.2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from dreamvideo.config import load_preset
from dreamvideo.effects.dream_zoom import transition_errors
from dreamvideo.engine import render
from dreamvideo.videoio import SequenceSource
from dreamvideo.zoom.metrics import clip_stats, summary

sys.path.insert(0, str(Path(__file__).parent))
from contact_sheet import contact_sheet, pick, write_png  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ZOOM_PRESETS = ["quickstart", "zoom_out", "preview", "spiral_zoom", "guide_dream", "vj_loop_1080p"]


def small_size(preset, width: int) -> tuple[int, int]:
    size = preset.output.size or (640, 360)
    height = round(width * size[1] / size[0] / 2) * 2
    return width, height


def render_small(name: str, args) -> tuple[Path, object, float]:
    path = ROOT / "presets" / f"{name}.yaml"
    base = load_preset(path)
    width, height = small_size(base, args.width)
    out = args.out / name
    overrides = [f"output.size=[{width},{height}]", f"output.frames={args.frames}",
                 f"output.path={out}", "output.codec=png", *args.overrides]
    preset = load_preset(path, overrides)
    seconds = float("nan")
    done = out.is_dir() and len(list(out.glob("*.png"))) == args.frames
    if not (args.reuse and done):
        start = time.perf_counter()
        render(preset, overwrite=True)
        seconds = (time.perf_counter() - start) / args.frames
    return out, preset, seconds


def row(name: str, preset, frames: list[np.ndarray], seconds: float) -> str:
    numbers = summary(clip_stats(frames))
    seam = "-"
    if preset.output.loop:
        steps, gap = transition_errors(frames, preset.zoom, closing=True)
        seam = f"{gap / float(np.median(steps)):.2f}"
    return (f"| {name} | {len(frames)} | {numbers['scale_early']:.2f} -> {numbers['scale_late']:.2f} "
            f"(x{numbers['scale_drift']:.2f}) | {100 * numbers['clipped_max']:.1f} % | "
            f"x{numbers['saturation_drift']:.2f} | x{numbers['detail_drift']:.2f} | "
            f"{numbers['border_min']:.2f} | {seam} | {seconds:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("presets", nargs="*", default=ZOOM_PRESETS)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--width", type=int, default=192)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_zoom"))
    parser.add_argument("--sheets", type=Path, help="write a contact sheet PNG per preset here")
    parser.add_argument("--reuse", action="store_true", help="keep frames already rendered")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    print("| preset | frames | pattern scale early -> last (drift) | max clipped | saturation drift "
          "| detail drift | border detail (min) | loop seam | s/frame |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.presets:
        out, preset, seconds = render_small(name, args)
        frames = list(SequenceSource(out).frames())
        print(row(name, preset, frames, seconds), flush=True)
        if args.sheets:
            chosen = {index: frames[index] for index in pick(len(frames), 12)}
            write_png(args.sheets / f"{name}.png", contact_sheet(chosen, columns=6, width=128))


if __name__ == "__main__":
    main()
