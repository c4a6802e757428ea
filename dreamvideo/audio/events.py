"""Beats, onsets and tempo, by librosa's trackers (the optional extra ``dreamvideo[audio]``), and
the pulse train they make."""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from .bands import HOP
from .decode import Track


def _librosa(key: str):
    try:
        import librosa
    except ImportError:
        raise UserError(f"{key}: beats, onsets and tempo need librosa: pip install 'dreamvideo[audio]'") from None
    return librosa


def event_times(track: Track, kind: str, *, key: str) -> np.ndarray:
    """Seconds of each beat (``kind="beats"``) or onset (``"onsets"``) in ``track``."""
    librosa = _librosa(key)
    # one onset strength for both (averaged over mel bands: a hit in one band counts too)
    strength = librosa.onset.onset_strength(y=track.samples, sr=track.rate, hop_length=HOP)
    if kind == "beats":
        _, times = librosa.beat.beat_track(onset_envelope=strength, sr=track.rate, hop_length=HOP, units="time")
    else:
        times = librosa.onset.onset_detect(onset_envelope=strength, sr=track.rate, hop_length=HOP, units="time")
    return np.asarray(times, np.float64)


def tempo(track: Track, *, key: str) -> float:
    """The track's tempo in beats per minute: the slope of a line fitted through its tracked
    beats (finer than the tracker's own estimate, which its hop quantises), to 0.1 bpm (beats
    land on 11.6 ms steps: a finer figure would be noise)."""
    beats = event_times(track, "beats", key=key)
    if len(beats) < 4:
        raise UserError(f"{key}: found no steady beat in the track (tracked {len(beats)} beats); give bpm as a number")
    period = np.polyfit(np.arange(len(beats)), beats, 1)[0]
    return round(float(60.0 / period), 1)


def pulses(times: np.ndarray, length: int, rate: float, attack: float) -> np.ndarray:
    """A gate of 1 for ``attack`` seconds (at least one step) at each event, 0 elsewhere, on a
    grid of ``length`` steps at ``rate`` Hz: the follower makes each gate a pulse."""
    gate = np.zeros(length)
    width = max(1, round(attack * rate))
    for start in np.round(times * rate).astype(np.int64):
        gate[max(start, 0):max(start + width, 0)] = 1.0
    return gate
