"""The sheets of the music presets (docs/music.md): frames spread over the clip, then the
consecutive frames across one beat (the pulse), with the value each frame was driven to.

    python bench/music_sheet.py PRESET CLIP -o sheet.jpg [--beat-frame F] [--key zoom.scale]

CLIP is the preset rendered (any size, e.g. --set 'output.size=[320,180]'); the driven values are
recomputed from the preset, as the job made them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import cv2

from contact_sheet import contact_sheet, pick
from dreamvideo.audio.drive import driven_curves
from dreamvideo.components.sources import source_for
from dreamvideo.config import load_preset
from dreamvideo.engine.settings import clip_timing
from dreamvideo.videoio import VideoSource


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("preset", type=Path)
    parser.add_argument("clip", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--beat-frame", type=int, default=None, help="first of 8 consecutive frames (default: before the largest jump of --key)")
    parser.add_argument("--key", default="zoom.scale", help="the driven value printed under each frame")
    parser.add_argument("--width", type=int, default=200)
    args = parser.parse_args()
    preset, frames, fps, _ = clip_timing(load_preset(args.preset), source_for(load_preset(args.preset)))
    curve = np.array(driven_curves(preset, fps, frames)[args.key])
    clip = list(VideoSource(args.clip, None).frames())
    start = args.beat_frame if args.beat_frame is not None else max(0, int(np.argmax(np.diff(curve[:len(curve) // 2]))) - 2)
    spread = pick(len(clip), 8)
    beat = list(range(start, min(start + 8, len(clip))))
    top = contact_sheet({i: clip[i] for i in spread}, columns=8, width=args.width,
                        title=f"{args.preset.stem}: 8 of {len(clip)} frames")
    label = lambda i: f"{i}  {args.key.split('.')[-1]} {curve[i]:.3f}"  # noqa: E731
    bottom = contact_sheet({label(i): clip[i] for i in beat}, columns=8, width=args.width,
                           title=f"frames {beat[0]}-{beat[-1]}, across a beat ({args.key} as driven)")
    sheet = cv2.cvtColor(np.concatenate([top, bottom]), cv2.COLOR_RGB2BGR)
    cv2.imwrite(str(args.output), sheet, [cv2.IMWRITE_JPEG_QUALITY, 88])  # a .jpg: frames are photographs
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
