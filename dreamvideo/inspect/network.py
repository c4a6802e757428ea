"""What the inspected network takes and gives: its input size, batches, a layer's channels
and feature maps."""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..errors import UserError

if TYPE_CHECKING:
    from ..backbone.models import Backbone


def fixed_input_size(backbone: Backbone) -> tuple[int, int] | None:
    """(width, height) when the network only accepts one input size (classifier heads)."""
    height, width = backbone.inputs.shape[1:3]
    return (int(width), int(height)) if height and width else None


def network_image(backbone: Backbone, image: np.ndarray) -> np.ndarray:
    """The image resized to the network's fixed input size, if it has one."""
    size = fixed_input_size(backbone)
    if size is None or image.shape[1::-1] == size:
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def as_batch(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) image -> (1, H, W, 3) float32 in [0, 255]."""
    return np.asarray(image, np.float32)[None]


def channel_count(backbone: Backbone, layer: str, spatial: bool = False) -> int:
    """Channels of ``layer``; with ``spatial``, UserError unless it has (height, width) maps."""
    shape = backbone.outputs[backbone.check_layer(layer)].shape
    if spatial and len(shape) != 4:
        raise UserError(f"layer '{layer}' has no feature maps (output shape {tuple(shape[1:])}); pick a conv layer")
    return int(shape[-1])


def feature_maps(backbone: Backbone, image: np.ndarray, layer: str) -> np.ndarray:
    """Activations (h, w, C) of ``layer`` for one uint8 RGB image."""
    extractor = backbone.extractor([layer])
    return np.asarray(extractor(as_batch(network_image(backbone, image)))[layer])[0]
