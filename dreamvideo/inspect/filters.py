"""What the first convolution looks for: its filters drawn as RGB and as per-channel weights."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UserError
from ..videoio import to_uint8
from .drawing import diverging, hstack_labelled, montage, upscale

if TYPE_CHECKING:
    from ..backbone.models import Backbone


def first_conv_kernel(backbone: Backbone) -> tuple[str, np.ndarray]:
    """Name and kernel (kh, kw, 3, n) of the first convolution, input channels in RGB order.

    The backbone's colour conversion is affine, so its Jacobian maps the kernel from the network's
    colour space (e.g. Caffe BGR) back to RGB.
    """
    import tensorflow as tf

    for name, tensor in backbone.outputs.items():
        layer = tensor._keras_history.operation
        if isinstance(layer, tf.keras.layers.Conv2D):
            kernel = layer.kernel.numpy()
            zero = backbone.to_network(tf.zeros((1, 1, 1, 3)))
            jacobian = (backbone.to_network(tf.eye(3)[None, None]) - zero).numpy()[0, 0]  # [rgb, net]
            return name, np.einsum("hwnk,rn->hwrk", kernel, jacobian)
    raise UserError(f"backbone {backbone.name} has no convolution layer")


def filter_montage(backbone: Backbone, tile: int = 36) -> np.ndarray:
    """Four grids of the first convolution's filters: as RGB, then its R, G and B weights.

    Each filter is scaled by its own largest absolute weight: grey is zero.
    """
    name, kernel = first_conv_kernel(backbone)
    count = kernel.shape[-1]
    filters = np.moveaxis(kernel, -1, 0)  # (n, kh, kw, 3)
    filters = filters / (np.abs(filters).max(axis=(1, 2, 3), keepdims=True) + 1e-12)
    factor = max(1, tile // max(kernel.shape[:2]))
    columns = math.ceil(math.sqrt(count))
    panels = [("RGB", [128 + 127 * f for f in filters])]
    for c, channel in enumerate("RGB"):
        panels.append((f"{channel} weights (blue < 0 < red)", [diverging(f[..., c]) for f in filters]))
    grids = [montage([upscale(to_uint8(t), factor) for t in tiles], columns=columns)
             for _, tiles in panels]
    title = f"{backbone.name} {name}: {count} filters {kernel.shape[0]}x{kernel.shape[1]} x RGB"
    return hstack_labelled(grids, [label for label, _ in panels], title)
