"""Gradient-ascent dreaming: jittered tiled gradients, gradient shaping, octaves.

Images are float32 (H, W, 3) RGB in [0, 255]. One ``Dreamer`` is built per run (the network and
the traced gradient function are reused for every frame); ``dream`` is a pure function of the
image, the settings and the random generator, so the same seed gives the same frames.

A step: random view (``views``: the frame turned and mirrored at random, so no orientation wins,
see views.py) -> random roll (jitter) -> gradient tile by tile (each tile sees a margin of context that
is cut away afterwards, so tiles meet without seams) -> optional percentile clip and blur of the
gradient -> optional turn toward natural colour directions (``colour_decorrelate``, see
decorrelate.py) -> normalisation (global std, or per band of a Laplacian pyramid) -> ascent step ->
optional decay toward grey, blur of the image, clip to [0, 255]. The gradient is turned back from
the view before it is shaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from .._tf import tf

from ..config import DreamConfig, value_at
from .decorrelate import decorrelate_gradient
from .objectives import Objective
from .pyramid import laplacian_bands, merge_bands
from .views import IDENTITY, View, draw

NEUTRAL = 127.5


class DreamSettings(DreamConfig):
    """One frame's dream settings: :class:`DreamConfig` (its fields and defaults) with the
    animated values read at that frame and ``views: auto`` resolved; what :meth:`Dreamer.dream`
    takes. Change a field with ``settings.model_copy(update={...})``."""

    step_size: float = DreamConfig.model_fields["step_size"].default
    colour_decorrelate: float = DreamConfig.model_fields["colour_decorrelate"].default
    views: Literal["rotate", "flip", "none"] = "rotate"

    @classmethod
    def from_config(cls, config: DreamConfig, step_size: float, *, auto_views: str = "rotate",
                    frame: float = 0) -> DreamSettings:
        """``config`` at ``frame`` with the strength ``step_size``; ``auto_views``: what
        ``views: auto`` means for the caller (``none`` for a video)."""
        return cls.model_construct(**{**dict(config), "step_size": step_size,
                                      "colour_decorrelate": value_at(config.colour_decorrelate, frame),
                                      "views": auto_views if config.views == "auto" else config.views})

    def for_first_frame(self) -> DreamSettings:
        """The settings of a clip's first frame (``first_frame_steps``, when set)."""
        if self.first_frame_steps is None:
            return self
        return self.model_copy(update={"steps": self.first_frame_steps})


@dataclass(frozen=True)
class Tile:
    """A core region (written back) inside a larger input region (seen by the network)."""

    y0: int
    y1: int
    x0: int
    x1: int
    in_y0: int
    in_y1: int
    in_x0: int
    in_x1: int


def tile_grid(height: int, width: int, tile: int, margin: int) -> list[Tile]:
    """Cover the frame with core tiles of at most ``tile`` pixels, each with ``margin`` of context."""
    def spans(size):
        count = max(1, int(np.ceil(size / tile)))
        edges = np.linspace(0, size, count + 1).round().astype(int)
        return list(zip(edges[:-1], edges[1:]))

    return [Tile(y0, y1, x0, x1, max(0, y0 - margin), min(height, y1 + margin),
                 max(0, x0 - margin), min(width, x1 + margin))
            for y0, y1 in spans(height) for x0, x1 in spans(width)]


