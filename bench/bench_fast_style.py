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
- style and content loss of the network's frames vs the optimised frames (style <= 2x).

CPU seconds (``time.process_time``) are reported beside wall seconds: on a shared machine they
show the work done, whatever the load. Writes ``bench/out/fast_style_compare.png`` (content,
optimised, network, same frame) and ``bench/out/fast_style.json``.

Run: ``python bench/bench_fast_style.py [--size 640x360] [--frames 3] [--steps 300] [--batch 1]``.
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

from bench_style import Clip, Renderer, mean_warping_error, scene, stroke_style  # noqa: E402
from synthetic import textured_image  # noqa: E402

from dreamvideo.config import ModelConfig, StyleConfig  # noqa: E402
from dreamvideo.effects.base import FrameContext  # noqa: E402
from dreamvideo.effects.style_network import NetworkStyleEffect  # noqa: E402
from dreamvideo.flow import OpenCVFlow  # noqa: E402
from dreamvideo.progress import Progress  # noqa: E402
from dreamvideo.style.network import (Architecture, StyleNetwork, build_transform_net,  # noqa: E402
                                      load_network, run_network)
from dreamvideo.style.training import TrainSettings, train_style  # noqa: E402

OUT = HERE / "out"


# ----- the clip: zoom + rotation + a moving object ------------------------------------------

def camera_matrix(t: int, size: tuple[int, int], zoom: float, turn: float) -> np.ndarray:
    """3x3: canvas pixel -> frame pixel at time t (zoom about the centre, turning)."""
    width, height = size
    m = cv2.getRotationMatrix2D((width / 2, height / 2), turn * t, zoom ** t)
    return np.vstack([m, [0, 0, 1]])


