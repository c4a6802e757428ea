"""``style.band_limit``: the painting holds no detail finer than a warp can carry.

Why: every frame of a coherent style video starts from the previous output warped along the
flow, and camera motion moves most pixels by fractions of a pixel. Resampling at a sub-pixel
offset keeps detail up to ~0.3 cycles per pixel (Lanczos: 0.99 at a half-pixel shift) but not
the finest (0.79 at 0.4, 0.45 at 0.45, nothing at 0.5). The optimiser puts plenty there (the
style loss's finest layer asks for pixel-sized texture), so each frame it re-makes that band,
a little differently: a fine speckle over the whole frame from one frame to the next, while
what it does not re-make fades, and the clip softens as it goes.

The cure is to optimise an image that has no such detail: the criterion sees ``F(p)``, ``p`` the
optimised pixels and ``F`` a separable low-pass that keeps everything up to ``~0.75 x cutoff``
(response 1.00) and removes what lies above the cutoff (0.5 at it, ~0 at 0.5 cycles/px): a
Kaiser-windowed sinc of 2 x RADIUS + 1 taps, reflected at the frame's edges. Its gradient is
low-passed too, so the optimiser never makes what the next frame could not carry. Every frame,
from scratch or warm, is made this way.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._tf import tf

RADIUS = 8  # taps each side
KAISER_BETA = 5.0


@lru_cache(maxsize=8)
def kernel(cutoff: float) -> np.ndarray:
    """1-D low-pass taps (float32, sum 1) halving ``cutoff`` cycles per pixel."""
    n = np.arange(-RADIUS, RADIUS + 1)
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(2 * RADIUS + 1, KAISER_BETA)
    return (taps / taps.sum()).astype(np.float32)


def response(cutoff: float, frequency: float) -> float:
    """The filter's gain at ``frequency`` cycles per pixel (for docs and tests)."""
    n = np.arange(-RADIUS, RADIUS + 1)
    return float(np.sum(kernel(cutoff) * np.cos(2 * np.pi * frequency * n)))


def band_limit(x: tf.Tensor, taps: tf.Tensor) -> tf.Tensor:
    """``x`` (B, H, W, C) filtered by ``taps`` along both axes, edges reflected (H, W > RADIUS)."""
    channels = x.shape[-1]
    padded = tf.pad(x, [[0, 0], [RADIUS, RADIUS], [RADIUS, RADIUS], [0, 0]], mode="REFLECT")
    rows = tf.tile(tf.reshape(taps, (-1, 1, 1, 1)), (1, 1, channels, 1))
    cols = tf.tile(tf.reshape(taps, (1, -1, 1, 1)), (1, 1, channels, 1))
    out = tf.nn.depthwise_conv2d(padded, rows, (1, 1, 1, 1), "VALID")
    return tf.nn.depthwise_conv2d(out, cols, (1, 1, 1, 1), "VALID")
