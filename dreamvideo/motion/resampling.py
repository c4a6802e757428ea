"""What a sub-pixel warp does to fine detail, and undoing it.

A warp at a fractional position interpolates. OpenCV's Lanczos-4 (8 taps) at half a pixel keeps
0.99 of the detail at 0.2 cycles/px, lifts it 1.02x at 0.3, keeps 0.79 at 0.4 and 0.46 at 0.45.
An effect that carries its output from frame to frame (a warm start, a temporal target)
resamples it every frame, so this compounds: 60 random sub-pixel moves of a texture leave 0.81
of its 0.1-0.2 cycles/px band and lift the 0.3-0.4 band's ringing 1.42x
(tests/test_resampling.py). :func:`compensate_resampling` undoes it where it is known: per
pixel, from the fractional part of the flow, a 13-tap filter per axis that inverts the
interpolation's response up to ``TOP`` cycles/px, its product with it never above 1 (carried
detail must never grow): over the same 60 moves the bands keep 0.98, 0.98, 0.87.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from scipy.optimize import linprog

PHASES = 16  # fractional positions 0, 1/32, ..., 1/2: OpenCV's table of sub-pixel positions (the
# response is symmetric about 1/2)
HALF_TAPS = 6  # a 13-tap filter per axis
TOP = 0.4  # cycles/px: the response is inverted up to here ...
MAX_GAIN = 2.0  # ... by at most this much (the interpolator keeps almost nothing near 0.5)


def kernel_weights(interpolation: str, phase: float) -> np.ndarray:
    """OpenCV's interpolation weights for a sample ``phase`` px (0-1) past a pixel, as
    ``cv2.remap`` computes them (imgwarp.cpp: Lanczos-4 over 8 taps normalised to 1, bicubic
    with A = -0.75 over 4, bilinear over 2)."""
    if interpolation == "linear":
        return np.array([1 - phase, phase])
    if interpolation == "cubic":
        a, x = -0.75, phase
        w0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
        w1 = ((a + 2) * x - (a + 3)) * x * x + 1
        w2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1
        return np.array([w0, w1, w2, 1 - w0 - w1 - w2])
    t = phase + 3 - np.arange(8)
    weights = np.sinc(t) * np.sinc(t / 4)
    return weights / weights.sum()


def response(interpolation: str, phase: float, frequencies: np.ndarray) -> np.ndarray:
    """|gain| of the interpolation at ``phase`` at ``frequencies`` (cycles/px)."""
    weights = kernel_weights(interpolation, phase)
    return np.abs(np.exp(-2j * np.pi * np.outer(frequencies, np.arange(len(weights)))) @ weights)


@lru_cache(maxsize=None)
def inverse_filters(interpolation: str) -> tuple[np.ndarray, ...]:
    """One symmetric 13-tap filter per phase 0, 1/32, ..., 1/2 (float32): the response times the
    filter is as near 1 as can be up to ``TOP`` (minimax, the shortfall weighted toward the top:
    it compounds over frames) and between 0 and 1 at every frequency, so that carried detail,
    warped again and again, never grows."""
    frequencies = np.linspace(0, 0.5, 201)
    basis = np.stack([np.ones_like(frequencies)]
                     + [2 * np.cos(2 * np.pi * k * frequencies) for k in range(1, HALF_TAPS + 1)], 1)
    band = frequencies <= TOP
    filters = []
    for step in range(PHASES + 1):
        passed = response(interpolation, step / (2 * PHASES), frequencies)[:, None] * basis
        # variables: the filter's HALF_TAPS + 1 coefficients, then the worst shortfall t
        n = basis.shape[1]
        slack = 0.01 + (frequencies[band, None] / TOP) ** 4  # shortfall allowed: near none at low frequencies
        shortfall = np.hstack([-passed[band], -slack])  # 1 - R c <= t * slack
        ceiling = np.hstack([passed, np.zeros((len(frequencies), 1))])  # 0 <= R c <= 1
        boost = np.hstack([basis, np.zeros((len(frequencies), 1))])  # the filter's gain <= MAX_GAIN
        result = linprog(np.r_[np.zeros(n), 1.0], A_ub=np.vstack([shortfall, ceiling, -ceiling, boost]),
                         b_ub=np.r_[-np.ones(band.sum()), np.ones(len(frequencies)),
                                    np.zeros(len(frequencies)), np.full(len(frequencies), MAX_GAIN)],
                         bounds=[(None, None)] * n + [(0, None)], method="highs")
        half = result.x[:n]
        filters.append(np.concatenate([half[:0:-1], half]).astype(np.float32))
    return tuple(filters)


def compensate_resampling(warped: np.ndarray, flow: np.ndarray, interpolation: str) -> np.ndarray:
    """``warped`` (float32 (H, W, C), the output of :func:`..flow.warp` by ``flow``) with the
    fine detail its interpolation lost given back, pixel by pixel from the flow's fractional
    parts (one axis after the other). float32."""
    filters = inverse_filters(interpolation)
    out = np.asarray(warped, np.float32)
    for axis, component in ((1, 0), (0, 1)):  # along x by the flow's x, then along y by its y
        fraction = np.mod(flow[..., component], 1.0)
        step = np.rint(fraction * 2 * PHASES).astype(np.int32)  # OpenCV's own 1/32-px table position
        phase = np.minimum(step, 2 * PHASES - step)
        result = out.copy()
        for step in np.unique(phase):
            if step == 0:
                continue
            taps = filters[step]
            kernel = taps[None, :] if axis == 1 else taps[:, None]
            filtered = cv2.filter2D(out, -1, kernel, borderType=cv2.BORDER_REFLECT_101).reshape(out.shape)
            where = phase == step
            result[where] = filtered[where]
        out = result
    return out
