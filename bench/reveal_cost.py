"""What `style.reveal_start: painted` costs a following frame: process CPU seconds of the
quarter-size sketch against one full-size L-BFGS evaluation and a frame's ``iterations.next``.

A following frame (``iterations.next`` at full size, 40 in presets/style_video.yaml) is dominated by its
full-size evaluations; the sketch runs 40 at 1/16 of the pixels. Both are timed here on the
camera clip's first frame at ``--size`` (default 1920x1080), after a warm-up that traces them.

Run: ``python bench/reveal_cost.py [--size 1920x1080] [--repeat 3] [--next 40]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bench_style import stroke_style  # (puts tests/ on the path)
from synthetic import camera_clip  # noqa: E402

from dreamvideo.backbone.models import load_backbone
from dreamvideo.config import StyleConfig
from dreamvideo.style import Stylizer
from dreamvideo.style.stylizer import SKETCH_ITERATIONS, SKETCH_SCALE


def cpu_seconds(action, repeat: int) -> float:
    """Median process CPU seconds of ``action()`` over ``repeat`` runs (after one warm-up)."""
    action()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return float(np.median(times))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--next", type=int, default=40,
                        help="a following frame's iterations (presets/style_video.yaml: 40)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    frame = camera_clip((width, height), 1).frames[0]
    config = StyleConfig()
    stylizer = Stylizer([(stroke_style(), 1.0)], config, backbone=load_backbone())
    x = frame.astype(np.float32)
    inputs = stylizer.inputs(x)
    evaluation = cpu_seconds(lambda: stylizer.value_and_grad(x, inputs), args.repeat)
    sketch = cpu_seconds(lambda: stylizer.sketch(frame, scale=SKETCH_SCALE,
                                                 iterations=SKETCH_ITERATIONS), args.repeat)
    following = evaluation * args.next
    print(f"{width}x{height}: one full-size evaluation {evaluation:.2f} CPU-s; "
          f"iterations.next ({args.next}) ~{following:.1f} CPU-s; "
          f"sketch ({SKETCH_ITERATIONS} its at {SKETCH_SCALE:g}) {sketch:.2f} CPU-s "
          f"= {sketch / evaluation:.1f} evaluations, +{100 * sketch / following:.0f} % a following frame")


if __name__ == "__main__":
    main()
