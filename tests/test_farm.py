"""The render farm with real Dask: a LocalCluster renders a style clip in 3 segments like the
in-process render and with invisible seams; a scheduler and two workers started as processes take
a job by ``--scheduler``, survive a worker killed mid-segment, and refuse a second submission of
the same preset. Every process a test starts is stopped in a ``finally``."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from camera_path import camera_clip
from seams import seam_report
from dreamvideo.cli import main
from dreamvideo.config import SegmentsConfig
from dreamvideo.engine import plan_segments

SIZE = (64, 48)
PRESET = """\
effect: style
source: {sequence: "CLIP"}
output: {path: OUT, fps: 12, frames: FRAMES}
style: {images: [style.png], iterations: {first: 10, next: 6}, temporal_weight: 150}
segments: {frames: SEGMENT, overlap: OVERLAP}
seed: 3
"""
REPO = Path(__file__).resolve().parent.parent


def make_job(folder: Path, frames: int, segment: int, overlap: int, output: str = "out"):
    (folder / "clip").mkdir(parents=True, exist_ok=True)
    clip = camera_clip(SIZE, frames)
    for index, frame in enumerate(clip.frames):
        cv2.imwrite(str(folder / "clip" / f"{index:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    blocks = np.random.default_rng(3).integers(0, 255, (12, 12, 3), np.uint8)
    cv2.imwrite(str(folder / "style.png"), cv2.resize(blocks, (64, 64), interpolation=cv2.INTER_NEAREST))
    preset = folder / "job.yaml"
    preset.write_text(PRESET.replace("CLIP", str(folder / "clip" / "%04d.png")).replace("OUT", output).replace("FRAMES", str(frames))
                      .replace("SEGMENT", str(segment)).replace("OVERLAP", str(overlap)))
    return preset, clip


def read_frames(folder: Path) -> list[np.ndarray]:
    return [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in sorted(folder.glob("*.png"))]


def test_local_cluster_renders_segments_like_in_process_with_invisible_seams(tmp_path):
    frames, segment, overlap = 18, 6, 4
    preset, clip = make_job(tmp_path, frames, segment, overlap)
    assert main(["render", str(preset), "--workers", "2", "--keep-work", "--quiet"]) == 0
    assert main(["render", str(preset), "--quiet", "--set", "output.path=local"]) == 0
    farm, local = read_frames(tmp_path / "out"), read_frames(tmp_path / "local")
    assert len(farm) == len(local) == frames
    assert {f.shape for f in farm} == {(SIZE[1], SIZE[0], 3)}
    for index, frame in enumerate(farm):  # same order: each farm frame is closest to its own
        gaps = [np.abs(frame.astype(int) - other).mean() for other in local]
        assert int(np.argmin(gaps)) == index and gaps[index] < 1.0
    plan = plan_segments(frames, SegmentsConfig(frames=segment, overlap=overlap))
    report = seam_report(farm, tmp_path / "out.work", plan, clip)
    assert len(report) == 2
    assert all(seam["ratio"] <= 1.2 for seam in report), report  # the seams do not show
    assert all(seam["hard_cut"] > 1.3 for seam in report), report  # without the cross-fade they would


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL to the whole process group (a nanny's worker child too)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=20)


@pytest.fixture()
def dask_processes(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1; yields the address."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    dask = str(Path(sys.executable).parent / "dask")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    commands = [[dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"]]
    commands += [[dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--name", name,
                  "--host", "127.0.0.1", "--no-dashboard"] for name in ("w1", "w2")]
    processes = []
    try:
        for command in commands:
            log = open(tmp_path / f"{Path(command[0]).name}-{len(processes)}.log", "w")
            processes.append(subprocess.Popen(command, stdout=log, stderr=log, env=env, start_new_session=True))
            time.sleep(1 if not processes[1:] else 0)
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            stop(process)


def test_scheduler_processes_take_a_job_refuse_a_concurrent_one_and_survive_kill_9(tmp_path, dask_processes):
    from distributed import Client

    frames, segment, overlap = 15, 5, 2
    preset, _ = make_job(tmp_path, frames, segment, overlap)
    preset.write_text(preset.read_text().replace("next: 6", "next: 12"))  # slow enough to interrupt
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-m", "dreamvideo", "render", str(preset), "--scheduler", dask_processes,
               "--progress", "json", "--keep-work"]
    submissions = [subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, start_new_session=True) for _ in range(2)]
    try:
        with Client(dask_processes, timeout="30s") as client:
            victim = sorted(client.run(os.getpid).values())[0]  # a worker process (its nanny restarts it)
        deadline = time.monotonic() + 120
        while all(s.poll() is None for s in submissions) and time.monotonic() < deadline:
            time.sleep(0.2)
        refused = next(s for s in submissions if s.poll() is not None)  # the same preset, at the same time
        submit = next(s for s in submissions if s is not refused)
        assert refused.returncode == 2
        assert f"is being rendered by pid {submit.pid} on " in refused.stderr.read()

        total = sum(s.length for s in plan_segments(frames, SegmentsConfig(frames=segment, overlap=overlap)))
        records = []
        for line in submit.stdout:
            records.append(json.loads(line))
            if records[-1].get("stage") == "render" and records[-1]["frame"] >= 3:
                break
        assert records[-1].get("job") == "job"
        work = tmp_path / "out.work"
        assert len(list(work.rglob("[0-9]*.png"))) < total - 4, "too late to kill a worker mid-segment"
        os.kill(victim, signal.SIGKILL)  # mid-segment: both workers are busy with a segment
        done_before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in work.rglob("[0-9]*.png")}

        records += [json.loads(line) for line in submit.stdout]
        assert submit.wait(timeout=300) == 0, submit.stderr.read()
    finally:
        for submission in submissions:
            stop(submission)
    assert records[-1]["stage"] == "done" and records[-1]["frame"] == total
    output = read_frames(tmp_path / "out")
    assert len(output) == frames and {f.shape for f in output} == {(SIZE[1], SIZE[0], 3)}
    assert all((p.stat().st_ino, p.stat().st_mtime_ns) == stamp for p, stamp in done_before.items()), \
        "a finished frame was written again"
    assert not (tmp_path / "out.work.lock").exists()
