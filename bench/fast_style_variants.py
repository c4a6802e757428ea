"""Training variants of the style network at one CPU-second budget, scored like
``bench_fast_style.py``: the network's frames against the optimised (independent) frames at
456x256, the same losses and style scale, overall and per style layer (relative Gram errors).

Needs the optimised frames ``bench_fast_style.py`` caches in bench/out (run it once). Pairs use
the clip's true flow. Each run appends its row to bench/out/variants.jsonl and keeps its network
(bench/out/variant_NAME_model.keras). Examples (each ~300 CPU-s), as in the README's fast-style
section:

    python bench/fast_style_variants.py base                        # train-style's defaults
    python bench/fast_style_variants.py preset_balance --style-boost 1
    python bench/fast_style_variants.py boost5 --style-boost 5
    python bench/fast_style_variants.py old_scales --scales 0.8,1.25
    python bench/fast_style_variants.py no_noise --noise 0
    python bench/fast_style_variants.py one_pair --overfit
    python bench/fast_style_variants.py deeper --widths 16,32,64,128
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from fast_style_clip import zoom_clip, stroke_style  # noqa: E402

from dreamvideo.config import StyleConfig  # noqa: E402
from dreamvideo.motion.flow import consistency_mask  # noqa: E402
from dreamvideo.backbone.models import load_backbone  # noqa: E402
from dreamvideo.style import Stylizer  # noqa: E402
from dreamvideo.style import content as content_module  # noqa: E402
from dreamvideo.style.content import Pair  # noqa: E402
from dreamvideo.style.network import Architecture, StyleNetwork, build_transform_net  # noqa: E402
from dreamvideo.style.training import Trainer, TrainSettings  # noqa: E402

OUT = HERE / "out"
SCORED = [0, 1, 2]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--cpu", type=float, default=300, help="CPU seconds of training")
    parser.add_argument("--widths", default="16,32,64")
    parser.add_argument("--blocks", type=int, default=5)
    parser.add_argument("--dense", action="store_true", help="dense residual blocks (not separable)")
    parser.add_argument("--lr", type=float, default=TrainSettings.learning_rate)
    parser.add_argument("--size", type=int, default=256, help="crop side")
    parser.add_argument("--vgg", default="bfloat16", help="loss network precision in training")
    parser.add_argument("--temporal", type=float, default=TrainSettings.temporal_weight)
    parser.add_argument("--noise", type=float, default=TrainSettings.noise_weight)
    parser.add_argument("--scales", default=",".join(map(str, content_module.SCALES)),
                        help="crop scale range, e.g. 0.8,1.25")
    parser.add_argument("--overfit", action="store_true", help="train on one frame pair (1, 2) only")
    parser.add_argument("--style-boost", type=float, default=TrainSettings.style_boost,
                        help="training's style weight x this")
    parser.add_argument("--net-dtype", default="float32", help="transform net: float32 or mixed_bfloat16")
    parser.add_argument("--first-kernel", type=int, default=9)
    parser.add_argument("--decay-steps", type=int, default=TrainSettings.steps,
                        help="steps of the cosine learning-rate decay")
    return parser.parse_args(argv)


def measure(stylizer, outputs, frames) -> dict:
    values = [stylizer.evaluate(o.astype(np.float32), stylizer.inputs(frames[i], frame=i))
              for i, o in zip(SCORED, outputs)]
    result = {k: float(np.mean([v[k] for v in values])) for k in ("content", "style", "tv")}
    layers = [stylizer.style_errors(o.astype(np.float32)) for o in outputs]
    result["layers"] = {n: float(np.mean([e[n] for e in layers])) for n in layers[0]}
    return result


def main(argv=None) -> None:
    args = parse_args(argv)
    content_module.SCALES = tuple(float(v) for v in args.scales.split(","))
    clip, style = zoom_clip((456, 256), 24), stroke_style()
    config = StyleConfig(scale=0.5, iterations={"first": 100, "next": 30})
    cached = OUT / "fast_style_optimised_456x256_3_100_30_0.5.npz"
    if not cached.exists():
        sys.exit(f"{cached} missing: run bench/bench_fast_style.py once")
    with np.load(cached) as data:
        optimised = list(data["independent"])
    scorer = Stylizer([(style, 1.0)], config, backbone=load_backbone())
    reference = measure(scorer, optimised, clip.frames)
    starts = [1] if args.overfit else range(len(clip.frames) - 1)
    pairs = [Pair(clip.frames[t], clip.frames[t + 1], clip.flows_bw[t],
                  consistency_mask(clip.flows_fw[t], clip.flows_bw[t])) for t in starts]
    arch = Architecture(tuple(int(w) for w in args.widths.split(",")), args.blocks, args.first_kernel,
                        not args.dense)
    settings = TrainSettings(size=args.size, learning_rate=args.lr, temporal_weight=args.temporal,
                             noise_weight=args.noise, architecture=arch, steps=args.decay_steps,
                             style_boost=args.style_boost)
    trainer = Trainer(Stylizer([(style, 1.0)], config, backbone=load_backbone(precision=args.vgg)), settings,
                      network_dtype=args.net_dtype)
    cpu = 0.0
    while cpu < args.cpu:
        start = time.process_time()
        trainer.train_step(pairs)
        cpu += time.process_time() - start
    model = trainer.model
    if args.net_dtype != "float32":  # scored in float32, as a saved network is loaded
        model = build_transform_net(arch)
        model.set_weights(trainer.model.get_weights())
    model.save(OUT / f"variant_{args.name}_model.keras")
    network = StyleNetwork(model, {})
    outputs = [network.stylize(clip.frames[i]) for i in SCORED]
    loss = measure(scorer, outputs, clip.frames)
    row = {"name": args.name, "steps": trainer.step, "cpu_s": round(cpu),
           "params": trainer.model.count_params(), "args": vars(args),
           "style_ratio": loss["style"] / reference["style"],
           "content_ratio": loss["content"] / reference["content"],
           "layer_ratios": {n: loss["layers"][n] / reference["layers"][n] for n in sorted(loss["layers"])},
           "layers": loss["layers"], "optimised_layers": reference["layers"]}
    print(json.dumps(row, indent=1))
    with open(OUT / "variants.jsonl", "a") as log:
        log.write(json.dumps(row) + "\n")
    cv2.imwrite(str(OUT / f"variant_{args.name}.png"),
                cv2.cvtColor(np.concatenate([clip.frames[2], optimised[2], outputs[2]], 1), cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
