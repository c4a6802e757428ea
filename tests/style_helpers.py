"""Shared by the style tests: a small style image and a fast configuration (shallow layers)."""

import numpy as np

from dreamvideo.config import StyleConfig

FAST = dict(content_layers=["block3_conv2"],
            style_layers=["block1_conv1", "block2_conv1", "block3_conv1"], scale=0.125)


def stripes(size: int = 64) -> np.ndarray:
    """A style image with a strong, colourful pattern."""
    ys, xs = np.mgrid[:size, :size]
    image = np.zeros((size, size, 3), np.uint8)
    image[..., 0] = np.where((xs + ys) % 8 < 4, 230, 30)
    image[..., 1] = np.where(xs % 6 < 2, 200, 60)
    image[..., 2] = (ys * 4) % 256
    return image


def config(**changes) -> StyleConfig:
    return StyleConfig(**{**FAST, **changes})
