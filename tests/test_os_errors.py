"""Operating-system errors through the real CLI: a disk that fills up mid-render, a folder
without write permission, a read-only work folder, an output folder deleted mid-run. Each ends in
one line on stderr, exit status 74, no traceback; after a full disk is given space back the same
command resumes and gives byte-identical frames.

A small disk is a real tmpfs (``mount -t tmpfs``, root only; skipped where mounting is not
allowed). Missing write permission is real too: the CLI runs as a process that cannot override
file permissions (a non-root user, or root with CAP_DAC_OVERRIDE dropped by ``setpriv``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dreamvideo.cli import EXIT_OS_ERROR, main

PRESET = """\
effect: dream_zoom
source: {noise: {seed: 5}}
output: {path: OUT, fps: 12, frames: 8, size: [48, 32]}
dream: {steps: 2, objective: [{layer: block3_conv1}], jitter: 4}
zoom: {scale: 1.05, rotate: 2}
seed: 11
"""
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
          "--inh-caps=-dac_override,-dac_read_search"]


def write_preset(folder: Path, output: Path) -> Path:
    path = folder / "p.yaml"
    path.write_text(PRESET.replace("OUT", str(output)))
    return path


def run_cli(*args: str, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "dreamvideo", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def mount(*args: str) -> bool:
    return shutil.which("mount") is not None and subprocess.run(
        ["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 256 kB tmpfs (skip where it cannot be mounted)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or not mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)):
        pytest.skip("mounting a tmpfs needs root")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.fixture
def no_override() -> list[str]:
    """A command prefix under which file permissions apply (skip when there is none)."""
    prefix = [] if os.geteuid() != 0 else NO_DAC
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop root's permission override")
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"dreamvideo-probe-{os.getpid()}"
    probe.mkdir(mode=0o555)
    try:
        if subprocess.run([*prefix, "touch", str(probe / "x")], capture_output=True).returncode == 0:
            pytest.skip("this process cannot be kept from writing a read-only folder")
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    return prefix


def fill(disk: Path, leave: int) -> Path:
    """A file that leaves about ``leave`` bytes free on ``disk``."""
    filler = disk / "filler"
    filler.write_bytes(b"\0" * max(0, shutil.disk_usage(disk).free - leave))
    return filler


def test_disk_full_mid_render_is_one_line_and_the_rerun_resumes_identically(tmp_path, small_disk, capsys):
    reference = tmp_path / "reference"
    assert main(["render", str(write_preset(tmp_path, reference)), "--quiet"]) == 0
    preset = write_preset(tmp_path, small_disk / "frames")
    fill(small_disk, leave=40_000)  # the settings and a few 48x32 frames fit, not eight

    assert main(["render", str(preset), "--quiet"]) == EXIT_OS_ERROR
    line = one_line(capsys.readouterr().err)
    assert line.startswith("dreamvideo: error: disk full: could not write ")
    assert str(small_disk / "frames.work") in line and "free in" in line
    assert "running the same command again resumes" in line
    done = sorted((small_disk / "frames.work" / "frames").glob("*.png"))
    assert 1 <= len(done) < 8
    assert not list((small_disk / "frames.work" / "frames").glob(".*"))  # no partial frame left

    assert mount("-o", "remount,size=64m", str(small_disk))  # space given back
    assert main(["render", str(preset), "--progress", "json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert next(r for r in records if r["stage"] == "render")["frame"] == len(done)  # resumed
    names = sorted(p.name for p in reference.glob("*.png"))
    assert len(names) == 8 and sorted(p.name for p in (small_disk / "frames").glob("*.png")) == names
    for name in names:
        assert (small_disk / "frames" / name).read_bytes() == (reference / name).read_bytes()


@pytest.mark.parametrize("output", ["clip.mp4", "frames"])
def test_disk_full_while_encoding_is_one_line(tmp_path, small_disk, capsys, output):
    preset = write_preset(tmp_path, small_disk / output)
    assert main(["render", str(preset), "--quiet", "--keep-work"]) == 0
    shutil.rmtree(small_disk / output) if output == "frames" else (small_disk / output).unlink()
    fill(small_disk, leave=12_000)  # the frames are made; the lock fits, the output does not
    assert main(["render", str(preset), "--quiet"]) == EXIT_OS_ERROR
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"dreamvideo: error: disk full: could not write {small_disk}/{Path(output).stem}")
    assert not (small_disk / output).exists() and not list(small_disk.glob("*.partial*"))
    assert len(list((small_disk / f"{output}.work" / "frames").glob("*.png"))) == 8  # kept


def test_read_only_disk_is_one_line(tmp_path, small_disk, capsys):
    preset = write_preset(tmp_path, small_disk / "clip.mp4")
    assert mount("-o", "remount,ro", str(small_disk))
    assert main(["render", str(preset), "--quiet"]) == EXIT_OS_ERROR
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"dreamvideo: error: read-only file system: {small_disk}/")
    assert "choose an output path on a writable disk" in line


def test_read_only_output_folder_is_one_line(tmp_path, no_override):
    folder = tmp_path / "shared"
    folder.mkdir()
    preset = write_preset(tmp_path, folder / "clip.mp4")
    folder.chmod(0o555)
    try:
        result = run_cli("render", str(preset), "--quiet", prefix=no_override)
    finally:
        folder.chmod(0o755)
    assert result.returncode == EXIT_OS_ERROR
    line = one_line(result.stderr)
    assert line.startswith(f"dreamvideo: error: permission denied: {folder}/")
    assert list(folder.iterdir()) == []


def test_read_only_work_folder_is_one_line(tmp_path, no_override, capsys):
    preset = write_preset(tmp_path, tmp_path / "frames")
    assert main(["render", str(preset), "--quiet", "--keep-work"]) == 0
    shutil.rmtree(tmp_path / "frames")
    frames = tmp_path / "frames.work" / "frames"
    for made in sorted(frames.glob("*.png"))[2:]:  # frames 0, 1 stay; 2.. are to be made again
        made.unlink()
    frames.chmod(0o555)
    try:
        result = run_cli("render", str(preset), "--quiet", prefix=no_override)
    finally:
        frames.chmod(0o755)
    assert result.returncode == EXIT_OS_ERROR
    line = one_line(result.stderr)
    assert line.startswith(f"dreamvideo: error: permission denied: {frames}/")
    assert sorted(p.name for p in frames.iterdir()) == ["000000.png", "000001.png"]


def test_output_folder_moved_away_mid_render_is_one_line(tmp_path):
    folder = tmp_path / "out"
    preset = write_preset(tmp_path, folder / "frames")
    proc = subprocess.Popen([sys.executable, "-m", "dreamvideo", "render", str(preset), "--progress",
                             "json", "--set", "output.frames=400"],  # never done before the move
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    try:
        for line in proc.stdout:
            record = json.loads(line)
            if record["stage"] == "render" and record["frame"] >= 2:
                folder.rename(tmp_path / "moved")  # atomic: the folder vanishes between two frames
                break
        proc.stdout.read()
        assert proc.wait(timeout=120) == EXIT_OS_ERROR
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    line = one_line(proc.stderr.read())
    assert line.startswith(f"dreamvideo: error: no such file or folder: {folder}/frames.work/")
    assert "moved or deleted during the run" in line
