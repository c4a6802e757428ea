"""Drawing the inspection pictures: text, colour maps, tiles and labelled grids (uint8 RGB)."""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..videoio import to_uint8

PAD = 4  # pixels around and between tiles
LABEL = 14  # height of the label strip above each tile
TITLE = 22  # height of the title strip of a picture
BACKGROUND = 32
TEXT = (235, 235, 235)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def put_text(canvas: np.ndarray, text: str, x: int, y: int, scale: float = 0.4, colour=TEXT) -> None:
    """Draw ``text`` with its baseline at (x, y), in place."""
    cv2.putText(canvas, text, (int(x), int(y)), FONT, scale, colour, 1, cv2.LINE_AA)


def text_width(text: str, scale: float = 0.4) -> int:
    """Width in pixels of ``text`` drawn by :func:`put_text` at ``scale``."""
    return cv2.getTextSize(text, FONT, scale, 1)[0][0]


def titled_canvas(height: int, width: int, title: str | None) -> np.ndarray:
    """A background canvas with ``title`` in its title strip, widened if the title needs it."""
    width = max(width, text_width(title or "", 0.5) + 2 * PAD)
    canvas = np.full((height, width, 3), BACKGROUND, np.uint8)
    put_text(canvas, title or "", PAD, TITLE - 7, 0.5)
    return canvas


def colormap(values: np.ndarray, lo: float, hi: float, cmap: int = cv2.COLORMAP_VIRIDIS) -> np.ndarray:
    """Float (H, W) -> uint8 RGB (H, W, 3), ``lo`` and ``hi`` mapping to the ends of ``cmap``."""
    scaled = np.clip((values - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
    return cv2.applyColorMap(to_uint8(255 * scaled), cmap)[..., ::-1].copy()


def diverging(values: np.ndarray) -> np.ndarray:
    """Float (H, W) in [-1, 1] -> uint8 RGB: blue below zero, grey at zero, red above."""
    grey, red, blue = np.float32(128), np.array([235, 45, 30], np.float32), np.array([30, 95, 235], np.float32)
    v = np.clip(values, -1.0, 1.0)[..., None]
    return to_uint8(np.where(v > 0, grey + v * (red - grey), grey - v * (blue - grey)))


def scaled_size(image: np.ndarray, scale: float) -> tuple[int, int]:
    """(width, height) of ``image`` scaled by ``scale``, at least one pixel each."""
    return max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale))


def shrink(image: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink (area interpolation) so that the longer side is at most ``max_side``."""
    side = max(image.shape[:2])
    if side <= max_side:
        return image
    return cv2.resize(image, scaled_size(image, max_side / side), interpolation=cv2.INTER_AREA)


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Enlarge by an integer factor with nearest-neighbour, so every pixel stays visible."""
    if factor <= 1:
        return image
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)


def fit_tile(image: np.ndarray, lo: int = 64, hi: int = 128) -> np.ndarray:
    """Upscale by an integer factor until the longer side is >= ``lo``; shrink if it exceeds ``hi``."""
    side = max(image.shape[:2])
    if side > hi:
        return shrink(image, hi)
    return upscale(image, math.ceil(lo / side))


def montage(tiles, labels=None, columns: int | None = None, title: str | None = None) -> np.ndarray:
    """Grid of equally sized uint8 RGB tiles, each under its label, below a title strip.

    Size: width ``columns * (w + PAD) + PAD`` (widened if the title needs it), height
    ``TITLE + rows * (LABEL + h + PAD) + PAD``; ``columns`` defaults to ceil(sqrt(n)). Without
    ``title`` or ``labels``, their strips are left out.
    """
    count = len(tiles)
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    h, w = tiles[0].shape[:2]
    top, label_h = (0 if title is None else TITLE), (0 if labels is None else LABEL)
    canvas = titled_canvas(top + rows * (label_h + h + PAD) + PAD, columns * (w + PAD) + PAD, title)
    for i, tile in enumerate(tiles):
        x = PAD + (i % columns) * (w + PAD)
        y = top + PAD + (i // columns) * (label_h + h + PAD)
        if labels is not None:
            put_text(canvas, str(labels[i]), x, y + LABEL - 4, 0.35)
        canvas[y + label_h : y + label_h + h, x : x + w] = tile
    return canvas


def hstack_labelled(images, labels, title: str = "") -> np.ndarray:
    """Images of equal height side by side, each under its label: a one-row ``montage``."""
    heights = {image.shape[0] for image in images}
    if len(heights) != 1:
        raise ValueError("hstack_labelled needs images of equal height")
    height = heights.pop()
    width = sum(image.shape[1] + PAD for image in images) + PAD
    canvas = titled_canvas(TITLE + PAD + LABEL + height + PAD, width, title)
    x, y = PAD, TITLE + PAD
    for image, label in zip(images, labels):
        put_text(canvas, label, x, y + LABEL - 4, 0.35)
        canvas[y + LABEL : y + LABEL + height, x : x + image.shape[1]] = image
        x += image.shape[1] + PAD
    return canvas
