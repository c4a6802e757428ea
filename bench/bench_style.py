"""Video style transfer on a realistic camera clip: coherent vs independent, side by side.

Clips (``tests/synthetic.py``): ``camera`` (the headline) is a photo-like still seen by a camera
that zooms, rolls and pans by fractions of a pixel per frame, with two textured objects moving
across it (occlusion and disocclusion, also of each other) under slowly changing light; its flow
is known exactly. ``pan`` (the old sanity case) pans by whole pixels, where warping is exact.

The independent render starts every frame from the content (``iterations.first``, temporal loss
off); the coherent one is the effect as configured (defaults unless flags say otherwise). The
coherent/independent ratio of Lai et al.'s warping error E_warp is printed three times, so the
render cannot fit its own metric: with the exact flow and occlusions of the generator (the
headline), with the render's own flow (DIS medium + consistency mask), and with a different
estimator (Farneback + its consistency mask). Also: content+style loss ratio (target <= 1.10),
sharpness ratio (blur lowers E_warp, so it is watched),
time per following frame (absolute seconds are unreliable on a shared machine), and the noise
stability (Gupta et al. 2017): mean output change over mean input change between frames of a
still clip with sensor noise (``--noise`` grey levels).

Run: ``python bench/bench_style.py [--size 320x180] [--frames 8] [--passes N] ...``; ``--sheet
PNG`` writes a contact sheet of the coherent frames. Independent renders are cached in
``--cache`` (they do not depend on the coherent settings).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from synthetic import Camera, camera_clip, translating_clip  # noqa: E402

from dreamvideo.config import StyleConfig  # noqa: E402
from dreamvideo.effects.base import FrameContext  # noqa: E402
from dreamvideo.effects.style import StyleEffect  # noqa: E402
from dreamvideo.flow import OpenCVFlow, consistency_mask, warp, warping_error  # noqa: E402
from dreamvideo.models import load_backbone  # noqa: E402
from dreamvideo.style import Stylizer  # noqa: E402


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


# ----- rendering (the engine's frame loop, without the disk) ---------------------------------

def render(config: StyleConfig, frames: list[np.ndarray], style: np.ndarray, name: str, *,
           first: np.ndarray | None = None) -> dict:
    """Every frame of the plan (all passes); returns outputs in clip order, time and losses.
    ``first``: the first frame when it is known (from scratch, as the independent render's)."""
    size = (frames[0].shape[1], frames[0].shape[0])
    stylizer = Stylizer([(style, 1.0)], config, backbone=load_backbone())
    source = ListSource(frames)
    flow = render_flow(config)
    effect = StyleEffect(stylizer, flow, source=source, frame_size=size)
    total, order = effect.render_plan(len(frames)) if hasattr(effect, "render_plan") \
        else (len(frames), list(range(len(frames))))
    work: list[np.ndarray] = []
    seconds = []
    for index in range(total):
        current = frames[min(index, len(frames) - 1)]
        ctx = FrameContext(index, total, work[-1] if index else None, current,
                           frames[min(index - 1, len(frames) - 1)] if index else None,
                           np.random.default_rng([0, index]), lambda i: work[i])
        start = time.perf_counter()
        if index == 0 and first is not None:
            work.append(first)
            seconds.append(float("nan"))
            continue
        work.append(effect.render(ctx))
        seconds.append(time.perf_counter() - start)
        print(f"  {name:12s} {index:3d}/{total}: {seconds[-1]:6.1f} s "
              f"{sum(effect.last.iterations):4d} it ({effect.last.stopped})", flush=True)
    outputs = [work[i] for i in order]
    losses = []
    for index, (out, frame) in enumerate(zip(outputs, frames)):
        values = stylizer.evaluate(out.astype(np.float32), stylizer.inputs(frame, frame=index))
        losses.append(values["content"] + values["style"])
    return {"outputs": outputs, "seconds": seconds, "losses": losses}


def render_flow(config: StyleConfig) -> OpenCVFlow:
    upscale = getattr(config, "flow_upscale", 1)  # (absent before it existed: the "before" runs)
    return OpenCVFlow(config.flow, **({"upscale": upscale} if upscale != 1 else {}))


class ListSource:
    def __init__(self, frames):
        self._frames = frames

    def frames(self, start: int = 0):
        yield from self._frames[start:]


def cached_render(config, frames, style, name, cache: Path, *, wait: bool = False) -> dict:
    settings = json.dumps(config.model_dump(mode="json", exclude_defaults=True), sort_keys=True)
    key = hashlib.sha1(settings.encode()
                       + b"".join(f.tobytes() for f in frames) + style.tobytes()).hexdigest()[:16]
    path = cache / f"{name}-{key}.npz"
    while wait and not path.is_file():
        time.sleep(10)
    if path.is_file():
        data = np.load(path)
        print(f"  {name}: cached ({path.name})")
        return {"outputs": list(data["outputs"]), "seconds": list(data["seconds"]),
                "losses": list(data["losses"])}
    result = render(config, frames, style, name)
    cache.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(temporary, **{k: np.asarray(v) for k, v in result.items()})
    temporary.replace(path)  # whole, for a parallel run waiting for it
    return result


# ----- measures ------------------------------------------------------------------------------

def flows(frames, estimator: OpenCVFlow):
    pairs = [estimator.flow_pair(t, frames[t], frames[t + 1]) for t in range(len(frames) - 1)]
    return [(bw, consistency_mask(fw, bw)) for fw, bw in pairs]


def e_warp(outputs, flow_masks) -> float:
    return float(np.mean([warping_error(outputs[t], outputs[t + 1], bw, mask)
                          for t, (bw, mask) in enumerate(flow_masks)]))


def e_warp_lai(outputs, flows_bw, masks) -> float:
    """Lai et al. (2018) to the letter: per pair, the sum over pixels of mask x squared RGB
    distance (RGB in [0, 1], summed over channels) over the number of pixels; summed over
    pairs. ``e_warp`` divides by the mask's sum and averages channels and pairs instead: the
    same ratio to within the pairs' mask coverage (kept here to show it)."""
    total = 0.0
    for t, (bw, mask) in enumerate(zip(flows_bw, masks)):
        warped = warp(outputs[t].astype(np.float32), bw) / 255.0
        sq = ((outputs[t + 1].astype(np.float32) / 255.0 - warped) ** 2).sum(axis=2)
        total += float((mask * sq).mean(dtype=np.float64))
    return total


def stability(outputs, frames) -> float:
    """Mean absolute change between consecutive outputs over that of the inputs."""
    def change(seq):
        return np.mean([np.abs(seq[t + 1].astype(np.float32) - seq[t]).mean()
                        for t in range(len(seq) - 1)])

    return float(change(outputs) / change(frames))


def sharpness(outputs) -> float:
    """Mean absolute Laplacian of the grey following frames (blur lowers it, and E_warp too)."""
    grey = [cv2.cvtColor(o, cv2.COLOR_RGB2GRAY).astype(np.float32) for o in outputs[1:]]
    return float(np.mean([np.abs(cv2.Laplacian(g, cv2.CV_32F)).mean() for g in grey]))


def contact_sheet(frames, path: Path, columns: int = 4) -> None:
    rows = [np.concatenate(frames[i:i + columns] + [np.zeros_like(frames[0])] *
                           (columns - len(frames[i:i + columns])), 1)
            for i in range(0, len(frames), columns)]
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))


