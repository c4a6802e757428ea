"""Video style transfer on a realistic camera clip: coherent vs independent, side by side.

Clips (``tests/synthetic.py``): ``camera`` (the headline) is a photo-like still seen by a camera
that zooms, rolls and pans by fractions of a pixel per frame, with two textured objects moving
across it (occlusion and disocclusion, also of each other) under slowly changing light; its flow
is known exactly. ``pan`` (the old sanity case) pans by whole pixels, where warping is exact.

Baselines: the independent render starts every frame from the content (``iterations.first``,
temporal loss off; Lai et al.'s per-frame baseline); ``--baselines both`` adds a stricter one,
the coherent settings with the temporal loss off (each frame still starts from the warped
previous output: what a user gets from ``temporal_weight: 0``). The coherent render is the
effect as configured (defaults unless ``--set`` says otherwise). The ratio of Lai et al.'s
warping error E_warp is printed with several references, so the render cannot fit its own
metric: the exact flow and occlusions of the generator (the headline), no mask, the render's
own flow (DIS + consistency mask), different estimators (Farneback, and TV-L1 where OpenCV has
its contrib modules, each with its own consistency mask), Lai's literal formula, and at
disocclusions (:mod:`style_measures`); in brackets, each reference's floor: what it reads on a
perfectly coherent video (the first frame carried along the exact flow), its own flow error. Also: content+style loss
ratio (target <= 1.10), sharpness ratio (blur lowers E_warp, so it is watched) and, for clips
of 8 frames or more, both at the start and the end of the clip (drift), time per following
frame in process CPU seconds and wall seconds, and the noise stability (Gupta et al. 2017) on
``--clip still``: mean output change over mean input change between frames of a still clip
with sensor noise (``--noise`` grey levels).

Run: ``python bench/bench_style.py [--size 320x180] [--frames 8] [--set passes=2] ...``;
``--sheet PNG`` writes a contact sheet of up to 12 coherent frames spread over the clip,
``--save NPZ`` the outputs (``--measure NPZ`` re-measures them without rendering). Baseline
renders are cached in ``--cache`` (keyed by their settings and the clip).
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

from style_measures import (TVL1Flow, carried_along, e_warp, e_warp_after_reveal,  # noqa: E402
                            e_warp_lai, e_warp_since_hidden, flow_masks, has_tvl1, sharpness, stability)
from synthetic import Camera, camera_clip, translating_clip  # noqa: E402
from style_photo_clip import photo_clip  # noqa: E402

from dreamvideo.config import Preset, StyleConfig  # noqa: E402
from dreamvideo.effects.base import FrameContext  # noqa: E402
from dreamvideo.effects.style import StyleEffect  # noqa: E402
from dreamvideo.motion.flow import OpenCVFlow, PrecomputedFlow, warp  # noqa: E402
from dreamvideo.plan import plan_for  # noqa: E402
from dreamvideo.backbone.models import load_backbone  # noqa: E402
from dreamvideo.style import Stylizer  # noqa: E402
from dreamvideo.videoio import PLAIN  # noqa: E402
from fast_style_clip import stroke_style  # noqa: E402  (the one painted style of both style benches)


# ----- rendering (the engine's frame loop, without the disk) ---------------------------------

def render(config: StyleConfig, frames: list[np.ndarray], style: np.ndarray, name: str, *,
           first: np.ndarray | None = None, flow=None) -> dict:
    """Every frame of the plan (all passes); returns outputs in clip order, time and losses.
    ``first``: the first frame when it is known (from scratch, as the independent render's)."""
    size = (frames[0].shape[1], frames[0].shape[0])
    stylizer = Stylizer([(style, 1.0)], config, backbone=load_backbone())
    source = ListSource(frames)
    flow = flow or render_flow(config)
    effect = StyleEffect(stylizer, flow, source=source, frame_size=size)
    plan = plan_for(Preset(effect="style", style=config), len(frames))
    total, order = plan.total, list(plan.output)
    work: list[np.ndarray] = []
    seconds, cpu = [], []  # wall and process CPU seconds per work frame
    for index in range(total):
        current = frames[min(index, len(frames) - 1)]
        ctx = FrameContext(index, total, work[-1] if index else None, current,
                           frames[min(index - 1, len(frames) - 1)] if index else None,
                           np.random.default_rng([0, index]), lambda i: work[i])
        start, start_cpu = time.perf_counter(), time.process_time()
        if index == 0 and first is not None:
            work.append(first)
            seconds.append(float("nan"))
            cpu.append(float("nan"))
            continue
        work.append(effect.render(ctx))
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        print(f"  {name:12s} {index:3d}/{total}: {seconds[-1]:6.1f} s "
              f"{sum(effect.last.iterations):4d} it ({effect.last.stopped})", flush=True)
    outputs = [work[i] for i in order]
    losses = []
    for index, (out, frame) in enumerate(zip(outputs, frames)):
        values = stylizer.evaluate(out.astype(np.float32), stylizer.inputs(frame, frame=index))
        losses.append(values["content"] + values["style"])
    return {"outputs": outputs, "seconds": seconds, "cpu": cpu, "losses": losses}


def render_flow(config: StyleConfig) -> OpenCVFlow:
    return OpenCVFlow(config.flow, upscale=config.flow_upscale, camera_snap=config.flow_camera_snap,
                      preset=config.flow_preset, edges=config.flow_edges)


class ListSource:
    offers = PLAIN

    def __init__(self, frames):
        self._frames = frames

    def frames(self, start: int = 0):
        yield from self._frames[start:]


def cached_render(config, frames, style, name, cache: Path) -> dict:
    settings = json.dumps(config.model_dump(mode="json"), sort_keys=True)
    key = hashlib.sha1(settings.encode()
                       + b"".join(f.tobytes() for f in frames) + style.tobytes()).hexdigest()[:16]
    path = cache / f"{name}-{key}.npz"
    if path.is_file():
        data = np.load(path)
        print(f"  {name}: cached ({path.name})")
        return {"outputs": list(data["outputs"]), "seconds": list(data["seconds"]),
                "cpu": list(data["cpu"]) if "cpu" in data else [float("nan")] * len(data["seconds"]),
                "losses": list(data["losses"])}
    result = render(config, frames, style, name)
    cache.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp.npz")
    np.savez(temporary, **{k: np.asarray(v) for k, v in result.items()})
    temporary.replace(path)
    return result


# ----- measures ------------------------------------------------------------------------------

def contact_sheet(frames, path: Path, columns: int = 4) -> None:
    rows = [np.concatenate(frames[i:i + columns] + [np.zeros_like(frames[0])] *
                           (columns - len(frames[i:i + columns])), 1)
            for i in range(0, len(frames), columns)]
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))


