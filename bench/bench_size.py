"""Does a zoom look the same at the size people render as in its preview? And what does cadence save?

    python bench/bench_size.py [PRESET ...] [--frames 12] [--full 1920] [--out /tmp/bench_size]
        [--sheets docs/zoom/size] [--set KEY=VALUE ...]
    python bench/bench_size.py --cadence PRESET [--frames 25] [--full 1920] [--cadences 1 4]
    python bench/bench_size.py --stats CLIP [--loop PRESET]   # a finished render, e.g. the full VJ loop

Size: each preset is rendered through the real engine at ``--small`` px wide (default its design
width, ``dream.design_width``: the preview) and at ``--full`` px wide (the preset's aspect), ``--frames`` frames each, both
written as PNG sequences. Both are seen at the preview size (the full-size frames area-averaged
down) and compared:

* the dream's change to frame 0: mean |frame 0 - source| (levels), full over preview
  (target >= 0.8; the source is the same picture at both sizes);
* Laplacian band energies (``zoom.stationary.band_energy``, 5 levels, fine to coarse) of the last
  frame, full over preview per level (target within x1.25 at every level);
* the stationarity measures of ``zoom/metrics.py`` on the full-size frames themselves (pattern
  scale drift, worst clipped share, saturation drift; targets x1.2, 3 %, x1.2) — meaningful from
  ~120 frames on;
* the full size's own fine detail: the finest Laplacian band (RMS) of each full-size frame, its
  drift (last 10 % over frames 5-15 %, the worst 10 % window too; >= 1 either way): a zoom whose
  refinement falls behind the camera turns into a soft enlargement at 100 % while its picture
  seen small holds (the pattern scale, measured on the whole frame, barely sees it);
* CPU seconds per frame of each render after its opening frame (this process's CPU time:
  comparable on a shared machine).

The estimator is not the render's own: the render locks a blurred area average to its design-size
dream; the bench compares plain area averages and band energies of the finished uint8 frames.
Floor: two preview renders with different seeds differ by the band-energy spread printed with
``--floor``.

A sheet per preset: the preview's frames, the full-size frames area-averaged to the preview size,
and 100 % crops of the full-size frames (the middle of the frame).

Cadence: the preset at ``--full`` with ``zoom.cadence`` 1 and N side by side: CPU seconds per
output frame (ratio), and the pulse: mean |frame t+1 - frame t| at transitions onto a keyframe
over that between in-between frames (target within x1.3), and the fine detail (band 0 energy at
full size) of the in-between frames over the keyframes' (dip target <= 10 %).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from dreamvideo.config import load_preset
from dreamvideo.engine import render
from dreamvideo.videoio import SequenceSource
from dreamvideo.components.sources import source_for
from dreamvideo.zoom.metrics import (clip_stats, clipped_share, drift, mean_saturation, pattern_scale,
                                      summary, windows, worst_drift)
from dreamvideo.zoom.refine import down
from dreamvideo.zoom.stationary import band_energy

sys.path.insert(0, str(Path(__file__).parent))
from contact_sheet import write_png  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ZOOM_PRESETS = ["quickstart", "zoom_out", "preview", "spiral_zoom", "guide_dream", "vj_loop_1080p",
                "vj_beat_loop", "music_video"]  # every shipped dream_zoom preset with a design width
CROP = (480, 270)  # px of a full-size frame shown at 100 %


def sized(name: str, width: int, frames: int, out: Path, overrides: list[str]):
    path = ROOT / "presets" / f"{name}.yaml"
    aspect = load_preset(path).output.size or (640, 360)
    height = round(width * aspect[1] / aspect[0] / 2) * 2
    return load_preset(path, [f"output.size=[{width},{height}]", f"output.frames={frames}",
                              f"output.path={out}", "output.codec=png", "output.loop=false",
                              "output.audio=null", *overrides])  # PNG frames carry no sound track


def render_cpu(preset) -> tuple[list[np.ndarray], float]:
    """Frames of a fresh render and the CPU seconds per frame after the opening frame (rendered
    first on its own: its long first dream is paid once per clip, whatever its length)."""
    opening = preset.model_copy(update={"output": preset.output.model_copy(update={"frames": 1})})
    render(opening, overwrite=True, keep_work=True)
    shutil.rmtree(preset.output.path)
    start = time.process_time()
    render(preset, overwrite=True)
    seconds = (time.process_time() - start) / (preset.output.frames - 1)
    return list(SequenceSource(preset.output.path).frames()), seconds


def compare(name: str, args) -> dict:
    design = args.small or load_preset(ROOT / "presets" / f"{name}.yaml").dream.design_width
    if design is None:
        raise SystemExit(f"{name}: no dream.design_width (give --small)")
    previews, full = [sized(name, width, args.frames, args.out / f"{name}_{width}", args.overrides)
                      for width in (design, args.full)]
    small, small_cpu = render_cpu(previews)
    large, large_cpu = render_cpu(full)
    size = (small[0].shape[1], small[0].shape[0])
    seen = [down(frame, size) for frame in large]
    source_small = next(source_for(previews).frames()).astype(np.float32)
    source_large = down(next(source_for(full).frames()), size)
    change = (np.abs(seen[0] - source_large).mean(), np.abs(small[0].astype(np.float32) - source_small).mean())
    bands = np.array(band_energy(seen[-1])) / np.array(band_energy(small[-1].astype(np.float32)))
    stats = summary(clip_stats(large))
    fine = fine_detail(large)
    if args.sheets:
        write_png(args.sheets / f"{name}_{args.full}.png", sheet(small, seen, large))
    return {"preset": name, "frames": args.frames, "change_ratio": change[0] / change[1],
            "change": change, "bands": bands.round(3).tolist(), "scale_drift": stats["scale_drift"],
            "clipped_max": stats["clipped_max"], "saturation_drift": stats["saturation_drift"],
            **detail_stats(fine), "cpu_per_frame": (small_cpu, large_cpu)}


def fine_detail(frames: list[np.ndarray]) -> np.ndarray:
    """The finest Laplacian band's RMS of each frame at its own size (what a 100 % crop shows)."""
    return np.array([band_energy(frame.astype(np.float32), 2)[0] for frame in frames])


