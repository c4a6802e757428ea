"""The flow provider of a frame source: its own exact flow when it offers one, else OpenCV's."""

from __future__ import annotations


def flow_for(source, method: str, *, upscale: float = 1.0, camera_snap: float = 0.0,
             preset: str = "medium", edges: str = "off"):
    """The flow provider: the source itself when it offers exact flow (a Blender render's Vector
    pass, its ``flow: vector`` default), else OpenCV (``method``, or the estimator the source asks
    for: a Blender source's ``dis`` / ``farneback``), estimating on frames enlarged by
    ``upscale`` and snapping to the camera's motion within ``camera_snap`` px
    (:mod:`dreamvideo.motion.camera`), with DIS ``preset`` and ``edges`` (:mod:`dreamvideo.motion.edges`)."""
    from ..motion.flow import OpenCVFlow

    offers = source.offers
    if offers.exact_flow:
        return source
    return OpenCVFlow(offers.flow_method or method, upscale=upscale,
                      camera_snap=camera_snap, preset=preset, edges=edges)