def difference_sheet(clip, videos: dict, path: Path, gain: float = 8.0, pairs: int = 3) -> None:
    """Rows of pairs (t, t+1) spread over the clip, a column per video: |frame t+1 - frame t
    warped along the exact flow| x ``gain`` (disoccluded pixels blue), with each column's frame
    t+1 on top. Texture carried along the motion is black; texture re-made is a speckle."""
    picks = np.linspace(0, len(clip.flows_bw) - 1, pairs).round().astype(int)
    rows = [np.concatenate([video[picks[-1] + 1] for video in videos.values()], 1)]
    for t in picks:
        cells = []
        for video in videos.values():
            warped = warp(video[t].astype(np.float32), clip.flows_bw[t], interpolation="lanczos")
            diff = np.abs(video[t + 1].astype(np.float32) - warped).mean(axis=2, keepdims=True)
            cell = np.clip(gain * np.repeat(diff, 3, axis=2), 0, 255).astype(np.uint8)
            cell[clip.disoccluded[t]] = (0, 0, 160)
            cells.append(cell)
        rows.append(np.concatenate(cells, 1))
    sheet = np.concatenate(rows, 0)
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"  difference sheet ({', '.join(videos)}; x{gain:g}) -> {path}")


def report_e_warp(clip, coherent, baselines: dict, coherent_cfg) -> None:
    """E_warp of the coherent render over each baseline's (name -> outputs), with every
    reference flow and mask, and at disocclusions."""
    size = (clip.frames[0].shape[1], clip.frames[0].shape[0])
    ones = [np.ones(d.shape, np.float32) for d in clip.disoccluded]
    truth_masks = [(~occluded).astype(np.float32) for occluded in clip.disoccluded]
    measures = {
        "exact flow": lambda run, fm=list(zip(clip.flows_bw, truth_masks)): e_warp(run, fm),
        "exact, no mask": lambda run, fm=list(zip(clip.flows_bw, ones)): e_warp(run, fm),
        "render's flow": lambda run, fm=flow_masks(clip.frames, render_flow(coherent_cfg)):
            e_warp(run, fm),
        "Farneback": lambda run, fm=flow_masks(clip.frames, OpenCVFlow("farneback")):
            e_warp(run, fm),
        **({"TV-L1": lambda run, fm=flow_masks(clip.frames, TVL1Flow()): e_warp(run, fm)}
           if has_tvl1() else {}),
        "Lai, literal": lambda run: e_warp_lai(run, clip.flows_bw, truth_masks),
        "disoccluded": lambda run, fm=list(zip(clip.flows_bw, clip.disoccluded)): e_warp(
            run, [(f, m.astype(np.float32)) for f, m in fm]),
        "revealed, t+1": lambda run: e_warp_after_reveal(run, clip, size),
        "revealed, seen": lambda run: e_warp_since_hidden(run, clip, size)[0],
    }
    names = list(baselines)
    floor = carried_along(coherent[0], clip)
    print("results: E_warp, coherent / " + " and / ".join(names) + "   (target <= 0.15)"
          "   [floor: frame 0 carried along the exact flow, same ratios]")
    inputs = measures["exact flow"](clip.frames)
    print("  floor, the input clip itself along the exact flow: " + "   ".join(
        f"{inputs:.5f} / {name} = {inputs / measures['exact flow'](run):.3f}"
        for name, run in baselines.items()))
    for label, measure in measures.items():
        c, f = measure(coherent), measure(floor)
        refs = [measure(run) for run in baselines.values()]  # 0 where the clip has none
        ratios = "   ".join(f"/ {r:.5f} = {c / r if r else float('nan'):.3f}" for r in refs)
        floors = " ".join(f"{f / r if r else float('nan'):.3f}" for r in refs)
        print(f"  {label:15s} {c:.5f} {ratios}   [{floors}]")
    share = e_warp_since_hidden(coherent, clip, size)[1]
    print("  (Lai, literal: exact flow, RGB summed, all-pixel mean, pairs summed. disoccluded: "
          "exact flow into what hid them, the object's or the edge's colour, not flicker. "
          "revealed, t+1: uncovered background, frame t+1 -> t+2. revealed, seen: against the "
          f"last frame it was seen in before it was covered, {100 * share:.0f} % of it)")


