"""Dream steps along natural colour directions (``dream.colour_decorrelate``).

Why: the objective's gradient w.r.t. the RGB pixels is as large along colour-opponent directions
(green against magenta, red against blue) as along light, and a plain ascent step follows it, so
a dream pushes neighbouring pixels toward opposite corners of the RGB cube: saturated magenta
blobs with green fringes that a zoom then magnifies into slabs ("worms", issue 8). Natural
images vary mostly in light and little in colour.

The cure, from Olah et al., "Feature Visualization" (Distill 2017) and lucid's
``optvis/param/color.py``: optimise the image in decorrelated colour coordinates, ``rgb = C p``,
``C`` the square root of ImageNet's colour covariance (lucid's ``color_correlation_svd_sqrt``,
columns scaled so the largest has norm 1). A gradient step on ``p`` moves the pixels by
``C C^T g``: light as before, red-blue ~13x and green-magenta ~55x less. ``strength`` s in 0..1
steps along ``(C C^T)^s g`` (0: plain RGB steps; 1: lucid's), before the gradient is normalised,
so ``dream.step_size`` keeps its meaning (the RMS of a step).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# lucid's optvis/param/color.py (RGB, image values in 0..1; scale-free once normalised).
COLOR_CORRELATION_SVD_SQRT = np.array([[0.26, 0.09, 0.02],
                                       [0.27, 0.00, -0.05],
                                       [0.27, -0.09, 0.03]], np.float64)


@lru_cache(maxsize=16)
def colour_preconditioner(strength: float) -> np.ndarray:
    """float32 (3, 3), symmetric: ``(C C^T)^strength`` with ``C`` the normalised colour matrix;
    its largest eigenvalue (light) is 1."""
    c = COLOR_CORRELATION_SVD_SQRT / np.max(np.linalg.norm(COLOR_CORRELATION_SVD_SQRT, axis=0))
    values, vectors = np.linalg.eigh(c @ c.T)
    values = np.maximum(values, 1e-12) / values.max()
    return (vectors @ np.diag(values ** float(strength)) @ vectors.T).astype(np.float32)


def decorrelate_gradient(grad: np.ndarray, strength: float) -> np.ndarray:
    """The gradient (H, W, 3) RGB, turned toward natural colour directions by ``strength``."""
    if strength <= 0:
        return grad
    return (grad @ colour_preconditioner(strength)).astype(np.float32)
