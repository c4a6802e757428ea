"""Does a style network hold still, whatever it was trained like? Issue 19, item 2.

On one clip with exactly known motion (``--clip``: ``zoom``, the clip of ``bench_fast_style.py``,
or a clip made from real photographs, see ``photo_clip.py``), side by side in one run:

- the independent optimised render (``effect: style``, ``temporal_weight`` 0, from the content;
  cached in bench/out): the reference;
- a network trained with ``train-style`` on the clip's frames (their DIS flow, as a user gets it;
  ``--steps``, ``--train-size``, ``--style-boost``; or ``--network`` to score one already trained,
  e.g. on another clip), rendered alone and with ``style.method: network``'s default flow blend.

Printed: warping error along the exact motion (consistency mask of the exact flows) of each, and
its ratio to the independent render's (target <= 0.3 for the blended network); the floor: the
input clip's own warping error (resampling) over the independent render's; the content and style
loss of the network's frames over the optimised frames' (content target <= 1.5); the lattice
energy of the frames (share of the luma spectrum at the periods 2 and 4 px of the network's
stride-2 lattice, over the input's: 1 = no more grid than the photograph), the correlation
of the network's blurred luma with the input's (dark and light where they were) and the mean
CIELAB distance of the blurred frames to the input's (the content's colours). ``--diagnose``
also scores the network's frames with the content's chroma, its large-scale luma, or both put
back: which of them the content loss is made of.

Writes bench/out/stability_{clip}{tag}.json, a sheet of the network's frames and a difference
sheet (frame t+1 warped back minus frame t, x4, grey = 0) for the independent render and the
network.

Run: ``python bench/bench_network_stability.py --clip astronaut+coffee --steps 300 --train-size 128``
(``--steps 2000 --train-size 256``: the default training; ``--clip zoom``: the clip of
``bench_fast_style.py``; ``--network NET.keras --clip coffee+chelsea``: a trained network on a
clip it never saw)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from contact_sheet import contact_sheet, write_png  # noqa: E402
from fast_style_clip import Clip, Renderer, mean_warping_error, stroke_style, zoom_clip  # noqa: E402
from photo_clip import CLIPS, photo_clip  # noqa: E402

from dreamvideo.config import ModelConfig, StyleConfig  # noqa: E402
from dreamvideo.config.style import NETWORK_TEMPORAL_WEIGHT  # noqa: E402
from dreamvideo.effects.base import FrameContext  # noqa: E402
from dreamvideo.effects.style_network import NetworkStyleEffect  # noqa: E402
from dreamvideo.motion.flow import OpenCVFlow, warp  # noqa: E402
from dreamvideo.progress import Progress  # noqa: E402
from dreamvideo.style.images import keep_colors, rgb_to_ycrcb, ycrcb_to_rgb  # noqa: E402
from dreamvideo.style.network import load_network  # noqa: E402
from dreamvideo.videoio import to_uint8  # noqa: E402
from dreamvideo.cli.train_style import train_style  # noqa: E402
from dreamvideo.style.training import TrainSettings  # noqa: E402

OUT = HERE / "out"


def make_clip(name: str, size: tuple[int, int], frames: int) -> Clip:
    if name == "zoom":
        return zoom_clip(size, frames)
    return photo_clip(size, frames, **CLIPS[name])


def independent(clip: Clip, style: np.ndarray, config: StyleConfig, name: str, args) -> list[np.ndarray]:
    """The optimised frames, each from its content with no temporal term (cached)."""
    cache = OUT / f"stability_optimised_{name}_{args.size}_{args.frames}_{args.first}_{args.scale}.npz"
    if cache.exists():
        with np.load(cache) as data:
            return list(data["frames"])
    renderer = Renderer("independent", config.model_copy(update={"temporal_weight": 0.0, "init": "content"}),
                        clip, style)
    for index in range(args.frames):
        renderer.frame(index)
    np.savez(cache, frames=np.stack(renderer.run.outputs))
    return renderer.run.outputs


def network_frames(network, clip: Clip, config: StyleConfig, frames: int, weight: float) -> list[np.ndarray]:
    """``style.method: network`` frame by frame with the flow blend at ``weight`` (0: none)."""
    size = (clip.frames[0].shape[1], clip.frames[0].shape[0])
    effect = NetworkStyleEffect(network, OpenCVFlow(config.flow),
                                config=config.model_copy(update={"temporal_weight": weight}), frame_size=size)
    outputs: list[np.ndarray] = []
    for index in range(frames):
        ctx = FrameContext(index, frames, outputs[-1] if index else None, clip.frames[index],
                           clip.frames[index - 1] if index else None, np.random.default_rng(index),
                           lambda i: outputs[i])
        outputs.append(effect.render(ctx))
    return outputs


def with_content_low_band(out: np.ndarray, source: np.ndarray, sigma: float, channels: slice) -> np.ndarray:
    """``out`` with the YCrCb ``channels`` below a ``sigma``-px Gaussian taken from ``source``
    (diagnosis: how much of the content loss is the large-scale colour and light that moved)."""
    a, b = (rgb_to_ycrcb(np.asarray(x, np.float32)) for x in (out, source))
    a[..., channels] += (cv2.GaussianBlur(b, (0, 0), sigma) - cv2.GaussianBlur(a, (0, 0), sigma))[..., channels]
    return to_uint8(ycrcb_to_rgb(a))


def diagnoses(outs: list[np.ndarray], clip: Clip) -> dict[str, list[np.ndarray]]:
    """The network's frames with the content's colours (chroma), its large-scale light (luma
    below 8 px) or both put back: which of them the content loss is made of."""
    frames = clip.frames
    return {"net_content_chroma": [to_uint8(keep_colors(o, f)) for o, f in zip(outs, frames)],
            "net_content_low_luma": [with_content_low_band(o, f, 8.0, slice(0, 1)) for o, f in zip(outs, frames)],
            "net_content_low_all": [with_content_low_band(o, f, 8.0, slice(0, 3)) for o, f in zip(outs, frames)]}


def luma(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


def lattice_energy(image: np.ndarray) -> float:
    """Share of the (mean-removed, windowed) luma power spectrum at the frequencies of a 2 and
    4 px lattice (fx, fy in {0, 1/4, 1/2, 3/4} cycles/px, not both 0), +-1 bin."""
    y = luma(image)
    y = (y - y.mean()) * np.outer(np.hanning(y.shape[0]), np.hanning(y.shape[1]))
    power = np.abs(np.fft.fft2(y)) ** 2
    height, width = power.shape
    mask = np.zeros_like(power, bool)
    for qy in range(4):
        for qx in range(4):
            if qx == qy == 0:
                continue
            cy, cx = round(qy * height / 4), round(qx * width / 4)
            mask[np.ix_([(cy + d) % height for d in (-1, 0, 1)], [(cx + d) % width for d in (-1, 0, 1)])] = True
    return float(power[mask].sum() / power.sum())


def blurred_correlation(out: np.ndarray, source: np.ndarray, sigma: float = 4.0) -> float:
    a, b = (cv2.GaussianBlur(luma(x), (0, 0), sigma).ravel() for x in (out, source))
    return float(np.corrcoef(a, b)[0, 1])


def colour_distance(out: np.ndarray, source: np.ndarray, sigma: float = 4.0) -> float:
    """Mean CIELAB distance (Delta E 1976) between the two after a ``sigma``-px blur: how far the
    content's colours and its dark and light areas moved (strokes blurred away)."""
    a, b = (cv2.cvtColor(cv2.GaussianBlur(np.asarray(x, np.float32) / 255.0, (0, 0), sigma), cv2.COLOR_RGB2Lab)
            for x in (out, source))
    return float(np.mean(np.linalg.norm(a - b, axis=-1)))


