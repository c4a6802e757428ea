"""Does a long coherent style clip drift? Blur, loss and flicker at its start and at its end.

Renders the camera clip (``tests/synthetic.py``) coherently with the default settings, and the
independent render (every frame from the content, no temporal loss) only on a window of frames
at the start and one at the end: an independent frame depends on its input frame alone, so
those windows are exactly the frames a whole independent render would give. Per window:
E_warp ratio (exact flow, Farneback), content+style loss ratio and sharpness ratio (mean
|Laplacian|: every warm start resamples the painting, so blur could add up along the clip).
``--sheet`` writes a dozen frames spread over the clip.

Run: ``python bench/style_drift.py [--size 192x108] [--frames 24] [--window 3] [--clip photo]
[--scale S] [--set KEY=JSON] [--sheet JPG] [--diff JPG] [--zoom Z] [--rotation DEG]
[--pan DX DY] [--no-objects] [--frames-out DIR]``
(``--set`` for every render, e.g. ``band_limit=0.5``; ``--zoom``: the camera clip's zoom per
frame, 0.008 by default; ``--no-objects``: the camera over the still alone, nothing
disoccluded).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

from bench_style import contact_sheet, difference_sheet, render, stroke_style  # (puts tests/ on the path)
from style_photo_clip import photo_clip
from style_measures import e_warp, entered_since, flow_masks, region_sharpness, sharpness
from synthetic import Camera, camera_clip  # noqa: E402

from dreamvideo.config import StyleConfig
from dreamvideo.motion.flow import OpenCVFlow


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="192x108")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--window", type=int, default=3, help="independent frames at each end")
    parser.add_argument("--first", type=int, default=40)
    parser.add_argument("--next", type=int, default=20)
    parser.add_argument("--sheet", type=Path)
    parser.add_argument("--diff", type=Path, help="difference sheet of the end window: independent, coherent")
    parser.add_argument("--frames-out", type=Path, metavar="DIR",
                        help="write every coherent frame and the independent windows' frames as PNG")
    parser.add_argument("--clip", choices=("camera", "photo"), default="camera")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="style.scale (1: the preset default; strokes of the same size in "
                        "pixels at any frame size, so a small clip resamples them as a large one)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    parser.add_argument("--no-objects", action="store_true",
                        help="camera clip: the still alone, no objects crossing it")
    parser.add_argument("--zoom", type=float, default=Camera.zoom,
                        help="camera clip: zoom per frame (0: roll and pan only, nothing magnified)")
    parser.add_argument("--rotation", type=float, default=Camera.rotation,
                        help="camera clip: roll per frame, degrees")
    parser.add_argument("--pan", type=float, nargs=2, default=Camera.pan, metavar=("DX", "DY"),
                        help="camera clip: pan per frame, px at 320 wide (0 0 with --zoom 0 "
                        "--rotation 0: a still camera, nothing resampled)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    clip = (photo_clip((width, height), args.frames) if args.clip == "photo"
            else camera_clip((width, height), args.frames,
                             camera=Camera(zoom=args.zoom, rotation=args.rotation, pan=tuple(args.pan)),
                             **({"sprites": ()} if args.no_objects else {})))
    style = stroke_style()
    extra = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.set)}
    common = dict(scale=args.scale, iterations={"first": args.first, "next": args.next},
                  **extra)
    independent_cfg = StyleConfig(**common, temporal_weight=0, init="content")
    n, w = args.frames, args.window
    windows = {"start": range(0, w), "end": range(n - w, n)}
    independent = {name: render(independent_cfg, clip.frames[r.start:r.stop], style,
                                f"independent {name}") for name, r in windows.items()}
    coherent = render(StyleConfig(**common), clip.frames, style, "coherent",
                      first=independent["start"]["outputs"][0])
    outputs = coherent["outputs"]
    if args.sheet:
        picks = np.linspace(0, n - 1, min(12, n)).round().astype(int)
        contact_sheet([outputs[i] for i in picks], args.sheet)
    if args.frames_out:
        write_frames(args.frames_out, outputs, independent, windows)
    if args.diff:
        end = windows["end"]
        pairs = slice(end.start, end.stop - 1)
        window = SimpleNamespace(flows_bw=clip.flows_bw[pairs], disoccluded=clip.disoccluded[pairs])
        videos = {"independent": independent["end"]["outputs"], "coherent": outputs[end.start:end.stop]}
        difference_sheet(window, videos, args.diff, pairs=w - 1)
    exact = list(zip(clip.flows_bw, [(~d).astype(np.float32) for d in clip.disoccluded]))
    farneback = flow_masks(clip.frames, OpenCVFlow("farneback"))
    print(f"{args.clip} clip {width}x{height}, {n} frames, camera zoom {args.zoom:g}/frame, "
          f"roll {args.rotation:g} deg, pan {args.pan[0]:g},{args.pan[1]:g} px, "
          f"{'no objects, ' if args.no_objects else ''}"
          f"{extra or 'defaults'}, scale "
          f"{common['scale']:g}; coherent / independent, windows of {w} frames")
    held = []
    for name, r in windows.items():
        ours, theirs = outputs[r.start:r.stop], independent[name]["outputs"]
        pairs = slice(r.start, r.stop - 1)
        ratios = [ratio(e_warp(ours, refs[pairs]), e_warp(theirs, refs[pairs]))
                  for refs in (exact, farneback)]
        following = [i - r.start for i in r if i > 0]
        loss = (np.mean([coherent["losses"][r.start + i] for i in following])
                / np.mean([independent[name]["losses"][i] for i in following]))
        sharp = (sharpness([ours[0]] + [ours[i] for i in following])
                 / sharpness([theirs[0]] + [theirs[i] for i in following]))
        held.append(sharp)
        floor = ratio(e_warp(clip.frames[r.start:r.stop], exact[pairs]), e_warp(theirs, exact[pairs]))
        print(f"  frames {r.start}-{r.stop - 1}: E_warp exact flow {ratios[0]:.3f} (floor, the input "
              f"clip's own: {floor:.3f}), Farneback {ratios[1]:.3f}; loss {loss:.3f}; sharpness {sharp:.3f}")
    entered = entered_since(clip.flows_bw, 0, n - 1)
    if entered.any():
        last_ours, last_theirs = outputs[n - 1], independent["end"]["outputs"][-1]
        print(f"  brought into view by the camera since frame 0 ({entered.mean():.0%} of frame {n - 1}): "
              f"sharpness {region_sharpness(last_ours, entered) / region_sharpness(last_theirs, entered):.3f}"
              f" the independent frame's (the rest of the frame: "
              f"{region_sharpness(last_ours, ~entered) / region_sharpness(last_theirs, ~entered):.3f})")
    print(f"  sharpness kept, end / start (each against its independent frames): "
          f"{held[1] / held[0]:.3f}   (target >= 0.9)")
    print("  coherent sharpness per frame: "
          + " ".join(f"{sharpness([o, o]):.1f}" for o in outputs))


def write_frames(folder: Path, coherent: list, independent: dict, windows: dict) -> None:
    """coherent_NNN.png for every frame, independent_NNN.png for the windows' frames (RGB uint8)."""
    folder.mkdir(parents=True, exist_ok=True)
    named = [(f"coherent_{i:03d}", frame) for i, frame in enumerate(coherent)]
    named += [(f"independent_{i:03d}", frame) for name, r in windows.items()
              for i, frame in zip(r, independent[name]["outputs"])]
    for stem, frame in named:
        cv2.imwrite(str(folder / f"{stem}.png"), cv2.cvtColor(np.asarray(frame), cv2.COLOR_RGB2BGR))
    print(f"  frames -> {folder}")


def ratio(value: float, reference: float) -> float:
    """value / reference; nan when the reference is 0 (a still camera: identical frames)."""
    return value / reference if reference > 0 else float("nan")


if __name__ == "__main__":
    main(sys.argv[1:])
