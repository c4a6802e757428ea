"""Dream engine speed, measured side by side in one run (ratios, not timed tests).

    python bench/bench_dream.py [--size 640x360] [--steps 5] [--big 1920x1080] [--only precision]

Prints: bare forward+backward time of the backbone, the engine's time per dream step at the same
size, their ratio (target <= 1.15), per-frame time of a zoom frame at the given size and at the
big size (tiled), and peak memory (max RSS).

Precision (``model.precision``): float32 and bfloat16 dreamers dream the same start image with the
same jitters, one step at a time, alternating (so load on the shared machine hits both alike).
Prints the median step time ratio bfloat16 / float32 (target <= 0.6), the objective gain per step
of each — both scored by the float32 network — and their ratio (target within 5 % of 1), and the
correlation of the two gradients (normalised dot product) on the same images.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from dreamvideo._tf import tf
from dreamvideo.dreaming import objectives as O
from dreamvideo.dreaming.dreamer import DreamSettings, Dreamer
from dreamvideo.backbone.models import load_backbone, to_batch
from dreamvideo.videoio import smooth_noise
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


def gradient_correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))


def compare_precisions(layer: str, size: tuple[int, int], steps: int, starts: int) -> None:
    """float32 vs bfloat16 dreaming, step by step and interleaved; see the module docstring."""
    objective = O.layer(layer)
    dreamers = {p: Dreamer(load_backbone(precision=p), objective) for p in ("float32", "bfloat16")}
    judge = dreamers["float32"]
    settings = DreamSettings(steps=1)
    times = {p: [] for p in dreamers}
    gains = {p: [] for p in dreamers}
    correlations = []
    for seed in range(starts):
        start = smooth_noise(seed, size).astype(np.float32)
        images = {p: start for p in dreamers}
        for p, dreamer in dreamers.items():  # warm-up: tracing at this size
            dreamer.dream(start, settings, np.random.default_rng(0))
        for step in range(steps):
            for p, dreamer in dreamers.items():
                begin = time.perf_counter()
                images[p] = dreamer.dream(images[p], settings, np.random.default_rng((seed, step)))
                times[p].append(time.perf_counter() - begin)
            probe = images["float32"]
            correlations.append(gradient_correlation(judge.gradient(probe, settings.tile_size, (0, 0)),
                                                     dreamers["bfloat16"].gradient(probe, settings.tile_size, (0, 0))))
        score0 = judge.score(start)
        for p in dreamers:
            gains[p].append((judge.score(images[p]) - score0) / steps)
    t32, t16 = np.median(times["float32"]), np.median(times["bfloat16"])
    g32, g16 = np.mean(gains["float32"]), np.mean(gains["bfloat16"])
    width, height = size
    print(f"precision {width}x{height} {layer}, {starts} starts x {steps} steps (interleaved, medians): "
          f"step float32 {t32:.2f} s, bfloat16 {t16:.2f} s, ratio {t16 / t32:.2f} (target <= 0.6)")
    print(f"  objective gain per step (scored in float32): float32 {g32:.4f}, bfloat16 {g16:.4f}, "
          f"ratio {g16 / g32:.3f} (target 0.95-1.05); gradient correlation median {np.median(correlations):.4f}, "
          f"min {min(correlations):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=size_arg, default=(640, 360))
    parser.add_argument("--big", type=size_arg, default=(1920, 1080))
    parser.add_argument("--layer", default="block4_conv3")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tile", type=int, default=1024)
    parser.add_argument("--precision-steps", type=int, default=4)
    parser.add_argument("--precision-starts", type=int, default=2)
    parser.add_argument("--only", choices=["precision"], help="run only this part")
    args = parser.parse_args()

    compare_precisions(args.layer, args.size, args.precision_steps, args.precision_starts)
    if args.only:
        return

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