# ----- main ----------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="320x180", help="WIDTHxHEIGHT (default 320x180)")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--clip", choices=("camera", "photo", "pan", "still"), default="camera",
                        help="photo: real photographs (bench/style_photo_clip.py)")
    parser.add_argument("--noise", type=float, default=3.0, help="sensor noise of the still clip")
    parser.add_argument("--first", type=int, default=40, help="iterations from scratch")
    parser.add_argument("--next", type=int, default=20, help="iterations from the warped frame")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="style.scale (default 1, the preset default; 0 = 0.5 x width / 640)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="another style setting for the coherent render, e.g. passes=2")
    parser.add_argument("--common", action="append", default=[], metavar="KEY=JSON",
                        help="a style setting for every render, baselines too (e.g. band_limit=0.5)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/dreamvideo-bench-style"))
    parser.add_argument("--no-reuse-first", dest="reuse_first", action="store_false",
                        help="render the coherent first frame too (it equals the independent one)")
    parser.add_argument("--baselines", choices=("independent", "both"), default="independent",
                        help="both: also against the warm start kept with the temporal loss off")
    parser.add_argument("--exact-flow", action="store_true",
                        help="the coherent render uses the clip's exact flow (a diagnostic: how "
                        "much of its warping error is the estimated flow's)")
    parser.add_argument("--sheet", type=Path, help="contact sheet PNG of the coherent frames")
    parser.add_argument("--diff-sheet", type=Path, help="difference sheet PNG: frame t+1 minus "
                        "frame t warped along the exact flow, amplified, for the input and each render")
    parser.add_argument("--save", type=Path, help="NPZ of the coherent and baseline outputs")
    parser.add_argument("--measure", type=Path, help="measure E_warp on a --save NPZ, no render")
    return parser.parse_args(argv)


