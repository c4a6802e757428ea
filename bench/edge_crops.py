"""Quarter-size frames over 100 % crops of their right edge: an independent and a coherent frame
written by ``style_drift.py --frames-out DIR``, side by side (what a pan brings in, at full size).

Run: ``python bench/edge_crops.py DIR FRAME OUT.jpg [--crop 480x540]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

GAP = 6


def edge_sheet(frames: list[np.ndarray], crop: tuple[int, int]) -> np.ndarray:
    """Each frame at a quarter of its size above its right edge's ``crop`` (w, h) at 100 %."""
    width, height = crop
    columns = []
    for frame in frames:
        h, w = frame.shape[:2]
        small = cv2.resize(frame, (width, round(width * h / w)), interpolation=cv2.INTER_AREA)
        top = (h - height) // 2
        edge = frame[top:top + height, w - width:w]
        columns.append(np.concatenate([small, np.full((GAP, width, 3), 255, np.uint8), edge], 0))
    spacer = np.full((columns[0].shape[0], GAP, 3), 255, np.uint8)
    return np.concatenate([c for column in columns for c in (column, spacer)][:-1], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("frame", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--crop", default="480x540")
    args = parser.parse_args()
    crop = tuple(int(v) for v in args.crop.split("x"))
    frames = [cv2.imread(str(args.folder / f"{kind}_{args.frame:03d}.png")) for kind in ("independent", "coherent")]
    cv2.imwrite(str(args.out), edge_sheet(frames, crop), [cv2.IMWRITE_JPEG_QUALITY, 85])
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