def detail_stats(fine: np.ndarray) -> dict:
    early, late = windows(len(fine))
    return {"detail_early": float(np.median(fine[early])), "detail_late": float(np.median(fine[late])),
            "detail_drift": drift(fine), "detail_worst": worst_drift(fine), "detail_opening": float(fine[0])}


def sheet(small: list[np.ndarray], seen: list[np.ndarray], large: list[np.ndarray], count: int = 3) -> np.ndarray:
    """Rows: preview frames | full-size frames seen at the preview size | 100 % crops of them."""
    picks = np.linspace(0, len(small) - 1, count).round().astype(int)
    width = small[0].shape[1]
    height, full_height, full_width = small[0].shape[0], large[0].shape[0], large[0].shape[1]
    crop_w, crop_h = min(CROP[0], full_width), min(CROP[1], full_height)
    y0, x0 = (full_height - crop_h) // 2, (full_width - crop_w) // 2
    scale = crop_h / height  # preview tiles shown at the crop's height, pixels repeated
    tile = (round(width * scale), crop_h)
    rows = []
    for index in picks:
        preview = cv2.resize(small[index], tile, interpolation=cv2.INTER_NEAREST)
        shrunk = cv2.resize(np.clip(seen[index], 0, 255).astype(np.uint8), tile, interpolation=cv2.INTER_NEAREST)
        crop = large[index][y0:y0 + crop_h, x0:x0 + crop_w]
        rows.append(np.hstack([preview, _gap(crop_h), shrunk, _gap(crop_h), crop]))
    return np.vstack([np.vstack([row, np.full((6, row.shape[1], 3), 24, np.uint8)]) for row in rows])


def _gap(height: int) -> np.ndarray:
    return np.full((height, 6, 3), 24, np.uint8)


