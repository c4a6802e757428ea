"""Multi-pass video style transfer (Ruder et al. 2016, section 3.3): how a later pass starts.

Which work frame is which pass and clip frame: :mod:`dreamvideo.plan.passes`. In a later pass,
frame f starts from the blend (Ruder's eq. for multi-pass, ``delta`` = ``blend``)
``x' = delta c * warp(x_pass[f - d]) + (1 - delta c) * x_previous_pass[f]`` where d is the
direction (+1 forward, -1 backward) and ``c`` the consistency mask of the neighbour already done
in this pass; its temporal loss looks at both neighbours (that one, and the frame ahead from the
previous pass), so every pass pulls each frame toward both sides.
"""

from __future__ import annotations

import numpy as np


def blend_start(previous_pass: np.ndarray, warped_neighbour: np.ndarray, mask: np.ndarray,
                blend: float) -> np.ndarray:
    """Ruder's multi-pass start image: ``blend * mask`` of the warped neighbour over the frame
    from the previous pass (float32, [0, 255])."""
    weight = (blend * np.asarray(mask, np.float32))[..., None]
    return weight * warped_neighbour + (1 - weight) * np.asarray(previous_pass, np.float32)