def make_clip(kind: str, size, frames: int, noise: float):
    if kind == "pan":
        return translating_clip(size, frames, shift=(-max(1, size[0] // 160), 0))
    if kind == "photo":
        return photo_clip(size, frames)
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
                  iterations={"first": args.first, "next": args.next},
                  **{key: json.loads(value) for key, value in (item.split("=", 1) for item in args.common)})
    extra = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    coherent_cfg = StyleConfig(**{**common, **extra})  # --set overrides, e.g. iterations
    configs = {"independent": StyleConfig(**common, temporal_weight=0, init="content")}
    if args.baselines == "both":  # the warm start kept, temporal loss off: a stricter baseline
        configs["warm start"] = StyleConfig(**{**common, **extra, "temporal_weight": 0,
                                                         "passes": 1, "long_term": []})
    print(f"{args.clip} clip {width}x{height}, {args.frames} frames, iterations first {args.first}"
          f" / next {args.next}; coherent settings: {extra or 'defaults'}")
    if args.measure:  # outputs of an earlier run (--save): the E_warp lines only
        saved = np.load(args.measure)
        baselines = {name: list(saved[name.replace(" ", "_")]) for name in configs
                     if name.replace(" ", "_") in saved}
        report_e_warp(clip, list(saved["coherent"]), baselines, coherent_cfg)
        if args.diff_sheet:
            difference_sheet(clip, {"input": clip.frames, **baselines,
                                    "coherent": list(saved["coherent"])}, args.diff_sheet)
        return
    runs = {name: cached_render(config, clip.frames, style, name.replace(" ", "_"), args.cache)
            for name, config in configs.items()}
    independent = runs["independent"]
    # frame 0 is optimised from scratch with the same settings in both renders: reuse it
    exact = PrecomputedFlow(list(zip(clip.flows_fw, clip.flows_bw))) if args.exact_flow else None
    coherent = render(coherent_cfg, clip.frames, style, "coherent",
                      first=independent["outputs"][0] if args.reuse_first else None, flow=exact)
    if args.sheet:
        picks = np.linspace(0, args.frames - 1, min(12, args.frames)).round().astype(int)
        contact_sheet([coherent["outputs"][i] for i in picks], args.sheet)
    if args.diff_sheet:
        difference_sheet(clip, {"input": clip.frames, **{n: r["outputs"] for n, r in runs.items()},
                                "coherent": coherent["outputs"]}, args.diff_sheet)
    if args.save:
        np.savez_compressed(args.save, coherent=np.asarray(coherent["outputs"]),
                            **{name.replace(" ", "_"): np.asarray(run["outputs"])
                               for name, run in runs.items()})
    report_e_warp(clip, coherent["outputs"], {n: r["outputs"] for n, r in runs.items()},
                  coherent_cfg)
    report_rest(args, clip, coherent, runs)


def report_rest(args, clip, coherent, runs) -> None:
    """Loss, sharpness (and its drift over the clip), time, noise stability."""
    for name, run in runs.items():
        loss_ratio = np.mean(coherent["losses"][1:]) / np.mean(run["losses"][1:])
        print(f"  content+style loss (following) / {name} {loss_ratio:.3f}   (target <= 1.10)")
    independent = runs["independent"]
    print(f"  sharpness (mean |Laplacian|, following) ratio "
          f"{sharpness(coherent['outputs']) / sharpness(independent['outputs']):.3f}   "
          "(warm starts blur what they resample)")
    if args.frames >= 8:  # does the warm start blur more and more along the clip?
        quarter = max(2, args.frames // 4)
        ends = [(coherent["outputs"][:quarter + 1], independent["outputs"][:quarter + 1]),
                (coherent["outputs"][-quarter - 1:], independent["outputs"][-quarter - 1:])]
        first, last = (sharpness(c) / sharpness(i) for c, i in ends)
        print(f"  sharpness ratio, first {quarter} following frames {first:.3f}, last {quarter} "
              f"{last:.3f}")
        losses = [c / i for c, i in zip(coherent["losses"], independent["losses"])]
        print(f"  loss ratio, first {quarter} following frames {np.mean(losses[1:quarter + 1]):.3f}"
              f", last {quarter} {np.mean(losses[-quarter:]):.3f}")

    def per_frame(run, key):  # all work frames after the first (every pass) per clip frame
        return float(np.nansum(run[key][1:])) / (len(clip.frames) - 1)

    for key, label in (("cpu", "CPU"), ("seconds", "wall")):
        c, i = per_frame(coherent, key), per_frame(independent, key)
        print(f"  time per following frame ({label}): {c:.1f} s / {i:.1f} s = {c / i:.3f}"
              " (side by side only when the independent render is not from the cache)")
    if args.clip == "still":
        print(f"  noise stability (output change / input change): coherent "
              f"{stability(coherent['outputs'], clip.frames):.3f}, independent "
              f"{stability(independent['outputs'], clip.frames):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
