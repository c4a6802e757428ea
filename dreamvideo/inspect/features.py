"""What a layer answers to an image: a labelled grid of its feature maps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .drawing import colormap, fit_tile, montage
from .network import feature_maps

if TYPE_CHECKING:
    from ..backbone.models import Backbone


def feature_montage(backbone: Backbone, image: np.ndarray, layer: str, channels=None,
                    max_maps: int = 64) -> np.ndarray:
    """Grid of a layer's feature maps (viridis, each map scaled to its own range), labelled."""
    maps = feature_maps(backbone, image, layer)
    channels = list(range(maps.shape[-1]) if channels is None else channels)[:max_maps]
    tiles = [fit_tile(colormap(maps[..., c], maps[..., c].min(), maps[..., c].max())) for c in channels]
    labels = [f"{c} max {maps[..., c].max():.3g}" for c in channels]
    h, w = maps.shape[:2]
    title = f"{backbone.name} {layer}: {maps.shape[-1]} maps of {h}x{w}, showing {len(channels)}"
    return montage(tiles, labels, title=title)
