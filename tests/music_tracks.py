"""Generated tracks with known answers: clicks at known times over a tone that swells."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np

RATE = 44100
CLICKS = (0.5, 1.3, 2.0, 3.7, 4.45, 5.2)  # seconds
SECONDS = 6.0
TONE_HZ = 80.0  # in the low band; the clicks (4 kHz bursts) are in the high band


def swell(t: np.ndarray) -> np.ndarray:
    """The tone's amplitude (0..1): up over the first half, down over the second."""
    return np.clip(1.0 - np.abs(t - SECONDS / 2) / (SECONDS / 2), 0.0, 1.0)


def click_track(path: Path, clicks=CLICKS, seconds: float = SECONDS, tone: bool = True) -> Path:
    """A WAV of 5 ms 4 kHz bursts at ``clicks`` over an 80 Hz tone whose amplitude is ``swell``."""
    t = np.arange(int(RATE * seconds)) / RATE
    samples = 0.5 * swell(t) * np.sin(2 * np.pi * TONE_HZ * t) if tone else np.zeros_like(t)
    burst = int(0.005 * RATE)
    for click in clicks:
        start = int(round(click * RATE))
        samples[start:start + burst] += 0.8 * np.sin(2 * np.pi * 4000 * np.arange(burst) / RATE) * np.hanning(burst)
    return write_wav(path, samples)


def metronome(path: Path, bpm: float, seconds: float) -> Path:
    """Clicks on every beat at ``bpm`` from 0.25 s on, no tone."""
    return click_track(path, clicks=tuple(np.arange(0.25, seconds - 0.1, 60.0 / bpm)), seconds=seconds, tone=False)


def write_wav(path: Path, samples: np.ndarray) -> Path:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "f32le", "-ar",
                    str(RATE), "-ac", "1", "-i", "pipe:0", str(path)],
                   input=samples.astype(np.float32).tobytes(), check=True)
    return path