def difference_sheet(runs: dict[str, list[np.ndarray]], clip: Clip, t: int) -> np.ndarray:
    """Per run: frame t+1 warped back to frame t's place... i.e. out_{t+1} - warp(out_t), x4."""
    tiles = []
    for name, outs in runs.items():
        warped = warp(outs[t].astype(np.float32), clip.flows_bw[t])
        diff = np.clip(128 + 4 * (outs[t + 1].astype(np.float32) - warped), 0, 255).astype(np.uint8)
        tile = np.concatenate([outs[t + 1], diff], 1)
        cv2.putText(tile, name, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(tile)
    return np.concatenate(tiles, 0)


def losses(stylizer, outputs: list[np.ndarray], clip: Clip) -> dict[str, float]:
    values = [stylizer.evaluate(out.astype(np.float32), stylizer.inputs(clip.frames[i], frame=i))
              for i, out in enumerate(outputs)]
    return {key: float(np.mean([v[key] for v in values])) for key in ("content", "style", "tv")}


def train(clip: Clip, style: np.ndarray, config: StyleConfig, args, path: Path) -> dict:
    folder = OUT / f"stability_clip_{args.clip}{args.tag}"
    folder.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(clip.frames):
        cv2.imwrite(str(folder / f"f{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    style_path = OUT / "stability_style.png"
    cv2.imwrite(str(style_path), cv2.cvtColor(style, cv2.COLOR_RGB2BGR))
    given = {"style_boost": args.style_boost, "photometric": args.photometric,
             "colour_jitter": args.colour_jitter, "colour_weight": args.colour_weight}
    settings = TrainSettings(size=args.train_size, steps=args.steps, seed=args.seed,
                             **{k: v for k, v in given.items() if v is not None})
    chosen = {"first_norm": None if args.first_norm is None else bool(args.first_norm), "norm_window": args.norm_window}
    chosen = {k: v for k, v in chosen.items() if v is not None}
    if chosen:
        settings = replace(settings, architecture=replace(settings.network_architecture, **chosen))
    cpu = time.process_time()
    train_style([style_path], str(folder), path, style=config, model=ModelConfig(), settings=settings,
                overwrite=True, progress=Progress("plain"))
    return {"steps": args.steps, "size": args.train_size, "style_boost": settings.style_boost,
            "photometric": settings.photometric, "colour_jitter": settings.colour_jitter,
            "colour_weight": settings.colour_weight, "first_norm": settings.network_architecture.first_norm,
            "norm_window": settings.network_architecture.norm_window,
            "cpu_s": time.process_time() - cpu}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", default="astronaut+coffee", choices=["zoom", *CLIPS])
    parser.add_argument("--size", default="320x180")
    parser.add_argument("--frames", type=int, default=6, help="frames scored")
    parser.add_argument("--train-frames", type=int, default=24, help="frames of the clip trained on")
    parser.add_argument("--scale", type=float, default=0.5, help="style.scale")
    parser.add_argument("--first", type=int, default=100, help="optimisation iterations per frame")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--train-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--style-boost", type=float, help="train-style's --style-boost (default: its own)")
    parser.add_argument("--photometric", type=float,
                        help="train-style's share of steps with contrast/gamma jitter (default: its own)")
    parser.add_argument("--colour-jitter", type=float,
                        help="train-style's share of steps with the chroma turned and scaled (default: its own)")
    parser.add_argument("--colour-weight", type=float,
                        help="train-style's coarse-colour term weight (default: its own)")
    parser.add_argument("--first-norm", type=int, choices=[0, 1],
                        help="1/0: instance norm after the network's first conv or not (default: its own)")
    parser.add_argument("--norm-window", type=int,
                        help="px the network's norms take their statistics over (default: --train-size, "
                             "as train-style; 0: the whole image, networks before stop 35)")
    parser.add_argument("--network", help="score this network instead of training one")
    parser.add_argument("--tag", default="")
    parser.add_argument("--diagnose", action="store_true",
                        help="also score the network's frames with the content's colours / large-scale light put back")
    parser.add_argument("--reference-only", action="store_true", help="only make (cache) the optimised frames")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    OUT.mkdir(exist_ok=True)
    size = tuple(int(v) for v in args.size.split("x"))
    clip = make_clip(args.clip, size, max(args.frames, args.train_frames))
    style = stroke_style()
    config = StyleConfig(scale=args.scale, iterations={"first": args.first, "next": args.first})
    results: dict = {"args": vars(args)}
    reference = independent(clip, style, config, args.clip, args)
    if args.reference_only:
        return results
    path = Path(args.network) if args.network else OUT / f"stability_{args.clip}{args.tag}.keras"
    if not args.network:
        results["train"] = train(clip, style, config, args, path)
    network = load_network(path)
    runs = {"independent": reference,
            "network": network_frames(network, clip, config, args.frames, 0.0),
            "network_blend": network_frames(network, clip, config, args.frames, NETWORK_TEMPORAL_WEIGHT)}
    scored = Clip(clip.frames[:args.frames], clip.flows_fw[:args.frames - 1], clip.flows_bw[:args.frames - 1])
    if args.diagnose:
        runs.update(diagnoses(runs["network"], scored))
    errors = {name: mean_warping_error(outs, scored) for name, outs in runs.items()}
    errors["input"] = mean_warping_error(scored.frames, scored)
    results["warping_error"] = errors
    results["warping_ratio"] = {name: e / errors["independent"] for name, e in errors.items()}
    from dreamvideo.backbone.models import load_backbone
    from dreamvideo.style import Stylizer

    stylizer = Stylizer([(style, 1.0)], config, backbone=load_backbone())
    loss = {name: losses(stylizer, outs, scored) for name, outs in {**runs, "input": scored.frames}.items()}
    results["loss"] = loss
    results["content_ratio"] = {n: loss[n]["content"] / loss["independent"]["content"] for n in loss}
    results["style_ratio"] = {n: loss[n]["style"] / loss["independent"]["style"] for n in loss}
    source_lattice = np.mean([lattice_energy(f) for f in scored.frames])
    results["lattice"] = {n: float(np.mean([lattice_energy(f) for f in outs]) / source_lattice)
                          for n, outs in runs.items()}
    results["luma_correlation"] = {n: float(np.mean([blurred_correlation(o, f) for o, f in zip(outs, scored.frames)]))
                                   for n, outs in runs.items()}
    results["colour_distance"] = {n: float(np.mean([colour_distance(o, f) for o, f in zip(outs, scored.frames)]))
                                  for n, outs in runs.items()}
    if network.metadata.get("training"):
        results["network_training"] = network.metadata["training"]
    tag = f"{args.clip}{args.tag}"
    write_png(OUT / f"stability_sheet_{tag}.png",
              contact_sheet(dict(enumerate(runs["network_blend"])), columns=4, width=342,
                            title=f"network + blend, {args.clip}{args.tag}"))
    write_png(OUT / f"stability_diff_{tag}.png", difference_sheet(runs, scored, min(3, args.frames - 2)))
    (OUT / f"stability_{tag}.json").write_text(json.dumps(results, indent=1, default=float))
    for key in ("warping_ratio", "content_ratio", "style_ratio", "lattice", "luma_correlation",
                "colour_distance"):
        print(key, {n: round(v, 3) for n, v in results[key].items()}, flush=True)
    return results


if __name__ == "__main__":
    main()
