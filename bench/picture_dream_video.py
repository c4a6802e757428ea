"""The docs' "dream a video" picture, made through the Python API from a real photograph.

    python bench/picture_dream_video.py -o docs/dream_video.jpg [--frames 8] [--width 240]

A camera pans and slowly zooms over scikit-image's bundled `coffee` photograph; the clip is dreamt
with `dreamvideo.dream_frames` (effect: dream, the dream carried along the optical flow). The
picture shows input frames (top) and their dreams (bottom) at the first, middle and last frame.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

import dreamvideo

DREAM = {"objective": [{"layer": "block4_conv2"}], "steps": 6, "first_frame_steps": 16,
         "step_size": 2.0, "octaves": 3, "colour_decorrelate": 0.25}


def camera_clip(photo: np.ndarray, frames: int, size: tuple[int, int]) -> list[np.ndarray]:
    """Crops of ``photo`` moving right and zooming in a little each frame, resized to ``size``."""
    height, width = photo.shape[:2]
    clip = []
    for t in range(frames):
        crop_w = int(width * (0.8 - 0.015 * t))
        crop_h = round(crop_w * size[1] / size[0])
        x = int(0.05 * width + 6 * t * width / size[0])
        y = (height - crop_h) // 2
        clip.append(cv2.resize(photo[y:y + crop_h, x:x + crop_w], size, interpolation=cv2.INTER_AREA))
    return clip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--width", type=int, default=288)
    args = parser.parse_args()
    from skimage import data

    size = (args.width, round(args.width * 2 / 3 / 2) * 2)
    clip = camera_clip(data.coffee(), args.frames, size)
    started = time.process_time()
    dreamt = list(dreamvideo.dream_frames(clip, overrides={"video.blend": 0.35, "seed": 1}, **DREAM))
    print(f"{len(dreamt)} frames at {size[0]}x{size[1]}: {time.process_time() - started:.0f} CPU-s")
    shown = [0, len(clip) // 2, len(clip) - 1]
    sheet = np.vstack([np.hstack([clip[i] for i in shown]), np.hstack([dreamt[i] for i in shown])])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.output), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    print(f"wrote {args.output} (frames {shown}: input above, dream below)")


if __name__ == "__main__":
    main()
