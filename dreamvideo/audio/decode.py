"""A track decoded by the ffmpeg that imageio-ffmpeg ships: mono float samples at one rate."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from ..errors import InputError

RATE = 22050  # Hz: enough for every band (up to 11 kHz) and what librosa's trackers expect


@dataclass(frozen=True)
class Track:
    """Mono samples (float32, -1..1) at ``rate`` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def read_track(path: Path, *, rate: int = RATE, key: str = "audio") -> Track:
    """Decode the first audio stream of ``path``, mixed to mono; InputError naming ``key`` when
    ffmpeg cannot read it (not a media file, no audio stream)."""
    samples, problem = _decode(path, rate)
    if problem:
        raise InputError(f"{key}: {problem}")
    return Track(samples, rate)


def track_problem(path: Path) -> str | None:
    """Why ``path`` is no audio track (its first tenth of a second decoded), or None."""
    return _decode(path, RATE, seconds=0.1)[1]


def _decode(path: Path, rate: int, seconds: float | None = None) -> tuple[np.ndarray, str | None]:
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error",
           "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(rate)]
    cmd += ["-t", str(seconds)] if seconds else []
    result = subprocess.run(cmd + ["-f", "f32le", "pipe:1"], capture_output=True)
    if result.returncode != 0 or not result.stdout:
        why = result.stderr.decode(errors="replace").strip().splitlines()
        reason = why[-1] if why else "no audio samples"
        return np.zeros(0, np.float32), f"not a readable audio track: {path} ({reason})"
    return np.frombuffer(result.stdout, np.float32).copy(), None
