"""Regenerate ``beat_128.flac``, the example track of the music presets (deterministic).

15 s at 128 bpm (32 beats, 8 bars of 4/4), mono 22050 Hz: a kick on every beat (low band), a
snare on 2 and 4 and hats on the off-beats (high band), a bass note that swells over bars 1-4 and
fades over 5-8 (low band), chords that enter in bar 5 (mid band). Written with the ffmpeg that
imageio-ffmpeg ships.
"""

from pathlib import Path
import subprocess

import imageio_ffmpeg
import numpy as np

HERE = Path(__file__).parent
RATE = 22050
BPM = 128
BEATS = 32


def hit(length_s: float, decay_s: float) -> np.ndarray:
    t = np.arange(int(length_s * RATE)) / RATE
    return np.exp(-t / decay_s)


def kick() -> np.ndarray:
    t = np.arange(int(0.35 * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(45 + 75 * np.exp(-t / 0.04)) / RATE  # 120 -> 45 Hz
    return 0.9 * np.sin(phase) * hit(0.35, 0.12)


def noise_hit(rng, length_s, decay_s, high: bool) -> np.ndarray:
    noise = rng.standard_normal(int(length_s * RATE))
    if high:
        noise = np.diff(noise, prepend=0.0)  # tilt to the highs
    else:
        noise = np.convolve(noise, np.ones(6) / 6, mode="same")  # a snare's body
    return noise * hit(length_s, decay_s)


def track() -> np.ndarray:
    rng = np.random.default_rng(128)
    beat = 60.0 / BPM
    seconds = BEATS * beat
    out = np.zeros(int(seconds * RATE) + RATE)
    t = np.arange(len(out)) / RATE

    def place(sound, at):
        start = int(round(at * RATE))
        out[start:start + len(sound)] += sound[:len(out) - start]

    for n in range(BEATS):
        place(kick(), n * beat)
        if n % 4 in (1, 3):
            place(0.35 * noise_hit(rng, 0.25, 0.07, high=False), n * beat)
        place(0.12 * noise_hit(rng, 0.08, 0.015, high=True), (n + 0.5) * beat)
    half = seconds / 2
    swell = np.clip(np.where(t < half, t / half, (seconds - t) / half), 0, 1)
    out += 0.35 * swell * np.sin(2 * np.pi * 55 * t)  # A1 bass
    chords = np.clip((t - half) / 1.5, 0, 1) * (t < seconds)
    for hz in (220.0, 277.18, 329.63):  # A major
        out += 0.07 * chords * np.sin(2 * np.pi * hz * t + np.sin(2 * np.pi * 3 * t))
    out = out[:int(seconds * RATE)]
    return (0.9 * out / np.abs(out).max()).astype(np.float32)


def main() -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "f32le", "-ar", str(RATE),
                    "-ac", "1", "-i", "pipe:0", "-sample_fmt", "s16", str(HERE / "beat_128.flac")],
                   input=track().tobytes(), check=True)


if __name__ == "__main__":
    main()
