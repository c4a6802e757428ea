"""Style transfer in bfloat16 vs float32: loss reached per second, side by side in one run.

    python bench/bench_style_precision.py [--size 320x180] [--budgets 20,40,80]

The same content and style image are stylised (L-BFGS, from the content, tolerance off so every
budget runs in full) by a float32 and a bfloat16 Stylizer, alternating per budget so load on the
shared machine hits both alike. Every result is scored by the float32 criterion (its own targets),
so the losses compare. Printed per budget: seconds and loss of each, and the bfloat16 loss at the
float32 run's time (log-interpolated over the bfloat16 runs) — the answer to "does bfloat16 reach
a lower loss in the same time?".
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from synthetic import textured_image  # noqa: E402

from dreamvideo.config import StyleConfig  # noqa: E402
from dreamvideo.backbone.models import load_backbone  # noqa: E402
from dreamvideo.style import Stylizer  # noqa: E402
from dreamvideo.videoio import read_image  # noqa: E402

PRECISIONS = ("float32", "bfloat16")


def size_arg(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=size_arg, default=(320, 180))
    parser.add_argument("--budgets", default="20,40,80", help="L-BFGS iterations, comma-separated")
    parser.add_argument("--style", type=Path, default=ROOT / "presets" / "assets" / "strokes.png")
    args = parser.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]

    content = textured_image(args.size, 0)
    style = read_image(args.style)
    config = StyleConfig(images=[args.style], tolerance=0.0, init="content", scale=args.size[0] / 640)
    stylizers = {p: Stylizer([(style, 1.0)], config, backbone=load_backbone(precision=p)) for p in PRECISIONS}
    judge = stylizers["float32"]
    inputs = judge.inputs(content.astype(np.float32))
    start = content.astype(np.float32)
    for stylizer in stylizers.values():  # warm-up: tracing, Grams
        stylizer.stylize(content, init=start, iterations=2)

    runs = {p: [] for p in PRECISIONS}  # (seconds, float32 loss)
    for budget in budgets:
        for p, stylizer in stylizers.items():
            begin = time.perf_counter()
            result = stylizer.stylize(content, init=start, iterations=budget)
            seconds = time.perf_counter() - begin
            runs[p].append((seconds, judge.evaluate(result.image.astype(np.float32), inputs)["total"]))

    width, height = args.size
    start_loss = judge.evaluate(start, inputs)["total"]
    print(f"style precision {width}x{height}, L-BFGS from the content (loss {start_loss:.3f}), "
          f"scored in float32, interleaved:")
    bf_times, bf_losses = (np.array(v) for v in zip(*runs["bfloat16"]))
    for budget, (t32, l32), (t16, l16) in zip(budgets, runs["float32"], runs["bfloat16"]):
        at_same_time = np.exp(np.interp(t32, bf_times, np.log(bf_losses)))
        print(f"  {budget:4d} it: float32 {t32:6.1f} s loss {l32:.4f} | bfloat16 {t16:6.1f} s loss {l16:.4f} "
              f"| time ratio {t16 / t32:.2f}, bfloat16 loss at float32's time {at_same_time:.4f} "
              f"({at_same_time / l32:.2f}x)")


if __name__ == "__main__":
    main()
