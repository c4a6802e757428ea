"""Training content for a style network: frame pairs sampled across a clip, with the project's
flow (OpenCV, or Blender's Vector pass) and consistency masks, and random crops, flips, scales.

``--content`` is opened by :func:`dreamvideo.components.sources.content_for`. Frames larger
than ``MAX_SIDE`` on their short side are reduced first (the pool stays in memory; the network
then learnt them smaller than a full-size render will show them).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import UserError
from ..motion.flow import consistency_mask
from .images import rgb_to_ycrcb, ycrcb_to_rgb

MAX_PAIRS = 32  # frame pairs kept, evenly spaced over the clip
MAX_SIDE = 720  # short side of the kept frames, at most
# Random scale range (on top of what makes a frame cover the crop). 1: crops at the frames' own
# scale, the one the network will see them at. (0.8, 1.25) magnified every crop of a frame no
# larger than the crop (draws below 1 were clamped to cover it: 1.12x on average), and a network
# trained so scored 1.19x the style loss of one trained at scale 1 (same CPU seconds).
SCALES = (1.0, 1.0)
# Photometric jitter (TrainSettings.photometric): contrast about the crop's mean x CONTRAST
# (log-uniform), then a gamma (log-uniform); the same for both frames of a pair. Lower contrast
# and darker or lighter frames than the photographs trained on (the bench's zoom clip: std 39
# levels against the photographs' 83).
CONTRAST = (0.3, 1.0)
GAMMA = (0.5, 2.0)
# Colour jitter (TrainSettings.colour_jitter): the chroma plane (Cr, Cb) turned by a uniform angle
# and scaled by SATURATION (log-uniform); the same for both frames of a pair. Hues and greys the
# few photographs trained on do not hold (the bench's zoom clip: a grey-blue texture).
SATURATION = (0.25, 1.5)


@dataclass(frozen=True)
class Pair:
    """Frames a (t) and b (t+1), uint8 RGB; ``flow_ba`` float32 (H, W, 2) brings a into b's
    geometry; ``mask`` float32 (H, W), 1 where that warp is reliable."""

    a: np.ndarray
    b: np.ndarray
    flow_ba: np.ndarray
    mask: np.ndarray


@dataclass(frozen=True)
class Batch:
    a: np.ndarray  # float32 (B, S, S, 3)
    b: np.ndarray
    flow_ba: np.ndarray  # float32 (B, S, S, 2)
    mask: np.ndarray  # float32 (B, S, S, 1)


def pair_indices(frame_count: int | None, pairs: int = MAX_PAIRS) -> list[int]:
    """First frames of the pairs kept: evenly spread over the clip (none for a still image)."""
    if not frame_count or frame_count < 2:
        return []
    return sorted({round(i) for i in np.linspace(0, frame_count - 2, min(pairs, frame_count - 1))})


def load_pairs(source, flow, *, pairs: int = MAX_PAIRS) -> list[Pair]:
    """Read the pairs (one pass over the source), with flows and masks. A still image gives one
    pair of itself with an empty mask (no temporal term)."""
    starts = pair_indices(source.frame_count, pairs)
    if not starts:
        frame = _reduced(next(iter(source.frames())))
        height, width = frame.shape[:2]
        return [Pair(frame, frame, np.zeros((height, width, 2), np.float32),
                     np.zeros((height, width), np.float32))]
    wanted = set(starts) | {s + 1 for s in starts}
    frames: dict[int, np.ndarray] = {}
    iterator = source.frames(0)
    try:
        for index, frame in enumerate(iterator):
            if index in wanted:
                frames[index] = np.array(frame)
            if index >= max(wanted):
                break
    finally:
        iterator.close()
    result = []
    for start in starts:
        if start + 1 not in frames:
            break
        fw, bw = flow.flow_pair(start, frames[start], frames[start + 1])
        mask = consistency_mask(fw, bw)
        a, b = _reduced(frames[start]), _reduced(frames[start + 1])
        factor = a.shape[1] / frames[start].shape[1]
        result.append(Pair(a, b, _resize_flow(bw, a.shape, factor), _resize(mask, a.shape, cv2.INTER_NEAREST)))
    if not result:
        raise UserError("--content: no frames could be read")
    return result


def sample_batch(pairs: list[Pair], rng: np.random.Generator, *, size: int, batch: int) -> Batch:
    """``batch`` random crops (same window for a and b) of random pairs, randomly scaled and
    flipped; flows and masks follow the same transform."""
    items = [_augment(pairs[rng.integers(len(pairs))], rng, size) for _ in range(batch)]
    return Batch(*(np.stack(parts).astype(np.float32) for parts in zip(*items)))


def photometric(batch: Batch, rng: np.random.Generator, share: float) -> Batch:
    """``batch`` with each item's two frames put through one random contrast and gamma change,
    with probability ``share`` (the draws come from ``rng`` only when ``share`` > 0, so 0 leaves
    the batches of a seed as they were)."""
    if share <= 0:
        return batch
    a, b = batch.a.copy(), batch.b.copy()
    for i in range(len(a)):
        jitter, contrast, gamma = rng.random(), _log_uniform(rng, CONTRAST), _log_uniform(rng, GAMMA)
        if jitter < share:
            mean = b[i].mean(axis=(0, 1))
            a[i], b[i] = (255.0 * (np.clip(mean + contrast * (x - mean), 0.0, 255.0) / 255.0) ** gamma
                          for x in (a[i], b[i]))
    return Batch(a, b, batch.flow_ba, batch.mask)


def colour_jitter(batch: Batch, rng: np.random.Generator, share: float) -> Batch:
    """``batch`` with each item's two frames' chroma turned and scaled by one random draw, with
    probability ``share`` (no draws when ``share`` is 0: the batches of a seed stay as they were)."""
    if share <= 0:
        return batch
    a, b = batch.a.copy(), batch.b.copy()
    for i in range(len(a)):
        jitter, angle = rng.random(), rng.uniform(-np.pi, np.pi)
        saturation = _log_uniform(rng, SATURATION)
        if jitter < share:
            a[i], b[i] = (_turn_chroma(x, angle, saturation) for x in (a[i], b[i]))
    return Batch(a, b, batch.flow_ba, batch.mask)


def _turn_chroma(image: np.ndarray, angle: float, saturation: float) -> np.ndarray:
    ycrcb = rgb_to_ycrcb(image)
    cos, sin = saturation * np.cos(angle), saturation * np.sin(angle)
    cr, cb = ycrcb[..., 1] - 128.0, ycrcb[..., 2] - 128.0
    ycrcb[..., 1], ycrcb[..., 2] = 128.0 + cos * cr - sin * cb, 128.0 + sin * cr + cos * cb
    return np.clip(ycrcb_to_rgb(ycrcb), 0.0, 255.0)


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


def _augment(pair: Pair, rng: np.random.Generator, size: int):
    height, width = pair.a.shape[:2]
    cover = size / min(height, width)
    scale = max(max(1.0, cover) * rng.uniform(*SCALES), cover)
    shape = (max(size, round(height * scale)), max(size, round(width * scale)))
    a, b = (_resize(image, shape, cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR) for image in (pair.a, pair.b))
    flow = _resize_flow(pair.flow_ba, shape, shape[1] / width)
    mask = _resize(pair.mask, shape, cv2.INTER_NEAREST)
    y0 = int(rng.integers(shape[0] - size + 1))
    x0 = int(rng.integers(shape[1] - size + 1))
    window = (slice(y0, y0 + size), slice(x0, x0 + size))
    a, b, flow, mask = a[window], b[window], flow[window], mask[window]
    if rng.random() < 0.5:
        a, b, mask = a[:, ::-1], b[:, ::-1], mask[:, ::-1]
        flow = flow[:, ::-1] * np.array([-1.0, 1.0], np.float32)
    return a, b, flow, mask[..., None]


def _reduced(frame: np.ndarray) -> np.ndarray:
    height, width = frame.shape[:2]
    factor = min(1.0, MAX_SIDE / min(height, width))
    if factor >= 1.0:
        return np.asarray(frame)
    return _resize(frame, (round(height * factor), round(width * factor)), cv2.INTER_AREA)


def _resize(image: np.ndarray, shape: tuple[int, ...], interpolation: int) -> np.ndarray:
    if image.shape[:2] == tuple(shape[:2]):
        return np.asarray(image)
    return cv2.resize(np.ascontiguousarray(image), (shape[1], shape[0]), interpolation=interpolation)


def _resize_flow(flow: np.ndarray, shape: tuple[int, ...], factor: float) -> np.ndarray:
    """Flow resized to ``shape`` with its vectors scaled by ``factor``."""
    return _resize(flow.astype(np.float32), shape, cv2.INTER_LINEAR) * np.float32(factor)
