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

A warm start is the previous painting carried along the flow: started from it as it is, the
optimiser's first painting would be it filtered once more (0.79 of it at 0.35 cycles/px, 0.5 at
the cutoff), and the clip would soften frame after frame wherever the optimiser does not make
that band again (the fine temporal term holds it as carried). :func:`unpainted` gives the
pixels whose painting is the carried one, up to the cutoff.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from scipy.optimize import linprog

from .._tf import tf

RADIUS = 8  # taps each side
KAISER_BETA = 5.0
MAX_RESTORE_GAIN = 2.5  # unpainted's filter lifts no frequency more than this


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


@lru_cache(maxsize=8)
def restoring_kernel(cutoff: float) -> np.ndarray:
    """1-D taps (float32, 2 x RADIUS + 1) that undo :func:`kernel`: their product with its
    response is within 0.002 of 1 where the filter keeps everything (up to 0.75 x ``cutoff``), as
    near 1 as can be from there up to ``cutoff`` (minimax), and between 0 and 1 everywhere (a
    carried painting must never grow)."""
    frequencies = np.linspace(0, 0.5, 201)
    basis = np.stack([np.ones_like(frequencies)]
                     + [2 * np.cos(2 * np.pi * k * frequencies) for k in range(1, RADIUS + 1)], 1)
    painted = np.array([response(cutoff, f) for f in frequencies])[:, None] * basis
    band = frequencies <= cutoff
    passband = frequencies[band] <= 0.75 * cutoff  # the filter keeps this (1.00): so must the two
    slack = np.where(passband, 0.0, 1.0)[:, None]
    n = basis.shape[1]
    rows = [np.hstack([-painted[band], -slack]),  # 1 - F g <= t above the passband, 0.002 in it
            np.hstack([painted, np.zeros((len(frequencies), 1))]),  # F g <= 1
            np.hstack([-painted, np.zeros((len(frequencies), 1))]),  # F g >= 0
            np.hstack([basis, np.zeros((len(frequencies), 1))])]  # g <= MAX_RESTORE_GAIN
    limits = np.r_[np.where(passband, 0.002, 0.0) - 1, np.ones(len(frequencies)), np.zeros(len(frequencies)),
                   np.full(len(frequencies), MAX_RESTORE_GAIN)]
    result = linprog(np.r_[np.zeros(n), 1.0], A_ub=np.vstack(rows), b_ub=limits,
                     bounds=[(None, None)] * n + [(0, None)], method="highs")
    half = result.x[:n]
    return np.concatenate([half[:0:-1], half]).astype(np.float32)


def unpainted(painting: np.ndarray, cutoff: float) -> np.ndarray:
    """Pixels (float32 (H, W, C), in [0, 255]) whose band-limited painting is ``painting`` up to
    ``cutoff``: the warm start that does not filter the carried painting again."""
    taps = restoring_kernel(cutoff)
    image = cv2.sepFilter2D(np.asarray(painting, np.float32), -1, taps, taps, borderType=cv2.BORDER_REFLECT_101)
    return np.clip(image.reshape(np.shape(painting)), 0, 255)
