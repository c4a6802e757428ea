"""Contact sheet: a dozen frames spread across a clip, in a grid, one PNG.

    python bench/contact_sheet.py FRAMES_FOLDER_OR_VIDEO -o sheet.png [--count 12] [--columns 4]
        [--width 160] [--title TEXT]

Frames are taken evenly from the first to the last; each tile is labelled with its frame index.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

LABEL_HEIGHT = 14


def pick(total: int, count: int) -> list[int]:
    """``count`` indices spread evenly over ``0 .. total-1``, first and last included."""
    count = max(1, min(count, total))
    return sorted(set(np.linspace(0, total - 1, count).round().astype(int).tolist()))


def contact_sheet(frames: dict[int, np.ndarray], *, columns: int = 4, width: int = 160,
                  title: str = "") -> np.ndarray:
    """Frames (index -> uint8 RGB) in a grid of ``columns``, each ``width`` px wide, labelled."""
    first = next(iter(frames.values()))
    height = round(width * first.shape[0] / first.shape[1])
    rows = -(-len(frames) // columns)
    top = LABEL_HEIGHT + 4 if title else 0
    sheet = np.full((top + rows * (height + LABEL_HEIGHT), columns * width, 3), 24, np.uint8)
    if title:
        _text(sheet, title, (4, LABEL_HEIGHT))
    for slot, (index, frame) in enumerate(frames.items()):
        y, x = top + (slot // columns) * (height + LABEL_HEIGHT), (slot % columns) * width
        sheet[y:y + height, x:x + width] = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
        _text(sheet, f"{index}", (x + 3, y + height + LABEL_HEIGHT - 3))
    return sheet


def _text(image: np.ndarray, text: str, origin: tuple[int, int]) -> None:
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.38, (230, 230, 230), 1, cv2.LINE_AA)


def read_frames(path: Path, count: int) -> dict[int, np.ndarray]:
    """Evenly spread frames of a folder of PNGs or a video file."""
    from dreamvideo.videoio import SequenceSource, VideoSource

    source = SequenceSource(str(path), None, None) if path.is_dir() else VideoSource(path, None)
    frames = list(source.frames())
    return {index: frames[index] for index in pick(len(frames), count)}


def write_png(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--columns", type=int, default=4)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--title", default="")
    args = parser.parse_args()
    frames = read_frames(args.clip, args.count)
    write_png(args.output, contact_sheet(frames, columns=args.columns, width=args.width, title=args.title))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