class Dreamer:
    """Dreams images toward an objective with one backbone; build once, call per frame."""

    def __init__(self, backbone, objective: Objective, *, tile_margin: int = 64):
        self.objective = objective
        self.extractor = backbone.extractor(sorted(objective.layers))
        self.tile_margin = tile_margin
        self._gradient = tf.function(
            self._tile_gradient,
            input_signature=[tf.TensorSpec((None, None, 3), tf.float32), tf.TensorSpec((12,), tf.float32)],
            reduce_retracing=True,
        )

    def _tile_gradient(self, image, window):
        with tf.GradientTape() as tape:
            tape.watch(image)
            score = self.objective(self.extractor(image[None]), window)
        return tape.gradient(score, image), score

    def gradient(self, image: np.ndarray, tile_size: int, shift: tuple[int, int],
                 view: View = IDENTITY) -> np.ndarray:
        """Gradient of the objective w.r.t. the image, seen through ``view``, rolled by ``shift``
        and computed tile by tile, carried back to the image."""
        seen = view.apply(image)
        height, width = seen.shape[:2]
        locate = view.locate((image.shape[1], image.shape[0])).ravel()
        rolled = np.roll(seen, shift, axis=(0, 1))
        grad = np.zeros_like(rolled)
        margin = 0 if max(height, width) <= tile_size else self.tile_margin
        for tile in tile_grid(height, width, tile_size, margin):
            patch = rolled[tile.in_y0:tile.in_y1, tile.in_x0:tile.in_x1]
            area = patch.shape[0] * patch.shape[1] / (height * width)
            window = np.array([(tile.in_x0 - shift[1]) % width, (tile.in_y0 - shift[0]) % height,
                               patch.shape[1], patch.shape[0], width, height, *locate], np.float32)
            tile_grad, _ = self._gradient(tf.constant(patch), tf.constant(window))
            core = tile_grad.numpy()[tile.y0 - tile.in_y0:tile.y1 - tile.in_y0,
                                     tile.x0 - tile.in_x0:tile.x1 - tile.in_x0]
            grad[tile.y0:tile.y1, tile.x0:tile.x1] = core * area
        return view.restore(np.roll(grad, (-shift[0], -shift[1]), axis=(0, 1)))

    def score(self, image: np.ndarray) -> float:
        """The objective's value for a whole image (for tests and inspection)."""
        height, width = image.shape[:2]
        window = tf.constant([0, 0, width, height, width, height, *IDENTITY.locate((width, height)).ravel()],
                             tf.float32)
        return float(self._gradient(tf.constant(np.asarray(image, np.float32)), window)[1])

    def step(self, image: np.ndarray, settings: DreamSettings, rng: np.random.Generator,
             step_index: int) -> np.ndarray:
        shift = tuple(int(v) for v in rng.integers(-settings.jitter, settings.jitter + 1, size=2)) \
            if settings.jitter else (0, 0)
        grad = self.gradient(image, settings.tile_size, shift, draw(settings.views, rng))
        blur_now = settings.blur_sigma > 0 and step_index % settings.blur_every == 0
        if settings.grad_clip_percentile is not None:
            grad = clip_by_percentile(grad, settings.grad_clip_percentile)
        if blur_now and settings.blur_target == "gradient":
            grad = gaussian_blur(grad, settings.blur_sigma)
        grad = decorrelate_gradient(grad, settings.colour_decorrelate)
        grad = normalize_gradient(grad, settings.normalize, settings.laplacian_levels)
        image = image + settings.step_size * grad
        if settings.decay:
            image = image + settings.decay * (NEUTRAL - image)
        if blur_now and settings.blur_target == "image":
            image = gaussian_blur(image, settings.blur_sigma)
        if settings.clip_pixels:
            image = np.clip(image, 0, 255)
        return image.astype(np.float32)

    def dream(self, image: np.ndarray, settings: DreamSettings, rng: np.random.Generator) -> np.ndarray:
        """Dream ``settings.steps`` steps per octave, coarse octaves first, carrying the detail up."""
        image = np.asarray(image, np.float32)
        height, width = image.shape[:2]
        detail = None
        for octave in reversed(range(settings.octaves)):
            factor = settings.octave_scale ** octave
            size = (max(8, round(width / factor)), max(8, round(height / factor)))
            base = resize(image, size)
            start = base if detail is None else base + resize(detail, size)
            dreamt = start
            for step_index in range(settings.steps):
                dreamt = self.step(dreamt, settings, rng, step_index)
            detail = dreamt - base
        return np.clip(image + detail, 0, 255) if settings.clip_pixels else image + detail


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float image to (width, height); a no-op when it already has that size."""
    if (image.shape[1], image.shape[0]) == tuple(size):
        return image
    shrinking = size[0] < image.shape[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT)


def clip_by_percentile(grad: np.ndarray, percentile: float) -> np.ndarray:
    """Clip gradient magnitudes above the given percentile of |grad|."""
    limit = np.percentile(np.abs(grad), percentile)
    return np.clip(grad, -limit, limit)


def normalize_gradient(grad: np.ndarray, mode: str, levels: int = 4) -> np.ndarray:
    """Scale the gradient to unit RMS; ``laplacian`` first equalises each frequency band."""
    if mode == "laplacian":
        grad = laplacian_normalize(grad, levels)
    if mode == "none":
        return grad
    return grad / (np.sqrt(np.mean(grad ** 2)) + 1e-8)


def laplacian_normalize(grad: np.ndarray, levels: int) -> np.ndarray:
    """Split into a Laplacian pyramid, give every band unit RMS, merge (as in TF's deepdream)."""
    bands = [band / (np.sqrt(np.mean(band ** 2)) + 1e-8) for band in laplacian_bands(grad, levels)]
    return merge_bands(bands).astype(np.float32)
