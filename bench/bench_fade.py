"""Strength 0 is the input: dream and style keyframed 0 -> peak -> 0, side by side in one run.

A moving-square clip (known motion) goes through ``effect: dream`` (default ``video.blend``
0.3, so the warped previous frame is carried) and ``effect: style`` with the strength keyframed
0 on the first and last frames and its peak in the middle. Printed per frame: the strength, PSNR
of the output against the input frame (target: identical, inf, where the strength is 0) and the
effect's size (mean |output - input|, levels; it should rise and fall with the strength); and
the time of a run whose strength is 0 throughout over one at the peak throughout (0-strength
frames skip the network).

Run: ``python bench/bench_fade.py [--size 96x64] [--frames 9]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from synthetic import moving_square_clip, textured_image  # noqa: E402

from dreamvideo import engine  # noqa: E402
from dreamvideo.config import parse_preset, value_at  # noqa: E402


def keys(frames: int, peak: float) -> list[dict]:
    """0 on the first and last two frames, ``peak`` in the middle, linear in between."""
    middle = frames // 2
    return [{"frame": 0, "value": 0.0}, {"frame": 1, "value": 0.0},
            {"frame": middle, "value": peak}, {"frame": frames - 2, "value": 0.0}]


def run(folder: Path, name: str, effect: str, section: dict, frames_dir: Path, count: int):
    preset = parse_preset({"effect": effect, "source": {"sequence": str(frames_dir)}, "seed": 1,
                           "output": {"path": str(folder / name), "codec": "png"}, **section})
    started = time.perf_counter()
    out = engine.render(preset)
    seconds = time.perf_counter() - started
    frames = [cv2.imread(str(p))[..., ::-1] for p in sorted(out.glob("*.png"))]
    assert len(frames) == count
    return preset, frames, seconds


def psnr(a, b) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="96x64")
    parser.add_argument("--frames", type=int, default=9)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    clip = moving_square_clip(size, args.frames, seed=4)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        (folder / "in").mkdir()
        for index, frame in enumerate(clip.frames):
            cv2.imwrite(str(folder / "in" / f"{index:04d}.png"), frame[..., ::-1])
        cv2.imwrite(str(folder / "style.png"), textured_image((64, 64), seed=9)[..., ::-1])
        dream = {"steps": 4, "first_frame_steps": 4, "objective": [{"layer": "block3_conv1"}]}
        style = {"images": [str(folder / "style.png")], "iterations": {"first": 10, "next": 4},
                 "content_layers": ["block3_conv2"],
                 "style_layers": ["block1_conv1", "block2_conv1", "block3_conv1"]}
        cases = {
            "dream": ("dream", lambda v: {"dream": {**dream, "step_size": v}}, 1.5),
            "style": ("style", lambda v: {"style": {**style, "style_weight": v}}, 1000.0),
        }
        for name, (effect, section, peak) in cases.items():
            preset, frames, _ = run(folder, name, effect, section(keys(args.frames, peak)),
                                    folder / "in", args.frames)
            animated = getattr(getattr(preset, effect), "step_size" if effect == "dream" else "style_weight")
            print(f"{name}: strength / PSNR vs input (dB) / effect size (levels) per frame")
            for index, (ours, source) in enumerate(zip(frames, clip.frames)):
                effect_size = float(np.abs(ours.astype(np.float32) - source).mean())
                print(f"  {index}: {value_at(animated, index):7.1f}  {psnr(ours, source):6.1f}  "
                      f"{effect_size:5.1f}")
            _, _, zero_s = run(folder, name + "_zero", effect, section(0.0), folder / "in", args.frames)
            _, _, peak_s = run(folder, name + "_peak", effect, section(peak), folder / "in", args.frames)
            print(f"  time, strength 0 throughout / peak throughout: {zero_s / peak_s:.2f}")


if __name__ == "__main__":
    main()
