"""From a level sampled every hop to one value per output frame: an attack/release follower,
the loudest moment as 1, each frame's peak, and the mapping onto the value's range."""

from __future__ import annotations

import math

import numpy as np


def follow(level: np.ndarray, rate: float, attack: float, release: float) -> np.ndarray:
    """Envelope follower: rises toward a louder level with time constant ``attack`` seconds and
    falls toward a quieter one with ``release`` (0: at once)."""
    rise = _keep(attack, rate)
    fall = _keep(release, rate)
    out = np.empty(len(level))
    current = 0.0
    for index, target in enumerate(level.tolist()):
        keep = rise if target > current else fall
        current = target + keep * (current - target)
        out[index] = current
    return out


def _keep(seconds: float, rate: float) -> float:
    """Share of the old value kept per step of a one-pole filter with this time constant."""
    return math.exp(-1.0 / (seconds * rate)) if seconds > 0 else 0.0


def normalised(envelope: np.ndarray) -> np.ndarray:
    """``envelope`` over its largest value (silence stays 0)."""
    peak = float(envelope.max(initial=0.0))
    return envelope / peak if peak > 0 else np.zeros_like(envelope)


def per_frame(envelope: np.ndarray, rate: float, fps: float, frames: int, offset: float) -> np.ndarray:
    """Each output frame's value: the envelope's peak while the frame is shown, from
    ``offset + i / fps`` to the next frame (0 past the track's end)."""
    times = offset + np.arange(frames + 1) / fps
    bounds = np.ceil(times * rate - 1e-9).astype(np.int64)
    padded = np.concatenate([envelope, [0.0]])
    starts = np.clip(bounds[:-1], 0, len(envelope))
    stops = np.clip(np.maximum(bounds[1:], starts + 1), 0, len(envelope) + 1)
    return np.array([padded[a:b].max() if b > a else 0.0 for a, b in zip(starts, stops)])


def mapped(share: np.ndarray, low: float, high: float) -> list[float]:
    """0..1 onto ``low``..``high``, as plain floats."""
    return [float(v) for v in low + (high - low) * share]
