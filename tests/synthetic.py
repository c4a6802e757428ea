"""Synthetic test clips with exactly known motion, shared by the tests.

Sizes are ``(width, height)``; frames are uint8 RGB ``(H, W, 3)``; flows follow CONVENTIONS.md
(float32 (H, W, 2), dx then dy, ``flows_fw[t]`` = t -> t+1, ``flows_bw[t]`` = t+1 -> t).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class SyntheticClip:
    """Frames plus their true motion. Lists of pairs have ``len(frames) - 1`` entries."""

    frames: list[np.ndarray]
    flows_fw: list[np.ndarray]
    flows_bw: list[np.ndarray]
    disoccluded: list[np.ndarray]  # bool (H, W), frame t+1 geometry: not visible in frame t
    moving: list[np.ndarray]  # bool (H, W) per frame: pixels of the moving object


def textured_image(size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """Smooth random colour texture, uint8 (H, W, 3), with detail from ~2 px to ~32 px."""
    width, height = size
    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), np.float32)
    for cell in (32, 12, 5, 2):
        grid = rng.standard_normal((height // cell + 2, width // cell + 2, 3)).astype(np.float32)
        acc += np.sqrt(cell) * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
    lo, hi = acc.min(axis=(0, 1)), acc.max(axis=(0, 1))
    return np.rint(255 * (acc - lo) / (hi - lo)).astype(np.uint8)


def translating_clip(
    size: tuple[int, int], frames: int, shift: tuple[int, int] = (2, 1), seed: int = 0
) -> SyntheticClip:
    """A texture whose content moves by the integer ``shift = (dx, dy)`` pixels per frame."""
    width, height = size
    dx, dy = _int_pair(shift)
    travel_x, travel_y = abs(dx) * (frames - 1), abs(dy) * (frames - 1)
    canvas = textured_image((width + travel_x, height + travel_y), seed)
    x0, y0 = max(dx, 0) * (frames - 1), max(dy, 0) * (frames - 1)
    clip = [canvas[y0 - t * dy : y0 - t * dy + height, x0 - t * dx : x0 - t * dx + width].copy()
            for t in range(frames)]
    fw = _constant_flow(size, dx, dy)
    ys, xs = np.mgrid[:height, :width]
    entered = ~((xs - dx >= 0) & (xs - dx < width) & (ys - dy >= 0) & (ys - dy < height))
    pairs = frames - 1
    return SyntheticClip(
        frames=clip,
        flows_fw=[fw.copy() for _ in range(pairs)],
        flows_bw=[-fw for _ in range(pairs)],
        disoccluded=[entered.copy() for _ in range(pairs)],
        moving=[np.ones((height, width), bool) for _ in range(frames)],
    )


def moving_square_clip(
    size: tuple[int, int],
    frames: int,
    seed: int = 0,
    *,
    side: int | None = None,
    velocity: tuple[int, int] = (3, 2),
) -> SyntheticClip:
    """A static textured background with a textured square moving by ``velocity`` px/frame.

    The square's path is centred in the frame and must stay inside it.
    """
    width, height = size
    vx, vy = _int_pair(velocity)
    side = side if side is not None else min(width, height) // 3
    x0 = (width - side - vx * (frames - 1)) // 2
    y0 = (height - side - vy * (frames - 1)) // 2
    corners = [(x0 + t * vx, y0 + t * vy) for t in range(frames)]
    if any(not (0 <= x <= width - side and 0 <= y <= height - side) for x, y in corners):
        raise ValueError("the moving square leaves the frame; use fewer frames or less velocity")
    background = textured_image(size, seed)
    square = textured_image((side, side), seed + 1)
    moving = [_box_mask(size, x, y, side) for x, y in corners]
    clip = []
    for x, y in corners:
        frame = background.copy()
        frame[y : y + side, x : x + side] = square
        clip.append(frame)
    step = _constant_flow(size, vx, vy)
    return SyntheticClip(
        frames=clip,
        flows_fw=[step * moving[t][..., None] for t in range(frames - 1)],
        flows_bw=[-step * moving[t + 1][..., None] for t in range(frames - 1)],
        disoccluded=[moving[t] & ~moving[t + 1] for t in range(frames - 1)],
        moving=moving,
    )


def _box_mask(size: tuple[int, int], x: int, y: int, side: int) -> np.ndarray:
    mask = np.zeros((size[1], size[0]), bool)
    mask[y : y + side, x : x + side] = True
    return mask


def _constant_flow(size: tuple[int, int], dx: float, dy: float) -> np.ndarray:
    flow = np.empty((size[1], size[0], 2), np.float32)
    flow[..., 0], flow[..., 1] = dx, dy
    return flow


def _int_pair(pair: tuple[int, int]) -> tuple[int, int]:
    if any(int(v) != v for v in pair):
        raise ValueError(f"motion must be whole pixels, got {pair}")
    return int(pair[0]), int(pair[1])


def tiny_classifier():
    """A small random-weight network with a 10-class softmax head and a fixed 32x32 input: it
    stands in for vgg19 / inception_v3, whose ImageNet weights are not on this machine."""
    from dreamvideo._tf import tf
    from dreamvideo.models import Backbone

    tf.keras.utils.set_random_seed(0)
    inputs = tf.keras.Input((32, 32, 3))
    conv = tf.keras.layers.Conv2D(8, 3, activation="relu", name="conv")(inputs)
    pool = tf.keras.layers.GlobalAveragePooling2D(name="pool")(conv)
    predictions = tf.keras.layers.Dense(10, activation="softmax", name="predictions")(pool)
    return Backbone("tiny", inputs, {"conv": conv, "pool": pool, "predictions": predictions},
                    lambda rgb: rgb / 127.5 - 1.0, lambda x: (x + 1.0) * 127.5,
                    class_layer="predictions", labels=tuple(f"thing{i}" for i in range(10)))