def report_e_warp(clip, coherent, independent, coherent_cfg) -> None:
    """E_warp ratios, coherent over independent, with every reference flow and mask."""
    ones = [np.ones(d.shape, np.float32) for d in clip.disoccluded]
    truth_masks = [(~occluded).astype(np.float32) for occluded in clip.disoccluded]
    truth = list(zip(clip.flows_bw, truth_masks))
    print("results (coherent / independent)")
    for label, flow_masks in (("exact flow", truth),
                              ("exact, no mask", list(zip(clip.flows_bw, ones))),
                              ("render's flow", flows(clip.frames, render_flow(coherent_cfg))),
                              ("Farneback", flows(clip.frames, OpenCVFlow("farneback")))):
        c, i = e_warp(coherent, flow_masks), e_warp(independent, flow_masks)
        print(f"  E_warp {label:15s} {c:.5f} / {i:.5f} = {c / i:.3f}   (target <= 0.35)")
    c, i = (e_warp_lai(run, clip.flows_bw, truth_masks) for run in (coherent, independent))
    print(f"  E_warp Lai et al. to the letter (exact flow, RGB summed, all-pixel mean, pairs "
          f"summed) {c:.5f} / {i:.5f} = {c / i:.3f}")


# ----- main ----------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="320x180", help="WIDTHxHEIGHT (default 320x180)")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--clip", choices=("camera", "pan", "still"), default="camera")
    parser.add_argument("--noise", type=float, default=3.0, help="sensor noise of the still clip")
    parser.add_argument("--first", type=int, default=40, help="iterations from scratch")
    parser.add_argument("--next", type=int, default=20, help="iterations from the warped frame")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="style.scale (default 1, the preset default; 0 = 0.5 x width / 640)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="another style setting for the coherent render, e.g. passes=2")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dreamvideo-bench-style"))
    parser.add_argument("--no-reuse-first", dest="reuse_first", action="store_false",
                        help="render the coherent first frame too (it equals the independent one)")
    parser.add_argument("--independent-last", action="store_true",
                        help="render the coherent clip first, then wait for the independent one "
                        "in the cache (rendered by a parallel run)")
    parser.add_argument("--sheet", type=Path, help="contact sheet PNG of the coherent frames")
    parser.add_argument("--save", type=Path, help="NPZ of the coherent and independent outputs")
    parser.add_argument("--measure", type=Path, help="measure E_warp on a --save NPZ, no render")
    return parser.parse_args(argv)