def cadence_run(name: str, args) -> dict:
    """CPU per output frame and the pulse, cadence 1 against each of ``args.cadences``."""
    results = {}
    for cadence in args.cadences:
        preset = sized(name, args.full, args.frames, args.out / f"{name}_cadence{cadence}",
                       [f"zoom.cadence={cadence}", *args.overrides])
        frames, cpu = render_cpu(preset)
        results[cadence] = {"cpu_per_frame": cpu, **pulse(frames, cadence)}
    base = results[args.cadences[0]]["cpu_per_frame"]
    for cadence, result in results.items():
        result["cost_ratio"] = result["cpu_per_frame"] / base
    return results


def pulse(frames: list[np.ndarray], cadence: int) -> dict:
    """Frame-to-frame change onto keyframes over between in-betweens, and fine detail of the
    in-between frames over the keyframes'."""
    change = [np.abs(b.astype(np.float32) - a.astype(np.float32)).mean() for a, b in zip(frames, frames[1:])]
    onto_key = [c for t, c in enumerate(change, 1) if t % cadence == 0]
    between = [c for t, c in enumerate(change, 1) if t % cadence not in (0, 1)] or change
    fine = fine_detail(frames)
    keys = [f for t, f in enumerate(fine) if t % cadence == 0]
    middles = [f for t, f in enumerate(fine) if t % cadence == cadence // 2] or keys
    return {"change_onto_key": float(np.mean(onto_key)), "change_between": float(np.mean(between)),
            "pulse_ratio": float(np.mean(onto_key) / np.mean(between)),
            "detail_middle_over_key": float(np.mean(middles) / np.mean(keys))}


def long_stats(clip: Path, preset_name: str | None) -> dict:
    """Stationarity of a finished clip (a video or a folder of frames) at its own size, and the
    loop seam (seam step over the median step) when ``preset_name`` loops."""
    from dreamvideo.effects.dream_zoom import transition_errors
    from dreamvideo.videoio import VideoSource

    source = SequenceSource(clip) if clip.is_dir() else VideoSource(clip)
    frames = list(source.frames())
    scale = np.array([pattern_scale(frame) for frame in frames])
    saturation = np.array([mean_saturation(frame) for frame in frames])
    result = {"frames": len(frames), "size": frames[0].shape[1::-1], "scale_early": float(np.median(scale[windows(len(scale))[0]])),
              "scale_late": float(np.median(scale[windows(len(scale))[1]])), "scale_drift": drift(scale),
              "scale_worst": worst_drift(scale), "clipped_max": max(clipped_share(frame) for frame in frames),
              "saturation_drift": drift(saturation), "saturation_worst": worst_drift(saturation),
              **detail_stats(fine_detail(frames))}
    if preset_name:
        zoom = load_preset(ROOT / "presets" / f"{preset_name}.yaml").zoom
        steps, seam = transition_errors(frames, zoom, closing=True)
        result["seam_ratio"] = seam / float(np.median(steps))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("presets", nargs="*", default=ZOOM_PRESETS)
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--full", type=int, default=1920, help="full width, px")
    parser.add_argument("--small", type=int, help="preview width, px (default: the design width)")
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench_size"))
    parser.add_argument("--sheets", type=Path, help="write a sheet per preset here")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--cadence", metavar="PRESET", help="compare zoom.cadence values instead")
    parser.add_argument("--cadences", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--stats", type=Path, metavar="CLIP", help="stationarity of a finished render")
    parser.add_argument("--loop", metavar="PRESET", help="with --stats: also the loop seam, camera of PRESET")
    args = parser.parse_args()
    if args.stats:
        print(json.dumps(long_stats(args.stats, args.loop), default=float))
        return
    if args.cadence:
        print(json.dumps(cadence_run(args.cadence, args), indent=1, default=float))
        return
    for name in args.presets:
        print(json.dumps(compare(name, args), default=float), flush=True)


if __name__ == "__main__":
    main()
