"""The infinite-zoom camera: one affine transform of the previous frame per frame."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..config import ZoomConfig, value_at


@dataclass(frozen=True)
class ZoomStep:
    """Zoom factor (>1 moves in), rotation in degrees (counter-clockwise), pan in pixels per
    frame, and the zoom centre as fractions of the frame."""

    scale: float = 1.0
    rotate: float = 0.0
    pan: tuple[float, float] = (0.0, 0.0)
    center: tuple[float, float] = (0.5, 0.5)

    @classmethod
    def at(cls, config: ZoomConfig, frame: int) -> "ZoomStep":
        return cls(value_at(config.scale, frame), value_at(config.rotate, frame),
                   (value_at(config.pan[0], frame), value_at(config.pan[1], frame)),
                   (value_at(config.center[0], frame), value_at(config.center[1], frame)))

    def scaled(self, factor: float) -> "ZoomStep":
        """The same step for a frame ``factor`` times as wide (the pan is in pixels)."""
        if factor == 1:
            return self
        return ZoomStep(self.scale, self.rotate, (self.pan[0] * factor, self.pan[1] * factor), self.center)

    def matrix(self, size: tuple[int, int]) -> np.ndarray:
        width, height = size
        centre = (self.center[0] * (width - 1), self.center[1] * (height - 1))  # pixel-centre coordinates
        matrix = cv2.getRotationMatrix2D(centre, self.rotate, self.scale)
        matrix[:, 2] -= self.pan
        return matrix

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Transform an image (any dtype); pixels brought in from outside mirror the edge (a zoom
        out replaces them: ``zoom.border``). Bicubic: a bilinear resample blurs a little every
        frame, and a zoom resamples the same picture hundreds of times."""
        height, width = image.shape[:2]
        return cv2.warpAffine(image, self.matrix((width, height)), (width, height),
                              flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