def zoom_clip(size: tuple[int, int], frames: int, seed: int = 0, *, zoom: float = 1.02,
              turn: float = 0.8) -> Clip:
    width, height = size
    canvas = scene(size, seed)
    side = height // 4
    square = textured_image((side, side), seed + 1)
    velocity = np.array([max(2, width // 100), max(1, height // 180)], np.float32)
    start = np.array([width // 6, height // 2 - side // 2])
    ys, xs = np.mgrid[:height, :width].astype(np.float32)
    points = np.stack([xs, ys, np.ones_like(xs)], -1)
    out, fws, bws, inside = [], [], [], []
    for t in range(frames):
        m = camera_matrix(t, size, zoom, turn)
        frame = cv2.warpAffine(canvas, m[:2], size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
        x, y = (start + velocity * t).astype(int)
        frame[y:y + side, x:x + side] = square
        mask = np.zeros((height, width), bool)
        mask[y:y + side, x:x + side] = True
        out.append(frame)
        inside.append(mask)
    for t in range(frames - 1):
        a, b = camera_matrix(t, size, zoom, turn), camera_matrix(t + 1, size, zoom, turn)
        fw = (points @ (b @ np.linalg.inv(a)).T)[..., :2] - points[..., :2]
        bw = (points @ (a @ np.linalg.inv(b)).T)[..., :2] - points[..., :2]
        fws.append(np.where(inside[t][..., None], velocity, fw).astype(np.float32))
        bws.append(np.where(inside[t + 1][..., None], -velocity, bw).astype(np.float32))
    return Clip(out, fws, bws)


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
            ("16-32-64, 5 dense blocks", Architecture(separable=False), "float32"),
            ("Johnson 32-64-128, 5 dense blocks", Architecture((32, 64, 128), 5, 9, False), "float32")]:
        model = build_transform_net(arch, dtype=dtype)
        wall, cpu = forward_time(model, frame)
        rows.append({"net": label, "params": model.count_params(), "wall_s": wall, "cpu_s": cpu})
        print(f"  {label:46s} {model.count_params():8d} params  {wall:6.2f} s wall  {cpu:6.2f} s CPU",
              flush=True)
    return rows


# ----- network render ------------------------------------------------------------------------

def network_render(network: StyleNetwork, clip: Clip, config: StyleConfig, frames: int, *, blend: bool):
    size = (clip.frames[0].shape[1], clip.frames[0].shape[0])
    effect = NetworkStyleEffect(network, OpenCVFlow(config.flow),
                                config=config.model_copy(update={"temporal_weight": config.temporal_weight
                                                                  if blend else 0.0}),
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


def losses(stylizer, outputs: list[np.ndarray], clip: Clip) -> dict[str, float]:
    values = [stylizer.evaluate(out.astype(np.float32), stylizer.inputs(clip.frames[i], frame=i))
              for i, out in enumerate(outputs)]
    return {key: float(np.mean([v[key] for v in values])) for key in ("content", "style", "tv")}


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
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--frames", type=int, default=3, help="frames rendered by every method")
    parser.add_argument("--train-frames", type=int, default=24, help="frames of the clip trained on")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--first", type=int, default=100, help="optimisation: iterations.first")
    parser.add_argument("--next", type=int, default=30, help="optimisation: iterations.next")
    parser.add_argument("--skip-architectures", action="store_true")
    parser.add_argument("--network", help="use this trained network instead of training one")
    parser.add_argument("--opt-size", help="size of the optimisation renders compared with the "
                        "network's (its frames are reduced to it); default --size")
    return parser.parse_args(argv)


def shrink_clip(clip: Clip, size: tuple[int, int]) -> Clip:
    """The clip at a smaller size (INTER_AREA), flows resized and their vectors scaled."""
    factor = size[0] / clip.frames[0].shape[1]
    frames = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in clip.frames]
    flows = [[cv2.resize(f, size, interpolation=cv2.INTER_AREA) * factor for f in group]
             for group in (clip.flows_fw, clip.flows_bw)]
    return Clip(frames, *flows)


def save(results: dict) -> None:
    results["load_now"] = os.getloadavg()
    (OUT / "fast_style.json").write_text(json.dumps(results, indent=1, default=float))


def main(argv=None) -> None:
    args = parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    small = tuple(int(v) for v in (args.opt_size or args.size).split("x"))
    OUT.mkdir(exist_ok=True)
    results: dict = {"args": vars(args), "load_at_start": os.getloadavg()}
    clip = zoom_clip(size, max(args.train_frames, args.frames))
    style = stroke_style()
    config = StyleConfig(scale=0.5 * size[0] / 640, iterations={"first": args.first, "next": args.next})
    net_path = Path(args.network) if args.network else OUT / "fast_style.keras"
    if not args.network:
        folder = OUT / "fast_style_clip"
        folder.mkdir(exist_ok=True)
        for index, frame in enumerate(clip.frames):
            cv2.imwrite(str(folder / f"f{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(OUT / "fast_style_style.png"), cv2.cvtColor(style, cv2.COLOR_RGB2BGR))
        print(f"training {args.steps} steps at 256 px on {len(clip.frames)} frames of {size}", flush=True)
        wall, cpu = time.perf_counter(), time.process_time()
        train_style([OUT / "fast_style_style.png"], str(folder), net_path, style=config, model=ModelConfig(),
                    settings=TrainSettings(steps=args.steps, batch=args.batch), overwrite=True,
                    progress=Progress("plain"))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        results["train"] = {"steps": args.steps, "batch": args.batch, "wall_s": wall, "cpu_s": cpu,
                            "wall_s_per_step": wall / args.steps, "cpu_s_per_step": cpu / args.steps}
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
        save(results)

    print(f"network at {size}: {args.frames} frames, alone and with the flow blend", flush=True)
    net_alone, t_alone = network_render(network, clip, config, args.frames, blend=False)
    net_blend, t_blend = network_render(network, clip, config, args.frames, blend=True)
    print(f"optimisation at {size}: one value-and-gradient (an L-BFGS iteration)", flush=True)
    from dreamvideo.models import load_backbone
    from dreamvideo.style import Stylizer

    full = Stylizer([(style, 1.0)], config, backbone=load_backbone())
    inputs, x = full.inputs(clip.frames[1], frame=1), clip.frames[1].astype(np.float32)
    per_iteration = timed(lambda: full.value_and_grad(x, inputs))
    net_frame = timed(lambda: network.stylize_float(clip.frames[1]))

    print(f"optimisation at {small}, independent vs coherent, side by side", flush=True)
    shrunk = shrink_clip(clip, small)
    small_config = config.model_copy(update={"scale": 0.5 * small[0] / 640})
    independent = Renderer("independent", small_config.model_copy(update={"temporal_weight": 0.0, "init": "content"}),
                           shrunk, style, jit=False)
    coherent = Renderer("coherent", small_config, shrunk, style, jit=False)
    for index in range(args.frames):  # alternating, so load changes hit both alike
        independent.frame(index)
        if index == 0:  # frame 0 is made the same way by both: not twice
            for name in ("outputs", "seconds", "iterations", "losses"):
                getattr(coherent.run, name).append(getattr(independent.run, name)[0])
        else:
            coherent.frame(index)
    follow_iterations = float(np.mean(coherent.run.iterations[1:]))
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
    shrink = [lambda outs: [cv2.resize(o, small, interpolation=cv2.INTER_AREA) for o in outs]][0]
    runs = {"independent": independent.run.outputs, "coherent": coherent.run.outputs,
            "network": shrink(net_alone), "network_blend": shrink(net_blend)}
    errors = {name: mean_warping_error(outs, shrunk) for name, outs in runs.items()}
    results["warping_error"] = {**errors, "ratio": errors["network_blend"] / errors["independent"]}
    stylizer = coherent.stylizer
    results["loss"] = {name: losses(stylizer, outs, shrunk) for name, outs in runs.items() if name != "network"}
    results["loss"]["style_ratio"] = results["loss"]["network_blend"]["style"] / results["loss"]["independent"]["style"]
    index = args.frames - 1
    compare_picture(shrunk.frames[index], coherent.run.outputs[index], runs["network_blend"][index], style,
                    OUT / "fast_style_compare.png")
    save(results)
    print(json.dumps(results, indent=1, default=float))


if __name__ == "__main__":
    main()
