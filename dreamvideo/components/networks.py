"""The networks a preset runs on: the backbone in its precision, the dreamer with its objective,
the style network's dtype — all through one precision rule (:func:`precision_for`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..backbone.models import Backbone, load_backbone, precision_for, to_batch
from ..config import Preset
from ..dreaming.dreamer import Dreamer
from ..dreaming.objectives import build_objective
from ..videoio import fit_to_size, read_image

GUIDE_MAX_SIDE = 512


def optimising_style(preset: Preset) -> bool:
    """True when the preset's effect optimises each frame's style (Gatys; not a network)."""
    return preset.effect == "style" and preset.style.method != "network"


def run_precision(preset: Preset) -> str:
    """The precision the preset's effect computes in on this machine. Stored in the resume
    fingerprint, so frames rendered where ``auto`` meant bfloat16 are not continued where it
    means float32."""
    return precision_for(preset.model.precision, optimising=optimising_style(preset))


def backbone_for(preset: Preset, *, dreaming: bool = False) -> Backbone:
    """The backbone, for dreaming or (the default) for optimising a style, in its precision."""
    model = preset.model
    return load_backbone(model.backbone, model.weights, model.pooling,
                         precision_for(model.precision, optimising=not dreaming))


def network_dtype(preset: Preset) -> str:
    """The style network's arithmetic: ``mixed_bfloat16`` where its precision is bfloat16
    (``auto``: a CPU with native bfloat16; measured 0.84x the CPU time of float32 at 1920x1080,
    0.9 levels mean difference)."""
    return "mixed_bfloat16" if precision_for(preset.model.precision, optimising=False) == "bfloat16" \
        else "float32"


def dreamer_for(preset: Preset, backbone: Backbone | None = None) -> Dreamer:
    """The dreamer of ``dream.objective`` (guide images seen through ``backbone``)."""
    backbone = backbone or backbone_for(preset, dreaming=True)

    def guide_features(layer: str, path: Path) -> np.ndarray:
        image = read_image(path)
        height, width = image.shape[:2]
        scale = min(1.0, GUIDE_MAX_SIDE / max(height, width))
        image = fit_to_size(image, (max(32, round(width * scale)), max(32, round(height * scale))))
        return backbone.extractor([layer])(to_batch(image))[layer].numpy()[0]

    objective = build_objective(preset.dream.objective, backbone, guide_features=guide_features)
    return Dreamer(backbone, objective)
