"""Motion boundaries of an estimated flow moved onto the frame's own edges.

DIS (like any patch- or window-based estimator) smears the flow across the edge of a moving
object: on the realistic camera clip of ``bench/bench_style.py`` its flow is off by 0.65 px
within 3 px of an object's edge at 160x96 and 1.3 px at 320x180 (0.05 px elsewhere). The style
effect's consistency mask rejects that smeared ring as a motion boundary, and pixels it rejects
restart from the content every frame: they carried most of the remaining flicker.

:func:`snap_to_edges` replaces each flow vector by the weighted median of the vectors around it,
weighted by how alike the guide frame's colours are (OpenCV contrib's joint weighted median
filter, Zhang et al. 2014): a flow edge then follows the colour edge of the object that moves,
while smooth flow (camera pan, zoom, roll) is left as it was. It needs ``cv2.ximgproc``, which
the ``opencv-contrib-python-headless`` wheel has and ``opencv-python`` has not.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..errors import UserError

SIGMA = 25.5  # colour distance (grey levels) at which a neighbour's weight falls to 1/e
RNG_SEED = 0  # the filter quantises a colour guide with OpenCV's (thread-local) random generator


def median_radius(size: tuple[int, int]) -> int:
    """Filter radius for a frame of ``size`` (width, height): 7 px at 160 px wide, 10 at 320, 14
    at 640, 24 at 1920 (the smear grows with the motion in pixels, the median's reach with it;
    measured best at 160 and 320 px)."""
    return max(3, round(3.5 * math.sqrt(max(size) / 40)))


def available() -> bool:
    return hasattr(cv2, "ximgproc") and hasattr(cv2.ximgproc, "weightedMedianFilter")


def require(key: str) -> None:
    """A one-line error naming ``key`` when this OpenCV has no ``cv2.ximgproc``."""
    if not available():
        raise UserError(f"{key}: 'median' needs OpenCV's contrib modules (cv2.ximgproc): "
                        "pip install opencv-contrib-python-headless in place of opencv-python, "
                        f"or set {key}: off")


def snap_to_edges(flow: np.ndarray, guide: np.ndarray, radius: int | None = None) -> np.ndarray:
    """``flow`` (H, W, 2) filtered by a weighted median guided by ``guide`` (uint8 RGB or grey,
    the frame the flow starts from); float32."""
    require("style.flow_edges")
    guide = np.ascontiguousarray(guide)
    r = radius if radius is not None else median_radius((flow.shape[1], flow.shape[0]))
    return np.stack([_median(guide, flow[..., c], r) for c in range(2)], -1).astype(np.float32)


def _median(guide: np.ndarray, channel: np.ndarray, radius: int) -> np.ndarray:
    """One flow channel through the joint weighted median. With a colour guide the filter draws
    from OpenCV's random generator (about half the pixels change from call to call when it is
    not reseeded), so it is seeded each time: same frames in, same flow out (resume, farm)."""
    cv2.setRNGSeed(RNG_SEED)
    return cv2.ximgproc.weightedMedianFilter(guide, np.ascontiguousarray(channel, np.float32),
                                             radius, SIGMA)
