"""Write a bench clip's frames (PNG) and the painted style image, for ``dreamvideo train-style``:

    python bench/write_clip.py CLIP FOLDER [--size 320x180] [--frames 24]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from bench_network_stability import make_clip  # noqa: E402
from fast_style_clip import stroke_style  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--frames", type=int, default=24)
    args = parser.parse_args(argv)
    clip = make_clip(args.clip, tuple(int(v) for v in args.size.split("x")), args.frames)
    args.folder.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(clip.frames):
        cv2.imwrite(str(args.folder / f"f{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    cv2.imwrite(str(args.folder.parent / "style.png"), cv2.cvtColor(stroke_style(), cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
