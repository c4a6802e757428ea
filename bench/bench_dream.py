"""Dream engine speed, measured side by side in one run (ratios, not timed tests).

    python bench/bench_dream.py [--size 640x360] [--steps 5] [--big 1920x1080]

Prints: bare forward+backward time of the backbone, the engine's time per dream step at the same
size, their ratio (target <= 1.15), per-frame time of a zoom frame at the given size and at the
big size (tiled), and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from dreamvideo._tf import tf
from dreamvideo import objectives as O
from dreamvideo.dream import DreamSettings, Dreamer
from dreamvideo.models import load_backbone, to_batch
from dreamvideo.zoom import ZoomStep


def size_arg(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def best_of(fn, repeats: int) -> float:
    return min(interleaved([fn], repeats)[0])


def interleaved(fns, repeats: int) -> list[list[float]]:
    """Time each function ``repeats`` times, alternating between them so that load changes on
    the machine hit all of them alike; one untimed warm-up call each (tracing)."""
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, bucket in zip(fns, times):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return times


def bare_forward_backward(backbone, layer: str, image: np.ndarray):
    extractor = backbone.extractor([layer])

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = tf.reduce_mean(extractor(x)[layer])
        return tape.gradient(score, x)

    batch = to_batch(image)
    return lambda: step(batch).numpy()


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=size_arg, default=(640, 360))
    parser.add_argument("--big", type=size_arg, default=(1920, 1080))
    parser.add_argument("--layer", default="block4_conv3")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tile", type=int, default=1024)
    args = parser.parse_args()

    backbone = load_backbone()
    rng = np.random.default_rng(0)
    width, height = args.size
    image = rng.uniform(0, 255, (height, width, 3)).astype(np.float32)
    dreamer = Dreamer(backbone, O.layer(args.layer))
    one_step = DreamSettings(steps=1, tile_size=max(width, height), jitter=32)

    bare_times, engine_times = interleaved(
        [bare_forward_backward(backbone, args.layer, image),
         lambda: dreamer.dream(image, one_step, np.random.default_rng(0))], args.repeats)
    bare, engine = min(bare_times), min(engine_times)
    print(f"{width}x{height} {args.layer}: bare forward+backward {bare:.3f} s, engine dream step {engine:.3f} s, "
          f"ratio {engine / bare:.2f} (target <= 1.15)")

    zoom = ZoomStep(scale=1.03, rotate=0.5)
    frame_settings = DreamSettings(steps=args.steps, tile_size=args.tile)
    for label, (w, h) in (("zoom frame", (width, height)), ("zoom frame (tiled)", args.big)):
        frame = rng.uniform(0, 255, (h, w, 3)).astype(np.float32)
        seconds = best_of(lambda: dreamer.dream(zoom.apply(frame), frame_settings, np.random.default_rng(1)), 1)
        print(f"{label} {w}x{h}, {args.steps} steps, tile {args.tile}: {seconds:.2f} s/frame, "
              f"peak memory {peak_memory_mb():.0f} MB")


if __name__ == "__main__":
    main()
