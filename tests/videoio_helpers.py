"""Shared by the videoio tests: a moving gradient clip written through a sink, and the ffmpeg
children of the test process (to check nothing is left running)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dreamvideo import videoio
from dreamvideo.videoio import open_sink

N_FRAMES = 10


def gradient(index: int, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """A smooth colour gradient that moves 2 px right per frame."""
    width, height = size
    x = np.arange(width, dtype=np.float32)[None, :] - 2 * index
    y = np.arange(height, dtype=np.float32)[:, None]
    r = 128 + 100 * np.sin(x / 9.0) + 0 * y
    g = 128 + 100 * np.cos(y / 7.0) + 0 * x
    b = 40 + (2 * (x + y)) % 180  # a sawtooth: sharp edges
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255).astype(np.uint8)


def write_clip(path: Path, size=(64, 48), n=N_FRAMES, **kwargs) -> videoio.FrameSink:
    kwargs.setdefault("fps", 10)
    with open_sink(path, size=size, **kwargs) as sink:
        for i in range(n):
            sink.write(gradient(i, size))
    return sink


def ffmpeg_children() -> list[int]:
    """Pids of child processes of this test process that run ffmpeg (zombies included)."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[1] == me and ("ffmpeg" in stat or b"ffmpeg" in cmdline):
            found.append(int(entry.name))
    return found
