"""Configuration -> runtime objects, in one place: backbone, dreamer, frame source."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .config import Preset
from .dreaming.dreamer import Dreamer
from .errors import UserError
from .backbone.models import Backbone, load_backbone, resolve_precision, to_batch
from .dreaming.objectives import build_objective
from .videoio import ImageSource, NoiseSource, SequenceSource, VideoSource, fit_to_size, read_image

DEFAULT_NOISE_SIZE = (640, 360)
GUIDE_MAX_SIDE = 512


def backbone_for(preset: Preset, *, dreaming: bool = False) -> Backbone:
    """The backbone in ``model.precision``. ``auto`` is resolved for this machine when dreaming;
    style transfer keeps float32 under ``auto`` and runs bfloat16 only when asked (README:
    Precision — faster per iteration, but short optimisations land differently)."""
    model = preset.model
    precision = model.precision
    if precision == "auto":
        precision = resolve_precision(precision) if dreaming else "float32"
    return load_backbone(model.backbone, model.weights, model.pooling, precision)


def run_precision(preset: Preset) -> str:
    """The precision the preset's effect computes in on this machine, ``auto`` resolved as
    :func:`backbone_for` (and the fast-style network, ``effects/style_network.py``) resolve it:
    for dreaming and the style network by :func:`resolve_precision`, for style transfer by
    optimisation float32. Stored in the resume fingerprint, so frames rendered where ``auto``
    meant bfloat16 are not continued where it means float32."""
    precision = preset.model.precision
    optimising = preset.effect == "style" and preset.style.method != "network"
    return "float32" if precision == "auto" and optimising else resolve_precision(precision)


def dreamer_for(preset: Preset, backbone: Backbone | None = None) -> Dreamer:
    backbone = backbone or backbone_for(preset, dreaming=True)

    def guide_features(layer: str, path: Path) -> np.ndarray:
        image = read_image(path)
        height, width = image.shape[:2]
        scale = min(1.0, GUIDE_MAX_SIDE / max(height, width))
        image = fit_to_size(image, (max(32, round(width * scale)), max(32, round(height * scale))))
        return backbone.extractor([layer])(to_batch(image))[layer].numpy()[0]

    objective = build_objective(preset.dream.objective, backbone, guide_features=guide_features)
    return Dreamer(backbone, objective)


def flow_for(source, method: str, *, upscale: float = 1.0, camera_snap: float = 0.0,
             preset: str = "medium", edges: str = "off"):
    """The flow provider: the source itself when it offers exact flow (a Blender render's Vector
    pass, its ``flow: vector`` default), else OpenCV (``method``, or the estimator the source asks
    for: a Blender source's ``dis`` / ``farneback``), estimating on frames enlarged by
    ``upscale`` and snapping to the camera's motion within ``camera_snap`` px
    (:mod:`dreamvideo.motion.camera`), with DIS ``preset`` and ``edges`` (:mod:`dreamvideo.motion.edges`)."""
    from .motion.flow import OpenCVFlow

    offers = source.offers
    if offers.exact_flow:
        return source
    return OpenCVFlow(offers.flow_method or method, upscale=upscale,
                      camera_snap=camera_snap, preset=preset, edges=edges)


def noise_cell(cell: int, size: tuple[int, int], preset: Preset) -> int:
    """The noise cell in output pixels: ``source.noise.cell`` is given at ``dream.design_width``
    (when set), so a larger output starts from the same picture, enlarged."""
    design = preset.dream.design_width
    return cell if design is None else max(1, round(cell * size[0] / design))


def source_for(preset: Preset):
    """The FrameSource named by ``source:``, at ``output.size`` when given."""
    config, size = preset.source, preset.output.size
    if config.image is not None:
        return ImageSource(config.image, size)
    if config.noise is not None:
        size = size or DEFAULT_NOISE_SIZE
        return NoiseSource(config.noise.seed, size, cell=noise_cell(config.noise.cell, size, preset))
    if config.video is not None:
        return VideoSource(config.video, size)
    if config.sequence is not None:
        return SequenceSource(config.sequence, size, preset.output.fps)
    if config.blender is not None:
        from .blender.source import BlenderSource

        return BlenderSource(config.blender, size)
    raise UserError("source: give one of image, noise, video, sequence, blender")
