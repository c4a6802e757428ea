"""Time flow estimation, warping and the consistency mask on synthetic frames.

Run: ``python bench/bench_flow.py [WIDTHxHEIGHT ...]`` (default 640x360 1280x720).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from synthetic import translating_clip  # noqa: E402

from dreamvideo.motion.flow import OpenCVFlow, consistency_mask, warp  # noqa: E402


def _best_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * min(times)


def bench(size: tuple[int, int]) -> None:
    clip = translating_clip(size, 2, shift=(4, -3), seed=0)
    a, b = clip.frames
    print(f"{size[0]}x{size[1]}")
    settings = (("dis", "ultrafast"), ("dis", "fast"), ("dis", "medium"), ("farneback", "medium"))
    for method, preset in settings:
        provider = OpenCVFlow(method, preset=preset)
        fw, _ = provider.flow_pair(0, a, b)
        err = float(np.median(np.linalg.norm(fw - clip.flows_fw[0], axis=2)))
        ms = _best_ms(lambda: provider.flow_pair(0, a, b))
        print(f"  {method:9s} {preset:9s} flow_pair {ms:8.1f} ms   median error {err:.3f} px")
    fw, bw = clip.flows_fw[0], clip.flows_bw[0]
    print(f"  warp uint8 RGB          {_best_ms(lambda: warp(a, bw)):8.1f} ms")
    print(f"  consistency_mask        {_best_ms(lambda: consistency_mask(fw, bw)):8.1f} ms")


def main(argv: list[str] | None = None) -> None:
    sizes = argv if argv else ["640x360", "1280x720"]
    for text in sizes:
        width, height = (int(v) for v in text.lower().split("x"))
        bench((width, height))


if __name__ == "__main__":
    main(sys.argv[1:])
