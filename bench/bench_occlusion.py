"""Occlusion masks for Blender sources: the Depth pass against forward/backward consistency.

Renders ``tests/blender_scene.py`` (objects crossing in front of each other and of the floor and
wall under a moving camera; run by the bpy interpreter, ``$DREAMVIDEO_BPY_PYTHON``) and, for
each pair of frames, compares two masks of the pixels of frame t+1 that frame t warped along
the Vector pass matches:

* ``consistency``: :func:`dreamvideo.motion.flow.consistency_mask` (Ruder's forward/backward and
  motion-boundary tests, made for estimated flow; what Blender sources used before);
* ``depth``: :meth:`BlenderSource.reliability` (the Depth pass plus the Vector pass's own
  forward/backward agreement, no boundary test).

Truth, by another estimator: the Object Index pass. A pixel of frame t+1 is disoccluded when its
source pixel in frame t shows another object (or lies outside the frame); pixels within one
pixel of an Object Index edge (anti-aliased, either answer is defensible) or whose source lies
within a pixel of the frame's edge are not scored.
Printed per mask: recall (share of true disocclusions marked), false marks (share of true
matches dropped), coverage, and the warping error of the frames themselves along the Vector
flow under the mask (Lai et al.'s E_warp on the inputs: what a mask lets through that does not
match), with the floor of no occlusion at all (the truth's own mask).

``--style`` also renders ``effect: style`` (optimised, coherent) over the scene twice, once with
each mask (the same Vector flow), and prints the E_warp of the stylised frames along the Vector
flow, under the truth's mask (the Object Index: an estimator neither render uses; its floor is
the frames' own E_warp under that mask, printed above), and the content+style loss.

Run: ``python bench/bench_occlusion.py [--size 192 108] [--frames 12] [--out DIR] [--style]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from blender_truth import true_disocclusion  # noqa: E402
from bpy_env import BPY_PYTHON  # noqa: E402

from dreamvideo.blender.source import BlenderSource  # noqa: E402
from dreamvideo.videoio.exr import read_passes  # noqa: E402
from dreamvideo.motion.flow import consistency_mask, warping_error  # noqa: E402


def measure(source: BlenderSource) -> dict[str, dict[str, float]]:
    frames = list(source.frames())
    rows: dict[str, list[tuple[float, ...]]] = {"consistency": [], "depth": [], "truth": []}
    for t in range(source.frame_count - 1):
        fw, bw = source.flow_pair(t)
        ids = [read_passes(source.files[i])["Object Index"] for i in (t, t + 1)]
        disoccluded, scored = true_disocclusion(ids[0], ids[1], bw)
        masks = {"consistency": consistency_mask(fw, bw),
                 "depth": source.reliability(t, t + 1, fw, bw),
                 "truth": (~disoccluded).astype(np.float32)}
        for name, mask in masks.items():
            dropped = mask < 0.5
            rows[name].append((float(dropped[disoccluded & scored].mean()),
                               float(dropped[~disoccluded & scored].mean()), float(mask.mean()),
                               warping_error(frames[t], frames[t + 1], bw, mask)))
    keys = ("recall", "false marks", "coverage", "E_warp")
    return {name: dict(zip(keys, np.mean(values, axis=0))) for name, values in rows.items()}


class ConsistencyMasked:
    """The Blender source's Vector flow with the mask made for estimated flow (before: what a
    Blender source's style render used)."""

    def __init__(self, source: BlenderSource):
        self.source = source

    def flow_pair(self, index, frame_a, frame_b):
        return self.source.flow_pair(index, frame_a, frame_b)

    def reliability(self, a, b, flow_ab, flow_ba, *, boundary_weight=0.0):
        return consistency_mask(flow_ab, flow_ba, boundary_weight=boundary_weight)


def style_renders(source: BlenderSource, scale: float) -> None:
    """E_warp (Vector flow, Object Index truth mask) and loss of the style effect with each mask."""
    from bench_style import render, stroke_style
    from dreamvideo.config import StyleConfig

    frames = list(source.frames())
    config = StyleConfig(scale=scale, iterations={"first": 40, "next": 20})
    truth = []
    for t in range(source.frame_count - 1):
        _, bw = source.flow_pair(t)
        ids = [read_passes(source.files[i])["Object Index"] for i in (t, t + 1)]
        truth.append((bw, (~true_disocclusion(ids[0], ids[1], bw)[0]).astype(np.float32)))
    first = None
    for name, flow in (("consistency", ConsistencyMasked(source)), ("depth", source)):
        run = render(config, frames, stroke_style(), name, first=first, flow=flow)
        first = run["outputs"][0]
        error = np.mean([warping_error(run["outputs"][t], run["outputs"][t + 1], bw, mask)
                         for t, (bw, mask) in enumerate(truth)])
        print(f"  style, {name:12s} E_warp {error:.5f}  content+style loss "
              f"{np.mean(run['losses'][1:]):.4f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=2, default=(192, 108))
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("/tmp/dreamvideo-bench-occlusion"))
    parser.add_argument("--style", action="store_true", help="also render style with each mask")
    parser.add_argument("--scale", type=float, default=0.6, help="style.scale of --style")
    args = parser.parse_args(argv)
    out = args.out / f"{args.size[0]}x{args.size[1]}-{args.frames}"
    if not (out / "scene.json").is_file():
        if BPY_PYTHON is None:
            sys.exit("no bpy interpreter: set DREAMVIDEO_BPY_PYTHON")
        subprocess.run([str(BPY_PYTHON), str(ROOT / "tests" / "blender_scene.py"), str(out),
                        "--frames", str(args.frames), "--size", *map(str, args.size),
                        "--samples", str(args.samples)], check=True, cwd=ROOT)
    source = BlenderSource({"frames": str(out / "exr")})
    print(f"Blender test scene {args.size[0]}x{args.size[1]}, {args.frames} frames "
          f"({args.samples} samples): masks of frame t+1 against the Object Index truth")
    for name, row in measure(source).items():
        print(f"  {name:12s} recall {row['recall']:.3f}  false marks {row['false marks']:.4f}  "
              f"coverage {row['coverage']:.3f}  E_warp of the frames {row['E_warp']:.5f}")
    if args.style:
        style_renders(source, args.scale)


if __name__ == "__main__":
    main(sys.argv[1:])
