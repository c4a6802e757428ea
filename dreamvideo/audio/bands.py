"""The energy of one frequency band over time: band-pass filtered (zero phase), then the RMS
level in windows one hop apart."""

from __future__ import annotations

import numpy as np
from scipy import signal

from .decode import Track

HOP = 256  # samples between envelope values (11.6 ms at 22050 Hz)
# band -> (low edge Hz, high edge Hz or None, RMS window in samples: at least one hop, so no
# sound falls between two windows; about two periods of the band's lowest frequency, so a bass
# note does not ripple; no longer, so a hit is not smeared)
BANDS: dict[str, tuple[float, float | None, int]] = {
    "low": (20.0, 200.0, 1024),  # kick drum, bass (46 ms)
    "mid": (200.0, 2000.0, HOP),  # voice, snare body, most instruments (12 ms)
    "high": (2000.0, None, HOP),  # hats, cymbals, the click of a transient (12 ms)
    "full": (0.0, None, 1024),   # the whole signal
}


def band_signal(track: Track, band: str) -> np.ndarray:
    """``track`` filtered to ``band`` (4th-order Butterworth, forward and back: no delay)."""
    low, high, _ = BANDS[band]
    if low <= 0 and high is None:
        return track.samples.astype(np.float64)
    if high is None:
        sos = signal.butter(4, low, btype="highpass", fs=track.rate, output="sos")
    else:
        sos = signal.butter(4, [low, high], btype="bandpass", fs=track.rate, output="sos")
    return signal.sosfiltfilt(sos, track.samples.astype(np.float64))


def band_level(track: Track, band: str, hop: int = HOP) -> np.ndarray:
    """RMS level of ``band`` over the band's window before each multiple of ``hop`` samples:
    value k is what was heard just before time ``k * hop / rate`` (no look-ahead)."""
    power = np.square(band_signal(track, band))
    total = np.concatenate([[0.0], np.cumsum(power)])
    stops = np.clip(np.arange(len(power) // hop + 2) * hop, 0, len(power))
    starts = np.clip(stops - BANDS[band][2], 0, len(power))
    return np.sqrt(np.maximum(total[stops] - total[starts], 0.0) / np.maximum(stops - starts, 1))
