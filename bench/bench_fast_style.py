"""Fast style (a trained feed-forward network) vs optimisation, side by side in one run.

The clip: a still seen by a camera that zooms in and rotates, with a textured square moving
across it; the true flow is known (affine camera, square's velocity). A style network is trained
on the clip's frames (``train-style`` defaults, 256 px crops), then the same frames are stylised
by optimisation (independent per frame, and coherent: warm start + temporal loss) and by the
network (alone, and with the flow blend of ``style.method: network``).

Printed, with the issue's targets:
- training time to the network (wall and CPU seconds, under the machine's load at the time);
- time per frame at 640x360: network (+ blend) <= 0.03x the optimised *following* frame;
- time per frame at 1920x1080: network <= 1.5 s (float32 and bfloat16), and the architecture
  choice (a few sizes of transform network timed on the same frame);
- warping error (true flow, consistency mask): network + blend <= 0.5x the independent
  optimisation render;
- style and content loss of the network's frames vs the optimised frames (style <= 2x);
- a sweep of the flow blend's ``temporal_weight``: style, content and warping error ratios over the
  scored frames and over ``--long-frames`` (the blend's softening adds up over frames).

CPU seconds (``time.process_time``) are reported beside wall seconds: on a shared machine they
show the work done, whatever the load. Writes ``bench/out/fast_style_compare.png`` (content,
optimised, network, same frame), ``bench/out/fast_style_sheet.png`` (the network with the default
blend over ``--long-frames``) and ``bench/out/fast_style.json``.

Both methods are trained on / rendered / scored at ``--size`` with the same style scale: Gram
losses of a resampled image are not scale-free (an optimised frame reduced 2x scores ~20x its
style loss), so nothing is resized before scoring. The optimised frames are cached in bench/out.

Run: ``python bench/bench_fast_style.py [--size 456x256] [--frames 3] [--steps 2000] [--style-boost 4]
[--network NET.keras] [--tag _x]`` (``--tag``: a suffix for the files, so runs can go side by side).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from contact_sheet import contact_sheet, write_png  # noqa: E402
from fast_style_clip import Clip, Renderer, mean_warping_error, stroke_style, zoom_clip  # noqa: E402

from dreamvideo.config import ModelConfig, StyleConfig  # noqa: E402
from dreamvideo.config.style import NETWORK_TEMPORAL_WEIGHT  # noqa: E402
from dreamvideo.effects.base import FrameContext  # noqa: E402
from dreamvideo.effects.style_network import NetworkStyleEffect  # noqa: E402
from dreamvideo.motion.flow import OpenCVFlow  # noqa: E402
from dreamvideo.progress import Progress  # noqa: E402
from dreamvideo.style.network import (Architecture, StyleNetwork, build_transform_net,  # noqa: E402
                                      load_network, run_network)
from dreamvideo.cli.train_style import train_style  # noqa: E402
from dreamvideo.style.training import TrainSettings  # noqa: E402

OUT = HERE / "out"


# ----- timing --------------------------------------------------------------------------------

def timed(fn, reps: int = 2) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of ``reps`` calls, after one warm-up call."""
    fn()
    best = (float("inf"), float("inf"))
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best


def forward_time(model, frame: np.ndarray) -> tuple[float, float]:
    import tensorflow as tf

    forward = tf.function(lambda x: run_network(model, x))
    x = tf.convert_to_tensor(frame.astype(np.float32)[None])
    return timed(lambda: forward(x).numpy())


def architectures(frame: np.ndarray) -> list[dict]:
    rows = []
    for label, arch, dtype in [
            ("chosen: 16-32-64, 5 separable blocks, 9x9 in", Architecture(), "float32"),
            ("chosen, bfloat16", Architecture(), "mixed_bfloat16"),
            ("stride-2 + nearest (before #19), bfloat16", Architecture(antialias=False, identity=False),
             "mixed_bfloat16"),
            ("16-32-64, 5 dense blocks, bfloat16", Architecture(separable=False), "mixed_bfloat16"),
            ("16-32-96, 5 dense blocks, bfloat16", Architecture((16, 32, 96), 5, 9, False), "mixed_bfloat16"),
            ("Johnson 32-64-128, 5 dense blocks, bfloat16", Architecture((32, 64, 128), 5, 9, False),
             "mixed_bfloat16")]:
        model = build_transform_net(arch, dtype=dtype)
        wall, cpu = forward_time(model, frame)
        rows.append({"net": label, "params": model.count_params(), "wall_s": wall, "cpu_s": cpu})
        print(f"  {label:46s} {model.count_params():8d} params  {wall:6.2f} s wall  {cpu:6.2f} s CPU",
              flush=True)
    return rows


# ----- network render ------------------------------------------------------------------------

