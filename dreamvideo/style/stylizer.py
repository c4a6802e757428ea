"""The stylizer: network, loss terms, style Grams and compiled functions, reused per frame."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .._tf import tf
from ..config import StyleConfig, StyleLayer, value_at
from ..errors import UserError
from ..backbone.models import Backbone, load_backbone
from ..videoio import to_uint8
from .bandlimit import band_limit, kernel
from .images import keep_colors, luminance, resize
from .losses import WEIGHT_NAMES, Evaluation, gram_errors, gram_matrix, style_terms, weighted_sum
from .optimise import OptimResult, minimize_lbfgs, should_stop
from .targets import TemporalTarget, blend_grams, level_sizes, style_size

import keras  # noqa: E402  (Keras 3, as tf.keras is; after _tf, which imports TensorFlow quietly)

ADAM_EPSILON = 1e-8  # Keras adds it to sqrt(v) before the bias correction (the paper's epsilon-hat)


@dataclass(frozen=True)
class StyleResult:
    image: np.ndarray  # uint8 (H, W, 3)
    loss: float  # the optimised criterion at the end (full size; nan if no iteration ran)
    iterations: list[int]  # per pyramid level, coarse to full
    stopped: str


def style_layer_weights(config: StyleConfig) -> dict[str, float]:
    weights: dict[str, float] = {}
    for item in config.style_layers:
        name, weight = (item.layer, item.weight) if isinstance(item, StyleLayer) else (item, 1.0)
        weights[name] = weights.get(name, 0.0) + weight
    return weights


# Stylizer.sketch, the start of the pixels a pan brings in (style.reveal_start: painted): a
# painting at a quarter of the frame's size (1/16 of a full-size iteration's cost each); 40
# iterations give it the style's strokes (docs/design/style-coherence.md).
SKETCH_SCALE = 0.25
SKETCH_ITERATIONS = 40
SKETCH_MIN_SIDE = 32  # px, the short side: below it VGG's deeper blocks see less than a pixel


class Stylizer:
    """Network, loss terms, style Grams and compiled functions, built once and reused per frame.

    ``styles`` are ``(image uint8 RGB, blend weight)`` pairs. Style Grams are computed once per
    pyramid level; the value-and-gradient function is traced once per image size (``traces``
    counts traces, so tests can check nothing is rebuilt per frame; ``evaluations`` counts
    forward+backward passes, for benchmarks).
    """

    def __init__(self, styles: Sequence[tuple[np.ndarray, float]], config: StyleConfig, *,
                 backbone: Backbone | None = None, jit_compile: bool = False):
        if not styles:
            raise UserError("style.images: give at least one style image")
        self.config = config
        self.backbone = backbone if backbone is not None else load_backbone()
        self.terms = style_terms([self.backbone.check_layer(n) for n in config.content_layers],
                                 {self.backbone.check_layer(n): w
                                  for n, w in style_layer_weights(config).items()})
        self.criterion = weighted_sum(self.terms)
        self._content_layers = tuple(self.terms["content"].layers)
        self._style_layers = tuple(self.terms["style"].layers)
        self._extractor = self.backbone.extractor(sorted(self.criterion.layers))
        self._content_extractor = tf.function(self.backbone.extractor(self._content_layers).__call__)
        self._gram_extractor = self.backbone.extractor(self._style_layers)
        prepare = luminance if config.preserve_colors else (lambda image: image)
        self._styles = [(prepare(np.asarray(image, np.float32)), float(w)) for image, w in styles]
        self._grams: dict[float, dict[str, tf.Tensor]] = {}
        self._taps = tf.constant(kernel(config.band_limit)) if config.band_limit < 0.5 else None
        self._value_and_grad = tf.function(self._value_and_grad_py, jit_compile=jit_compile)
        self.traces = 0
        self.evaluations = 0

    # -- targets

    def grams(self, factor: float = 1.0) -> dict[str, tf.Tensor]:
        """Blended Gram targets of the style images at pyramid ``factor`` (computed once)."""
        key = round(factor, 4)
        if key not in self._grams:
            per_style = []
            for image, _ in self._styles:
                seen = resize(image, style_size(image.shape, self.config.scale, factor))
                features = self._gram_extractor(tf.convert_to_tensor(seen[None]))
                per_style.append({n: gram_matrix(f)[0].numpy() for n, f in features.items()})
            blended = blend_grams(per_style, [w for _, w in self._styles])
            self._grams[key] = {n: tf.constant(g[None]) for n, g in blended.items()}
        return self._grams[key]

    def inputs(self, content: np.ndarray, *, frame: int = 0, factor: float = 1.0,
               temporal: TemporalTarget | None = None) -> dict[str, tf.Tensor]:
        """Everything the criterion reads besides the image, for one frame at one size."""
        config = self.config
        features = self._content_extractor(tf.convert_to_tensor(np.asarray(content, np.float32)[None]))
        inputs = {f"content/{n}": features[n] for n in self._content_layers}
        inputs.update({f"gram/{n}": g for n, g in self.grams(factor).items()})
        for name in WEIGHT_NAMES:
            weight = value_at(getattr(config, f"{name}_weight"), frame)
            inputs[f"{name}_weight"] = tf.constant(weight, tf.float32)
        if temporal is not None and float(inputs["temporal_weight"]) > 0:
            inputs["warped"] = tf.constant(temporal.warped, tf.float32)
            inputs["mask"] = tf.constant(temporal.weights[..., None], tf.float32)
        return inputs

    # -- compiled functions

    def _painting_py(self, x):
        """The image the optimised pixels ``x`` (1, H, W, 3) stand for: ``x`` band-limited
        (``style.band_limit``, :mod:`.bandlimit`), or ``x`` itself at 0.5."""
        return x if self._taps is None else band_limit(x, self._taps)

    def painting(self, x: np.ndarray) -> np.ndarray:
        """:meth:`_painting_py` of an (H, W, 3) float array (may leave [0, 255] by a little)."""
        image = self._painting_py(tf.convert_to_tensor(np.asarray(x, np.float32)[None]))
        return np.asarray(image)[0]

    def _value_and_grad_py(self, x, inputs):
        self.traces += 1  # runs only while tracing
        with tf.GradientTape() as tape:
            tape.watch(x)
            image = self._painting_py(x)
            value = self.criterion(Evaluation(image, self._extractor(image), inputs))
        return value, tape.gradient(value, x)

    def value_and_grad(self, x: np.ndarray, inputs) -> tuple[float, np.ndarray]:
        """Criterion and its gradient for an (H, W, 3) float image."""
        self.evaluations += 1
        value, grad = self._value_and_grad(tf.convert_to_tensor(x[None], tf.float32), inputs)
        return float(value), grad.numpy()[0]

    def evaluate(self, x: np.ndarray, inputs) -> dict[str, float]:
        """Each weighted term and the total, for reports and tests."""
        x = tf.convert_to_tensor(np.asarray(x, np.float32)[None])
        ev = Evaluation(x, self._extractor(x), inputs)
        values = {n: float(inputs[f"{n}_weight"] * term(ev)) for n, term in self.terms.items()}
        values["total"] = sum(values.values())
        return values

    def style_errors(self, x: np.ndarray, factor: float = 1.0) -> dict[str, float]:
        """Unweighted relative Gram error of each style layer for an (H, W, 3) float image."""
        features = self._gram_extractor(tf.convert_to_tensor(np.asarray(x, np.float32)[None]))
        return {n: float(e) for n, e in gram_errors(features, self.grams(factor)).items()}

    def optimize(self, x0: np.ndarray, inputs, iterations: int) -> OptimResult:
        config = self.config
        if config.optimizer == "lbfgs":
            return minimize_lbfgs(lambda x: self.value_and_grad(x, inputs), x0,
                                  iterations=iterations, tolerance=config.tolerance,
                                  precondition=temporal_precondition(inputs))
        return self._adam(x0, inputs, iterations)

    def _adam(self, x0: np.ndarray, inputs, iterations: int) -> OptimResult:
        """Keras's Adam on the pixels (a fresh state per call), kept in [0, 255]."""
        x = tf.Variable(np.asarray(x0, np.float32)[None])
        optimizer = keras.optimizers.Adam(self.config.learning_rate, epsilon=ADAM_EPSILON)
        result = OptimResult(np.asarray(x0, np.float32))
        for _ in range(iterations):
            self.evaluations += 1
            value, grad = self._value_and_grad(tf.convert_to_tensor(x), inputs)
            optimizer.apply_gradients([(grad, x)])
            x.assign(tf.clip_by_value(x, 0.0, 255.0))
            result.losses.append(float(value))
            if should_stop(result.losses, self.config.tolerance, iterations):
                result.stopped = "tolerance"
                break
        result.x = x.numpy()[0]
        return result

    # -- one image

    def sketch(self, content: np.ndarray, *, frame: int = 0, scale: float = SKETCH_SCALE,
               iterations: int = SKETCH_ITERATIONS) -> np.ndarray:
        """A quick independent painting of ``content``: optimised from the content at ``scale``
        of its size for ``iterations``, upsampled to the content's size. Float32 (H, W, 3) in
        the optimised pixels' space (a start image, not an output)."""
        full = (content.shape[1], content.shape[0])
        scale = min(1.0, max(scale, SKETCH_MIN_SIDE / min(full)))
        small = (round(full[0] * scale), round(full[1] * scale))
        start = resize(np.asarray(content, np.float32), small)
        result = self.optimize(start, self.inputs(start, frame=frame, factor=small[0] / full[0]),
                               iterations)
        return np.clip(resize(self.painting(result.x), full), 0, 255)

    def stylize(self, content: np.ndarray, *, init: np.ndarray, iterations: int, frame: int = 0,
                temporal: TemporalTarget | None = None, levels: int | None = None) -> StyleResult:
        """Optimise from ``init`` (float, content size), coarse to fine; returns uint8.

        ``levels`` (default ``config.resolutions``) pyramid levels, halving per level. The
        optimised pixels stand for their band-limited painting (``style.band_limit``). Each finer
        level starts from ``init`` plus the upsampled change made at the coarser level, so the
        detail of the start image is kept. Coarse levels run ``iterations``, the full-size level
        ``ceil(iterations / 2)`` when there is more than one level.
        """
        content = np.asarray(content, np.float32)
        full = (content.shape[1], content.shape[0])
        sizes = level_sizes(full, levels if levels is not None else self.config.resolutions)
        init = np.asarray(init, np.float32)
        x, counts, result = None, [], None
        for level, size in enumerate(sizes):
            start = resize(init, size)
            if x is not None:
                start = np.clip(start + resize(x - resize(init, x.shape[1::-1]), size), 0, 255)
            count = iterations if level < len(sizes) - 1 or len(sizes) == 1 else math.ceil(iterations / 2)
            inputs = self.inputs(resize(content, size), frame=frame, factor=size[0] / full[0],
                                 temporal=temporal.resized(size) if temporal is not None else None)
            result = self.optimize(start, inputs, count)
            x = result.x
            counts.append(result.iterations)
        image = self.painting(x)
        image = keep_colors(image, content) if self.config.preserve_colors else image
        loss = result.losses[-1] if result.losses else math.nan
        return StyleResult(to_uint8(image), loss, counts, result.stopped)


