"""Saliency: which input pixels drive a layer's strongest activation (its input gradient)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..videoio import to_uint8
from .drawing import colormap, hstack_labelled, upscale
from .network import as_batch, network_image

if TYPE_CHECKING:
    from ..backbone.models import Backbone


@dataclass(frozen=True)
class Saliency:
    """|d activation / d pixel| (H, W) and where the activation is: channel, (y, x) in a grid."""

    map: np.ndarray
    channel: int
    y: int
    x: int
    grid: tuple[int, int]  # (height, width) of the layer's output


def saliency(backbone: Backbone, image: np.ndarray, layer: str, channel: int | None = None) -> Saliency:
    """Input gradient of the layer's strongest activation: the maximum over positions and
    channels, or over the positions of ``channel``. The map is the largest |gradient| over RGB.
    """
    import tensorflow as tf

    extractor = backbone.extractor([layer])
    pixels = tf.constant(as_batch(network_image(backbone, image)))
    with tf.GradientTape() as tape:
        tape.watch(pixels)
        acts = extractor(pixels)[layer][0]
        if acts.shape.rank == 1:  # a dense layer, e.g. class scores: one position
            acts = acts[None, None]
        if channel is not None:
            acts = acts[..., channel : channel + 1]
        strongest = tf.reduce_max(acts)
    grad = tape.gradient(strongest, pixels)[0].numpy()
    y, x, c = np.unravel_index(int(tf.argmax(tf.reshape(acts, [-1]))), acts.shape)
    return Saliency(np.abs(grad).max(axis=-1), int(c if channel is None else channel), int(y), int(x),
                    tuple(acts.shape[:2]))


def saliency_picture(backbone: Backbone, image: np.ndarray, layer: str, channel: int | None = None,
                     min_side: int = 256) -> np.ndarray:
    """Input, saliency heat map, and their overlay side by side; a green box marks the grid cell
    of the strongest activation."""
    image = network_image(backbone, image)
    found = saliency(backbone, image, layer, channel)
    heat = colormap(found.map, 0.0, float(np.percentile(found.map, 99.5)) or 1.0, cv2.COLORMAP_INFERNO)
    overlay = to_uint8(0.45 * image + 0.55 * heat)
    factor = math.ceil(min_side / max(image.shape[:2]))
    panels = [upscale(p, factor) for p in (image, heat, overlay)]
    corners = _cell_corners(found, panels[0].shape[:2])
    for panel in panels[1:]:
        cv2.rectangle(panel, *corners, (60, 255, 60), 1)
    off = "" if found.map.max() > 0 else " (off here: zero gradient)"
    labels = ["input", f"|gradient| of {layer} ch {found.channel}{off}", "overlay; box: strongest position"]
    return hstack_labelled(panels, labels, f"{backbone.name} saliency of {layer}")


def _cell_corners(found: Saliency, shape: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Top-left and bottom-right pixel of the strongest activation's grid cell in a picture."""
    cell_h, cell_w = shape[0] / found.grid[0], shape[1] / found.grid[1]
    return ((round(found.x * cell_w), round(found.y * cell_h)),
            (round((found.x + 1) * cell_w) - 1, round((found.y + 1) * cell_h) - 1))