def network_render(network: StyleNetwork, clip: Clip, config: StyleConfig, frames: int, *,
                   weight: float | None = None):
    """The network per frame, with the flow blend at ``temporal_weight`` ``weight`` (0: none; None:
    ``style.method: network``'s default, 25: a fifth of the warped previous output; ``config`` is
    optimisation's)."""
    size = (clip.frames[0].shape[1], clip.frames[0].shape[0])
    if weight is None:
        weight = NETWORK_TEMPORAL_WEIGHT
    effect = NetworkStyleEffect(network, OpenCVFlow(config.flow),
                                config=config.model_copy(update={"temporal_weight": weight}),
                                frame_size=size)
    outputs, seconds = [], []
    for index in range(frames):
        ctx = FrameContext(index, frames, outputs[-1] if index else None, clip.frames[index],
                           clip.frames[index - 1] if index else None, np.random.default_rng(index),
                           lambda i: outputs[i])
        wall, cpu = time.perf_counter(), time.process_time()
        outputs.append(effect.render(ctx))
        seconds.append((time.perf_counter() - wall, time.process_time() - cpu))
    return outputs, seconds


def blend_sweep(network: StyleNetwork, clip: Clip, config: StyleConfig, args, stylizer,
                reference: dict, reference_error: float) -> list[dict]:
    """Style and content ratios, and warping error ratio, of the network with each blend weight of
    ``--blend-sweep``, over the ``--frames`` scored frames and over ``--long-frames`` (a blend
    softens strokes more as it adds up over frames; the reference stays the optimised frames')."""
    rows = []
    for weight in (float(v) for v in args.blend_sweep.split(",")):
        outputs, _ = network_render(network, clip, config, args.long_frames, weight=weight)
        if weight == NETWORK_TEMPORAL_WEIGHT:
            sheet = contact_sheet(dict(enumerate(outputs)), columns=4, width=228,
                                  title=f"network + flow blend (temporal_weight {weight:g}), frames 0-{len(outputs) - 1}")
            write_png(OUT / f"fast_style_sheet{args.tag}.png", sheet)
        short, long = losses(stylizer, outputs[:args.frames], clip), losses(stylizer, outputs, clip)
        rows.append({"temporal_weight": weight,
                     "style_ratio": short["style"] / reference["style"],
                     "style_ratio_long": long["style"] / reference["style"],
                     "content_ratio_long": long["content"] / reference["content"],
                     "warping_ratio": mean_warping_error(outputs[:args.frames], clip) / reference_error,
                     "warping_ratio_long": mean_warping_error(outputs, clip) / reference_error})
        print(f"  blend {weight:g}: {rows[-1]}", flush=True)
    return rows


def losses(stylizer, outputs: list[np.ndarray], clip: Clip) -> dict[str, float]:
    """Mean weighted content, style and TV terms, and each style layer's unweighted relative
    Gram error (``layers``: which layers carry the style loss)."""
    values = [stylizer.evaluate(out.astype(np.float32), stylizer.inputs(clip.frames[i], frame=i))
              for i, out in enumerate(outputs)]
    result = {key: float(np.mean([v[key] for v in values])) for key in ("content", "style", "tv")}
    layers = [stylizer.style_errors(out.astype(np.float32)) for out in outputs]
    result["layers"] = {name: float(np.mean([e[name] for e in layers])) for name in layers[0]}
    return result


