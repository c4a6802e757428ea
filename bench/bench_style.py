"""Video style transfer: temporally coherent vs independent per-frame, side by side in one run.

The clip is generated from a still with a known camera path (a pan) and an object moving the
other way, so the true optical flow is known. Both renders use the same settings and the same
effect; the independent one turns the temporal loss off and starts every frame from the content
(``iterations.first`` each), the coherent one starts following frames from the warped previous
output (``iterations.next``, tolerance stop) with the temporal loss on (DIS flow on the input).

Printed, with the issue's targets:
- warping error (Lai et al. 2018, true flow, consistency mask): coherent <= 0.5 x independent;
- time per following frame: coherent <= 0.35 x independent, at a content+style+tv loss within
  10% of the independent render's;
- frames per second, peak memory (ru_maxrss), and the speed-ups kept (network and Grams loaded
  once, no retracing per frame; ``--xla`` measures XLA, ``--resolutions`` the pyramid).

Run: ``python bench/bench_style.py [--size 640x360] [--frames 6] [--first 100] [--next 30]``.
The style scale follows the frame width (0.5 at 640 px) so small runs look like large ones.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from synthetic import textured_image  # noqa: E402

from dreamvideo.config import StyleConfig  # noqa: E402
from dreamvideo.effects.base import FrameContext  # noqa: E402
from dreamvideo.effects.style import StyleEffect  # noqa: E402
from dreamvideo.flow import OpenCVFlow, consistency_mask, warping_error  # noqa: E402
from dreamvideo.models import load_backbone  # noqa: E402
from dreamvideo.style import Stylizer  # noqa: E402


# ----- the clip ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clip:
    frames: list[np.ndarray]
    flows_fw: list[np.ndarray]  # t -> t+1
    flows_bw: list[np.ndarray]  # t+1 -> t


def scene(size: tuple[int, int], seed: int) -> np.ndarray:
    """A still: smooth texture with a sky gradient and a few solid shapes."""
    width, height = size
    rng = np.random.default_rng(seed)
    image = textured_image(size, seed).astype(np.float32) * 0.5
    image += np.linspace(40, 120, height)[:, None, None] * np.array([0.6, 0.8, 1.0])
    image = np.clip(image, 0, 255).astype(np.uint8)
    for _ in range(max(4, width // 80)):
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        cv2.circle(image, centre, int(rng.integers(height // 12, height // 5)), colour, -1)
    return image


def camera_clip(size: tuple[int, int], frames: int, seed: int = 0) -> Clip:
    """The camera pans right by ``pan`` px/frame over a still; a textured square moves left."""
    width, height = size
    pan = (max(1, round(width / 160)), max(1, round(height / 360)))
    speed = (-max(1, round(width / 128)), max(1, round(height / 120)))
    side = height // 3
    canvas = scene((width + pan[0] * frames, height + pan[1] * frames), seed)
    square = textured_image((side, side), seed + 1)
    x0 = width - side - 4
    y0 = (height - side - speed[1] * (frames - 1)) // 2
    clip, inside = [], []
    for t in range(frames):
        frame = canvas[pan[1] * t:pan[1] * t + height, pan[0] * t:pan[0] * t + width].copy()
        x, y = x0 + speed[0] * t, y0 + speed[1] * t
        frame[y:y + side, x:x + side] = square
        mask = np.zeros((height, width), bool)
        mask[y:y + side, x:x + side] = True
        clip.append(frame)
        inside.append(mask)
    background, moving = np.array(pan, np.float32), np.array(speed, np.float32)
    fw = [np.where(inside[t][..., None], moving, -background) for t in range(frames - 1)]
    bw = [np.where(inside[t + 1][..., None], -moving, background) for t in range(frames - 1)]
    return Clip(clip, [f.astype(np.float32) for f in fw], [b.astype(np.float32) for b in bw])


def stroke_style(size: int = 384, seed: int = 1) -> np.ndarray:
    """A 'painting': short thick strokes from a small palette on a warm ground."""
    rng = np.random.default_rng(seed)
    image = np.full((size, size, 3), (230, 200, 120), np.uint8)
    palette = [(20, 40, 120), (200, 60, 30), (240, 220, 60), (30, 120, 160), (250, 250, 240)]
    for _ in range(size * 3):
        x, y = (int(v) for v in rng.integers(0, size, 2))
        angle, length = rng.uniform(0, np.pi), int(rng.integers(size // 40, size // 12))
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        colour = palette[int(rng.integers(len(palette)))]
        cv2.line(image, (x, y), end, colour, int(rng.integers(2, max(3, size // 80))), cv2.LINE_AA)
    return image


# ----- one render ----------------------------------------------------------------------------

@dataclass
class Run:
    name: str
    outputs: list[np.ndarray] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)  # content + style + tv of each output

    def following(self, values) -> float:
        return float(np.mean(values[1:])) if len(values) > 1 else float("nan")


class Renderer:
    """One configuration rendering the clip frame by frame, with timings and losses."""

    def __init__(self, name: str, config: StyleConfig, clip: Clip, style: np.ndarray, *, jit: bool):
        size = (clip.frames[0].shape[1], clip.frames[0].shape[0])
        self.stylizer = Stylizer([(style, 1.0)], config, backbone=load_backbone(), jit_compile=jit)
        self.effect = StyleEffect(self.stylizer, OpenCVFlow(config.flow), frame_size=size)
        self.clip = clip
        self.run = Run(name)

    def frame(self, index: int) -> None:
        run, frames = self.run, self.clip.frames
        ctx = FrameContext(index, len(frames), run.outputs[-1] if index else None, frames[index],
                           frames[index - 1] if index else None,
                           np.random.default_rng(index), lambda i: run.outputs[i])
        start = time.perf_counter()
        run.outputs.append(self.effect.render(ctx))
        run.seconds.append(time.perf_counter() - start)
        run.iterations.append(sum(self.effect.last.iterations))
        losses = self.stylizer.evaluate(run.outputs[-1].astype(np.float32),
                                        self.stylizer.inputs(frames[index], frame=index))
        run.losses.append(losses["content"] + losses["style"] + losses["tv"])
        print(f"  {run.name:11s} frame {index}: {run.seconds[-1]:6.2f} s  {run.iterations[-1]:4d} it  "
              f"loss {run.losses[-1]:.4f}  ({self.effect.last.stopped})", flush=True)


def render_side_by_side(renderers: list[Renderer], frames: int) -> list[Run]:
    """Frame by frame, alternating, so changes in machine load hit both renders alike."""
    for index in range(frames):
        for renderer in renderers:
            renderer.frame(index)
    for renderer in renderers:
        print(f"  {renderer.run.name}: {renderer.stylizer.traces} trace(s) of the "
              "value-and-gradient function")
    return [renderer.run for renderer in renderers]


def mean_warping_error(outputs: list[np.ndarray], clip: Clip) -> float:
    return float(np.mean([warping_error(outputs[t], outputs[t + 1], clip.flows_bw[t],
                                        consistency_mask(clip.flows_fw[t], clip.flows_bw[t]))
                          for t in range(len(outputs) - 1)]))


# ----- speed-ups -----------------------------------------------------------------------------

def speedups(clip: Clip, style: np.ndarray, config: StyleConfig, *, xla: bool) -> None:
    """What is done once instead of per frame, and XLA on request."""
    start = time.perf_counter()
    load_backbone.cache_clear()
    load_backbone()
    loaded = time.perf_counter() - start
    stylizer = Stylizer([(style, 1.0)], config, backbone=load_backbone())
    start = time.perf_counter()
    stylizer.grams()
    grams = time.perf_counter() - start
    frame = clip.frames[0]
    inputs, x = stylizer.inputs(frame), frame.astype(np.float32)
    first, steady = _timed(stylizer, x, inputs)
    print(f"  network load {loaded:.2f} s and style Grams {grams:.2f} s: once per run, not per frame")
    print(f"  value+gradient: first call (trace) {first:.2f} s, then {steady:.3f} s per call")
    if xla:
        compiled = Stylizer([(style, 1.0)], config, backbone=load_backbone(), jit_compile=True)
        xla_first, xla_steady = _timed(compiled, x, inputs)
        print(f"  XLA: first call {xla_first:.2f} s, then {xla_steady:.3f} s per call "
              f"({steady / xla_steady:.2f}x)")


def _timed(stylizer: Stylizer, x: np.ndarray, inputs, calls: int = 3) -> tuple[float, float]:
    start = time.perf_counter()
    stylizer.value_and_grad(x, inputs)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(calls):
        stylizer.value_and_grad(x, inputs)
    return first, (time.perf_counter() - start) / calls


# ----- main ----------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="640x360", help="WIDTHxHEIGHT (default 640x360)")
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--first", type=int, default=100, help="iterations from scratch")
    parser.add_argument("--next", type=int, default=30, help="iterations from the warped frame")
    parser.add_argument("--tolerance", type=float, default=1e-3)
    parser.add_argument("--temporal-weight", type=float, default=StyleConfig().temporal_weight)
    parser.add_argument("--resolutions", type=int, default=1)
    parser.add_argument("--optimizer", choices=("lbfgs", "adam"), default="lbfgs")
    parser.add_argument("--xla", action="store_true", help="also measure XLA compilation")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    clip = camera_clip((width, height), args.frames)
    style = stroke_style()
    common = dict(scale=0.5 * width / 640, tolerance=args.tolerance, optimizer=args.optimizer,
                  resolutions=args.resolutions,
                  iterations={"first": args.first, "next": args.next})
    coherent_cfg = StyleConfig(**common, temporal_weight=args.temporal_weight, init="warped")
    independent_cfg = StyleConfig(**common, temporal_weight=0, init="content")
    print(f"{width}x{height}, {args.frames} frames, L-BFGS iterations first {args.first} / next "
          f"{args.next}, tolerance {args.tolerance}, {args.resolutions} level(s)")
    print("speed-ups")
    speedups(clip, style, coherent_cfg, xla=args.xla)
    print("renders")
    coherent, independent = render_side_by_side(
        [Renderer("coherent", coherent_cfg, clip, style, jit=False),
         Renderer("independent", independent_cfg, clip, style, jit=False)], args.frames)

    input_error = mean_warping_error(clip.frames, clip)
    errors = {run.name: mean_warping_error(run.outputs, clip) for run in (coherent, independent)}
    time_ratio = coherent.following(coherent.seconds) / independent.following(independent.seconds)
    loss_ratio = coherent.following(coherent.losses) / independent.following(independent.losses)
    error_ratio = errors["coherent"] / errors["independent"]
    print("results")
    print(f"  warping error: coherent {errors['coherent']:.5f}, independent "
          f"{errors['independent']:.5f}, input clip {input_error:.5f}")
    print(f"  warping error ratio          {error_ratio:6.3f}   (target <= 0.5)  "
          f"{'ok' if error_ratio <= 0.5 else 'MISSED'}")
    print(f"  time per following frame     {time_ratio:6.3f}   (target <= 0.35) "
          f"{'ok' if time_ratio <= 0.35 else 'MISSED'}  "
          f"({coherent.following(coherent.seconds):.2f} s vs "
          f"{independent.following(independent.seconds):.2f} s)")
    print(f"  content+style+tv loss ratio  {loss_ratio:6.3f}   (target <= 1.10) "
          f"{'ok' if loss_ratio <= 1.10 else 'MISSED'}")
    print(f"  iterations per following frame: coherent {coherent.following(coherent.iterations):.1f},"
          f" independent {independent.following(independent.iterations):.1f}")
    print(f"  coherent: {1 / coherent.following(coherent.seconds):.3f} fps on following frames, "
          f"{len(clip.frames) / sum(coherent.seconds):.3f} fps overall; independent "
          f"{len(clip.frames) / sum(independent.seconds):.3f} fps")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (maxrss) {peak:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
