"""Render farm: in-process vs ``--workers 2`` on a style clip, and the farm's own overhead.

1. Wall time of ``dreamvideo render P.yaml`` in-process and with ``--workers 2`` (LocalCluster),
   run one after the other as a user would (both include start-up: TensorFlow, the network), on
   the same segmented preset; the frames must agree. On a 2-core machine expect no speed-up: the
   in-process render already uses both cores inside TensorFlow, and each worker loads its own
   TensorFlow and network.
2. Scheduling overhead per frame at 320 px: one warm worker (its network already built), each
   segment submitted as the farm does; overhead = the client's wall time for the task minus the
   time spent inside it, per frame, as a share of a frame's time (target <= 5 %). Also the seam
   merge's cost per cross-faded frame and the share of warm-up frames (overlap / segment).

Run: ``python bench/bench_farm.py [--size 160x96] [--frames 24] [--segment 8] [--overlap 2]``.
Timings on a shared machine are noisy: read the ratios, measured side by side in one run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from camera_path import camera_clip  # noqa: E402

PRESET = """\
effect: style
source: {{sequence: "{clip}"}}
output: {{path: {out}, fps: 24, frames: {frames}}}
style: {{images: [style.png], iterations: {{first: {first}, next: {next}}}, scale: 0.5}}
segments: {{frames: {segment}, overlap: {overlap}}}
"""


def make_job(folder: Path, size, frames: int, segment: int, overlap: int, first: int, next_: int) -> Path:
    (folder / "clip").mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(camera_clip(size, frames).frames):
        cv2.imwrite(str(folder / "clip" / f"{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    blocks = np.random.default_rng(3).integers(0, 255, (12, 12, 3), np.uint8)
    cv2.imwrite(str(folder / "style.png"), cv2.resize(blocks, (128, 128), interpolation=cv2.INTER_NEAREST))
    preset = folder / "job.yaml"
    preset.write_text(PRESET.format(clip=folder / "clip" / "%04d.png", out="out", frames=frames, first=first,
                                    next=next_, segment=segment, overlap=overlap))
    return preset


def timed_render(preset: Path, output: str, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dreamvideo", "render", str(preset), "--quiet", "--overwrite",
                    "--set", f"output.path={output}", *extra], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return time.perf_counter() - started


def in_process_vs_workers(folder: Path, args) -> None:
    preset = make_job(folder, args.size, args.frames, args.segment, args.overlap, args.first, args.next)
    local = timed_render(preset, "local")
    farm = timed_render(preset, "farm", "--workers", "2")
    a = [cv2.imread(str(p)) for p in sorted((folder / "local").glob("*.png"))]
    b = [cv2.imread(str(p)) for p in sorted((folder / "farm").glob("*.png"))]
    gap = max(np.abs(x.astype(int) - y).mean() for x, y in zip(a, b))
    print(f"{args.size[0]}x{args.size[1]}, {args.frames} frames, segments {args.segment}+{args.overlap}: "
          f"in-process {local:.1f} s, --workers 2 {farm:.1f} s -> speed-up {local / farm:.2f}x "
          f"(frames agree: {len(a)} = {len(b)}, largest mean difference {gap:.2f} levels)")


def timed_segment(job, segment):
    """Runs on the worker: the farm's segment task, timed from inside."""
    from dreamvideo.farm.tasks import render_segment_task

    started = time.perf_counter()
    render_segment_task(job, segment)
    return time.perf_counter() - started


def overhead(folder: Path, args) -> None:
    from dreamvideo.config import load_preset
    from dreamvideo.engine import finish_job, open_job
    from dreamvideo.farm.cluster import dask_client
    from dreamvideo.progress import Progress

    size, frames = args.overhead_size, args.overhead_frames
    preset_path = make_job(folder, size, frames, args.overhead_segment, args.overlap, args.first, args.next)
    job, source = open_job(load_preset(preset_path))
    job.work.prepare(job.fingerprint, overwrite=True)
    segments = job.segments
    with dask_client(workers=1) as client:
        warm = client.submit(timed_segment, job, segments[0], pure=False).result()  # builds the network
        outside = inside = 0.0
        count = 0
        for segment in segments[1:]:
            started = time.perf_counter()
            inside += client.submit(timed_segment, job, segment, pure=False).result()
            outside += time.perf_counter() - started
            count += segment.length
    per_frame = inside / count
    extra = (outside - inside) / count
    started = time.perf_counter()
    finish_job(job, source, Progress("none"), overwrite=True)
    finish = time.perf_counter() - started
    merged = sum(s.keep - s.start for s in segments[1:])
    print(f"{size[0]}x{size[1]}: frame {per_frame:.2f} s inside a task; scheduling overhead {extra * 1000:.1f} ms "
          f"per frame = {100 * extra / per_frame:.2f} % of a frame (target <= 5 %); first task with the "
          f"network build {warm:.1f} s for {segments[0].length} frames; merge+encode {finish:.2f} s "
          f"({merged} cross-faded frames); warm-up share {args.overlap}/{args.overhead_segment} = "
          f"{args.overlap / args.overhead_segment:.0%} more frames per segment")


def size_arg(text: str) -> tuple[int, int]:
    width, height = text.lower().split("x")
    return int(width), int(height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=size_arg, default=(160, 96))
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--segment", type=int, default=8)
    parser.add_argument("--overlap", type=int, default=2)
    parser.add_argument("--first", type=int, default=30)
    parser.add_argument("--next", type=int, default=10)
    parser.add_argument("--overhead-size", type=size_arg, default=(320, 180))
    parser.add_argument("--overhead-frames", type=int, default=14)
    parser.add_argument("--overhead-segment", type=int, default=4)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        if not args.skip_speed:
            in_process_vs_workers(Path(temporary) / "speed", args)
        overhead(Path(temporary) / "overhead", args)


if __name__ == "__main__":
    main()