def compare_picture(content, optimised, network, style, path: Path) -> None:
    height = content.shape[0]
    thumb = cv2.resize(style, (height // 3, height // 3), interpolation=cv2.INTER_AREA)
    tiles = []
    for image, label in ((content, "content"), (optimised, "optimised (L-BFGS)"),
                         (network, "network (+ flow blend)")):
        tile = image.copy()
        cv2.putText(tile, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(tile, label, (8, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(tile)
    tiles[0][-thumb.shape[0]:, -thumb.shape[1]:] = thumb
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(tiles, 1), cv2.COLOR_RGB2BGR))


# ----- main ----------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="456x256", help="the clip trained on and compared at")
    parser.add_argument("--time-size", default="640x360", help="frame size of the per-frame timing")
    parser.add_argument("--scale", type=float, default=0.5, help="style.scale, for both methods")
    parser.add_argument("--frames", type=int, default=3, help="frames rendered by every method")
    parser.add_argument("--train-frames", type=int, default=24, help="frames of the clip trained on")
    parser.add_argument("--steps", type=int, default=TrainSettings.steps)
    parser.add_argument("--batch", type=int, default=TrainSettings.batch)
    parser.add_argument("--style-boost", type=float, default=TrainSettings.style_boost)
    parser.add_argument("--seed", type=int, default=TrainSettings.seed, help="training's seed")
    parser.add_argument("--tag", default="", help="suffix of the network and JSON files (runs side by side)")
    parser.add_argument("--first", type=int, default=100, help="optimisation: iterations.first")
    parser.add_argument("--next", type=int, default=30, help="optimisation: iterations.next")
    parser.add_argument("--skip-architectures", action="store_true")
    parser.add_argument("--no-blend-detail", action="store_true", help="style.blend_detail: false")
    parser.add_argument("--long-frames", type=int, default=12, help="frames of the blend sweep")
    parser.add_argument("--blend-sweep", default="0,15,25,50", help="temporal_weight values of the sweep")
    parser.add_argument("--network", help="use this trained network instead of training one")
    return parser.parse_args(argv)


def save(results: dict) -> None:
    results["load_now"] = os.getloadavg()
    (OUT / f"fast_style{results['args']['tag']}.json").write_text(json.dumps(results, indent=1, default=float))


def train(clip: Clip, style: np.ndarray, config: StyleConfig, args, net_path: Path) -> dict:
    folder = OUT / f"fast_style_clip{args.tag}"
    folder.mkdir(exist_ok=True)
    for index, frame in enumerate(clip.frames):
        cv2.imwrite(str(folder / f"f{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    style_path = OUT / f"fast_style_style{args.tag}.png"
    cv2.imwrite(str(style_path), cv2.cvtColor(style, cv2.COLOR_RGB2BGR))
    print(f"training {args.steps} steps at 256 px on {len(clip.frames)} frames", flush=True)
    wall, cpu = time.perf_counter(), time.process_time()
    train_style([style_path], str(folder), net_path, style=config, model=ModelConfig(),
                settings=TrainSettings(steps=args.steps, batch=args.batch, style_boost=args.style_boost,
                                       seed=args.seed), overwrite=True,
                progress=Progress("plain"))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"steps": args.steps, "batch": args.batch, "wall_s": wall, "cpu_s": cpu,
            "wall_s_per_step": wall / args.steps, "cpu_s_per_step": cpu / args.steps}


def training_precision(clip: Clip, style: np.ndarray, config: StyleConfig, steps: int = 6) -> dict:
    """CPU seconds per training step with the loss network (VGG) in float32 and in bfloat16,
    side by side (the transform net's variables are float32 either way)."""
    from dreamvideo.motion.flow import consistency_mask
    from dreamvideo.backbone.models import load_backbone
    from dreamvideo.style import Stylizer
    from dreamvideo.style.content import Pair
    from dreamvideo.style.training import Trainer

    pairs = [Pair(clip.frames[t], clip.frames[t + 1], clip.flows_bw[t],
                  consistency_mask(clip.flows_fw[t], clip.flows_bw[t])) for t in range(2)]
    trainers = {p: Trainer(Stylizer([(style, 1.0)], config, backbone=load_backbone(precision=p)), TrainSettings())
                for p in ("float32", "bfloat16")}
    cpu = {p: 0.0 for p in trainers}
    for trainer in trainers.values():
        trainer.train_step(pairs)  # trace
    for _ in range(steps):  # alternating
        for p, trainer in trainers.items():
            start = time.process_time()
            trainer.train_step(pairs)
            cpu[p] += time.process_time() - start
    return {f"{p}_cpu_s_per_step": c / steps for p, c in cpu.items()} | {
        "ratio": cpu["bfloat16"] / cpu["float32"]}


def optimised_renders(clip: Clip, style: np.ndarray, config: StyleConfig, args) -> dict:
    """Independent (from the content, no temporal loss) and coherent (warm start + temporal loss)
    optimisation of the first ``args.frames`` frames, alternating; cached in bench/out by settings."""
    key = f"{args.size}_{args.frames}_{args.first}_{args.next}_{args.scale}"
    cache = OUT / f"fast_style_optimised_{key}.npz"
    if cache.exists():
        with np.load(cache) as data:
            return dict(data)
    print(f"optimisation at {args.size}: independent and coherent, side by side", flush=True)
    independent = Renderer("independent", config.model_copy(update={"temporal_weight": 0.0, "init": "content"}),
                           clip, style)
    coherent = Renderer("coherent", config, clip, style)
    for index in range(args.frames):  # alternating, so load changes hit both alike
        independent.frame(index)
        if index == 0:  # frame 0 is made the same way by both: not twice
            for name in ("outputs", "seconds", "iterations"):
                getattr(coherent.run, name).append(getattr(independent.run, name)[0])
        else:
            coherent.frame(index)
    data = {"independent": np.stack(independent.run.outputs), "coherent": np.stack(coherent.run.outputs),
            "coherent_iterations": np.array(coherent.run.iterations),
            "cpu_s": np.array([[c for _, c in r.seconds] for r in (independent.run, coherent.run)])}
    np.savez(cache, **data)
    return data


def main(argv=None) -> None:
    args = parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    time_size = tuple(int(v) for v in args.time_size.split("x"))
    OUT.mkdir(exist_ok=True)
    results: dict = {"args": vars(args), "load_at_start": os.getloadavg()}
    clip = zoom_clip(size, max(args.train_frames, args.frames, args.long_frames))
    style = stroke_style()
    config = StyleConfig(scale=args.scale, iterations={"first": args.first, "next": args.next},
                         blend_detail=not args.no_blend_detail)
    net_path = Path(args.network) if args.network else OUT / f"fast_style{args.tag}.keras"
    optimised = optimised_renders(clip, style, config, args)
    results["optimised_cpu_s"] = optimised["cpu_s"].tolist()
    if not args.network:
        results["train"] = train(clip, style, config, args, net_path)
        print(f"  {results['train']}", flush=True)
        save(results)
    network = load_network(net_path, backbone="vgg16-hed")

    print("1920x1080 frame", flush=True)
    big = zoom_clip((1920, 1080), 1).frames[0]
    half = load_network(net_path, dtype="mixed_bfloat16")
    results["1080"] = {"network_f32": timed(lambda: network.stylize_float(big)),
                       "network_bf16": timed(lambda: half.stylize_float(big)),
                       "bf16_vs_f32_mean_abs_diff": float(np.abs(half.stylize_float(big)
                                                                 - network.stylize_float(big)).mean())}
    print(f"  {results['1080']}", flush=True)
    save(results)
    if not args.skip_architectures:
        results["architectures"] = architectures(big)
        results["training_precision"] = training_precision(clip, style, config)
        print(f"  {results['training_precision']}", flush=True)
        save(results)

    print(f"{time_size}: network + blend per frame vs one L-BFGS iteration", flush=True)
    from dreamvideo.backbone.models import load_backbone
    from dreamvideo.style import Stylizer

    timing_clip = zoom_clip(time_size, 3)
    _, t_blend = network_render(half, timing_clip, config, 3)
    full = Stylizer([(style, 1.0)], config, backbone=load_backbone())
    inputs, x = full.inputs(timing_clip.frames[1], frame=1), timing_clip.frames[1].astype(np.float32)
    per_iteration = timed(lambda: full.value_and_grad(x, inputs))
    net_frame = timed(lambda: half.stylize_float(timing_clip.frames[1]))

    print(f"at {size}: network alone and with the flow blend", flush=True)
    net_alone, _ = network_render(half, clip, config, args.frames, weight=0.0)
    net_blend, _ = network_render(half, clip, config, args.frames)
    follow_iterations = float(np.mean(optimised["coherent_iterations"][1:]))
    follow = [per_iteration[i] * follow_iterations for i in (0, 1)]
    net_wall = float(np.mean([w for w, _ in t_blend[1:]]))
    net_cpu = float(np.mean([c for _, c in t_blend[1:]]))
    results["640"] = {
        "lbfgs_iteration_wall_s": per_iteration[0], "lbfgs_iteration_cpu_s": per_iteration[1],
        "following_frame_iterations": follow_iterations,
        "optimised_following_wall_s": follow[0], "optimised_following_cpu_s": follow[1],
        "network_wall_s": net_frame[0], "network_cpu_s": net_frame[1],
        "network_blend_wall_s": net_wall, "network_blend_cpu_s": net_cpu,
        "ratio_wall": net_wall / follow[0], "ratio_cpu": net_cpu / follow[1]}
    print(f"  {results['640']}", flush=True)
    runs = {"independent": list(optimised["independent"]), "coherent": list(optimised["coherent"]),
            "network": net_alone, "network_blend": net_blend}
    errors = {name: mean_warping_error(outs, clip) for name, outs in runs.items()}
    results["warping_error"] = {**errors, "ratio": errors["network_blend"] / errors["independent"]}
    stylizer = Stylizer([(style, 1.0)], config, backbone=load_backbone())
    results["loss"] = {name: losses(stylizer, outs, clip) for name, outs in runs.items()}
    for name in ("network", "network_blend"):
        loss, reference = results["loss"][name], results["loss"]["independent"]
        results["loss"][f"{name}_style_ratio"] = loss["style"] / reference["style"]
        results["loss"][f"{name}_content_ratio"] = loss["content"] / reference["content"]
        results["loss"][f"{name}_layer_ratios"] = {n: e / reference["layers"][n]
                                                   for n, e in loss["layers"].items()}
    reference = results["loss"]["independent"]
    results["blend_sweep"] = blend_sweep(half, clip, config, args, stylizer, reference, errors["independent"])
    index = args.frames - 1
    compare_picture(clip.frames[index], runs["coherent"][index], net_blend[index], style,
                    OUT / f"fast_style_compare{args.tag}.png")
    save(results)
    print(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