TEMPORAL_STIFFNESS_REFERENCE = 20.0  # the temporal weight as stiff as the other terms together


def temporal_precondition(inputs) -> np.ndarray | None:
    """L-BFGS's diagonal preconditioner for a frame with a temporal loss: (H, W, 1) float32,
    ``1 / sqrt(1 + temporal_weight * mask / TEMPORAL_STIFFNESS_REFERENCE)``; None without one.

    The temporal term's curvature is ``temporal_weight * mask`` (times a constant) per pixel: at
    the default weight 200 the pixels the mask holds are about ten times stiffer than the ones it
    frees (a disocclusion, the strip a pan reveals at the frame's edge). L-BFGS sizes its steps
    by the stiff majority, so within ``iterations.next`` the freed pixels stay half styled and
    the next frame's temporal loss keeps them so: the soft band at the entering edge of a pan.
    Scaling each pixel's variable by this factor evens the curvature out (the reference 20 was
    measured on presets/style_video.yaml at 160x96: a factor 10 at weight 200 gives the entering
    edge the texture of the rest in the same iterations, 3 leaves it soft, 50 overshoots)."""
    if "mask" not in inputs:
        return None
    weight = float(inputs["temporal_weight"]) / TEMPORAL_STIFFNESS_REFERENCE
    mask = np.sum(np.asarray(inputs["mask"], np.float32), axis=0)  # (K, H, W, 1) -> (H, W, 1)
    return (1.0 / np.sqrt(1.0 + weight * mask)).astype(np.float32)


def initial_image(kind: str, content: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Start image for a frame optimised from scratch: the content, or uniform noise."""
    if kind == "noise":
        return rng.uniform(0.0, 255.0, content.shape).astype(np.float32)
    return np.asarray(content, np.float32)


def stylize_image(content: np.ndarray, styles: Sequence[np.ndarray | tuple[np.ndarray, float]],
                  config: StyleConfig, *, backbone: Backbone | None = None,
                  rng: np.random.Generator | None = None) -> np.ndarray:
    """Stylise one uint8 RGB image with one or more style images (optionally ``(image, weight)``)
    using ``config.iterations.first``; ``init: warped`` means content here. Returns uint8 RGB."""
    pairs = [s if isinstance(s, tuple) else (s, 1.0) for s in styles]
    stylizer = Stylizer(pairs, config, backbone=backbone)
    rng = rng if rng is not None else np.random.default_rng(0)
    init = initial_image(config.init, content, rng)
    return stylizer.stylize(content, init=init, iterations=config.iterations.first).image
