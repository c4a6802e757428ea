"""A production shot through the Blender add-on, timed and measured (issue 19, item 5).

    python bench/bench_production_shot.py shot [--frames 100] [--size 1920x1080] [--steps 2000]
    python bench/bench_production_shot.py measure [--independent 6]

``shot`` writes the photographs (scikit-image's ``astronaut``, ``coffee``, ``chelsea``) and the
style image (``fast_style_clip.stroke_style``, the style benches' painting) to
``bench/out/production/``, builds the add-on zip and runs ``bench/production_shot_bpy.py`` in
the bpy interpreter (``$DREAMVIDEO_BPY_PYTHON`` or ``.venv-bpy/bin/python``), which renders the
passes, trains the network with *Train Style Network* and stylises the frames with *Render with
dreamvideo*; ``stages.json`` holds each stage's wall and CPU seconds and the load average.

``measure`` reads the cached EXRs (frames as the engine saw them, the Vector pass's exact
motion, Depth) and the stylised PNGs, and prints/writes ``measures.json``:

- warping error of the network render along the Vector pass's motion, masked where Depth and
  the Vector pass agree (:func:`dreamvideo.motion.flow.depth_reliability`, the engine's own occlusion
  for Blender sources), over all pairs; the floor: the input frames' own error on the same mask;
- the same over the first pairs of ``--independent`` frames, against the network run on each
  frame alone (no flow blend: the independent render of the network);
- sharpness (mean |Laplacian|) of the last 10 frames over the first 10's, for the output and
  for the input (the camera pulls back: the content's own change), and their quotient;
- a sheet: four frames across the shot, then 100 % crops of the first and last frame (input
  and output), ``docs/images/production_shot.jpg`` (JPEG under 300 KB).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

OUT = HERE / "out" / "production"
PHOTOS = ("astronaut", "coffee", "chelsea")
SHEET = ROOT / "docs" / "images" / "production_shot.jpg"


def bpy_python() -> str:
    return os.environ.get("DREAMVIDEO_BPY_PYTHON") or str(ROOT / ".venv-bpy" / "bin" / "python")


def write_inputs(folder: Path) -> Path:
    """The photographs and the style image as PNGs; returns the style image's path."""
    import skimage.data

    from fast_style_clip import stroke_style

    folder.mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        image = np.ascontiguousarray(getattr(skimage.data, name)()[..., :3])
        cv2.imwrite(str(folder / f"{name}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    style = folder / "style.png"
    cv2.imwrite(str(style), cv2.cvtColor(stroke_style(), cv2.COLOR_RGB2BGR))
    return style


def build_zip(folder: Path) -> str:
    proc = subprocess.run([sys.executable, str(ROOT / "blender_addon" / "build.py"), "--out", str(folder)],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def shot(args) -> None:
    work = Path(args.work)
    style = write_inputs(work / "inputs")
    addon = build_zip(work / "dist")
    resources = work / "blender_user"
    resources.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in args.size.split("x"))
    command = [bpy_python(), str(HERE / "production_shot_bpy.py"), addon, str(work),
               "--engine", args.engine, "--style", str(style), "--photos", str(work / "inputs"),
               "--frames", str(args.frames), "--size", str(width), str(height),
               "--samples", str(args.samples), "--steps", str(args.steps),
               "--train-size", str(args.train_size)]
    if args.skip_train:
        command.append("--skip-train")
    env = {**os.environ, "BLENDER_USER_RESOURCES": str(resources)}
    subprocess.run(command, env=env, check=True)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("shot", help="render, train and stylise in Blender")
    run.add_argument("--frames", type=int, default=100)
    run.add_argument("--size", default="1920x1080")
    run.add_argument("--samples", type=int, default=16, help="Cycles samples per pixel")
    run.add_argument("--steps", type=int, default=2000, help="Train Style Network's steps")
    run.add_argument("--train-size", type=int, default=256)
    run.add_argument("--engine", default=sys.executable, help="the engine's Python")
    run.add_argument("--skip-train", action="store_true", help="stylise with the network already trained")
    measure = commands.add_parser("measure", help="score the shot made by 'shot'")
    measure.add_argument("--independent", type=int, default=6,
                         help="frames at each end of the shot the network also renders alone (no blend)")
    measure.add_argument("--sheet", type=Path, default=SHEET)
    measure.add_argument("--losses", type=int, nargs="*", default=[],
                         help="frames (negative: from the end) whose 100 %% crop is also optimised, "
                              "for the content and style loss ratios")
    for sub in (run, measure):
        sub.add_argument("--work", default=str(OUT))
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.command == "shot":
        shot(args)
    else:
        from production_shot_measures import measure

        measure(Path(args.work), independent=args.independent, sheet_path=args.sheet,
                loss_frames=args.losses)


if __name__ == "__main__":
    main()