def make_clip(kind: str, size, frames: int, noise: float):
    if kind == "pan":
        return translating_clip(size, frames, shift=(-max(1, size[0] // 160), 0))
    if kind == "still":
        return camera_clip(size, frames, camera=Camera(0, 0, (0, 0)), sprites=(), lighting=0,
                           noise=noise)
    return camera_clip(size, frames)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    clip = make_clip(args.clip, (width, height), args.frames, args.noise)
    style = stroke_style()
    common = dict(scale=args.scale or 0.5 * width / 640,
                  iterations={"first": args.first, "next": args.next})
    extra = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    coherent_cfg = StyleConfig(**common, **extra)
    independent_cfg = StyleConfig(**common, temporal_weight=0, init="content")
    print(f"{args.clip} clip {width}x{height}, {args.frames} frames, iterations first {args.first}"
          f" / next {args.next}; coherent settings: {extra or 'defaults'}")
    if args.measure:  # outputs of an earlier run (--save): the E_warp lines only
        saved = np.load(args.measure)
        report_e_warp(clip, list(saved["coherent"]), list(saved["independent"]), coherent_cfg)
        return
    if args.independent_last:  # another run is rendering it for the cache
        coherent = render(coherent_cfg, clip.frames, style, "coherent")
        independent = cached_render(independent_cfg, clip.frames, style, "independent", args.cache,
                                    wait=True)
    else:
        independent = cached_render(independent_cfg, clip.frames, style, "independent", args.cache)
        # frame 0 is optimised from scratch with the same settings in both renders: reuse it
        coherent = render(coherent_cfg, clip.frames, style, "coherent",
                          first=independent["outputs"][0] if args.reuse_first else None)
    if args.sheet:
        contact_sheet(coherent["outputs"][:12], args.sheet)
    if args.save:
        np.savez_compressed(args.save, coherent=np.asarray(coherent["outputs"]),
                            independent=np.asarray(independent["outputs"]))
    report_e_warp(clip, coherent["outputs"], independent["outputs"], coherent_cfg)
    loss_ratio = np.mean(coherent["losses"][1:]) / np.mean(independent["losses"][1:])
    print(f"  content+style loss (following) ratio {loss_ratio:.3f}   (target <= 1.10)")
    print(f"  sharpness (mean |Laplacian|, following) ratio "
          f"{sharpness(coherent['outputs']) / sharpness(independent['outputs']):.3f}   "
          "(warm starts blur what they resample)")
    # all work frames after the first (every pass) per following clip frame
    per_frame = lambda run: float(np.nansum(run["seconds"][1:])) / (len(clip.frames) - 1)  # noqa: E731
    print(f"  time per following frame: {per_frame(coherent):.1f} s vs {per_frame(independent):.1f}"
          f" s (independent may be from the cache: another run, other load)")
    if args.clip == "still":
        print(f"  noise stability (output change / input change): coherent "
              f"{stability(coherent['outputs'], clip.frames):.3f}, independent "
              f"{stability(independent['outputs'], clip.frames):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
