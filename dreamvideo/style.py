"""Neural style transfer (Gatys et al. 2016), built from losses as values.

Three parts, kept apart as in pystiche:

- **Losses** (:class:`Loss`): small closures over an :class:`Evaluation` (the optimised image,
  its backbone features, and the per-call ``inputs``: targets and weights). They add and scale
  like numbers (lucid objectives): ``param("style_weight") * style_loss(layers) + ...``.
- **Targets**: content features per frame; style Gram matrices computed once per run (per
  pyramid level) and blended over several style images; warped earlier outputs for the temporal
  term.
- **Optimisation**: L-BFGS-B (scipy, pixel bounds [0, 255]) or Adam on a compiled
  value-and-gradient that is traced once per image size, coarse-to-fine.

Images are ``float32 (H, W, 3)`` in [0, 255] (RGB) unless said otherwise.

**Style scale.** A style image is always seen with its long side at ``scale x STYLE_REFERENCE``
(512) pixels of the output, whatever the size of the style file and of the frame. So the size of
the pattern (brush strokes, tiles) in output pixels is set by ``scale`` alone: the same preset
gives the same strokes on a 640 px and a 1920 px frame (the larger frame holds more of them), and
a 4000 px scan of a painting gives the same result as an 800 px copy. Coarse pyramid levels see
the style image reduced by the same factor as the frame, so patterns keep their size relative to
the final output.

**Loss normalisation** (so weights do not depend on frame size): content and style are relative
errors (``mean((F - P)^2) / mean(P^2)``, likewise for Grams, Gram = ``F^T F / (H W)``); total
variation and temporal loss are on pixels scaled to [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import cv2
import numpy as np
import scipy.optimize

from ._tf import tf
from .config import StyleConfig, StyleLayer, value_at
from .errors import UserError
from .models import Backbone, load_backbone
from .videoio import to_uint8

STYLE_REFERENCE = 512  # px of output: the long side of a style image at scale 1
MIN_ITERATIONS = 10  # the tolerance never stops an optimisation before this many iterations
STOP_WINDOW = 5  # the relative loss change is averaged over this many iterations
WEIGHT_NAMES = ("content", "style", "tv", "temporal")
_EPS = 1e-8


# ----- losses as values ----------------------------------------------------------------------

@dataclass(frozen=True)
class Evaluation:
    """What a loss sees: the image (1, H, W, 3), its features, and the per-call inputs."""

    x: tf.Tensor
    features: Mapping[str, tf.Tensor]
    inputs: Mapping[str, tf.Tensor]


class Loss:
    """A scalar function of an :class:`Evaluation`; ``+``, ``*`` and ``-`` build new losses.

    ``layers`` are the backbone layers the loss reads (the union is extracted in one pass).
    """

    def __init__(self, fn: Callable[[Evaluation], tf.Tensor], *, layers=(), name: str = "loss"):
        self.fn = fn
        self.layers = frozenset(layers)
        self.name = name

    def __call__(self, ev: Evaluation) -> tf.Tensor:
        return self.fn(ev)

    def __repr__(self) -> str:
        return f"Loss({self.name})"

    def __add__(self, other) -> Loss:
        other = _as_loss(other)
        return Loss(lambda ev: self(ev) + other(ev), layers=self.layers | other.layers,
                    name=f"{self.name} + {other.name}")

    def __radd__(self, other) -> Loss:
        return _as_loss(other) + self

    def __mul__(self, other) -> Loss:
        other = _as_loss(other)
        return Loss(lambda ev: self(ev) * other(ev), layers=self.layers | other.layers,
                    name=f"{other.name} * {self.name}")

    __rmul__ = __mul__

    def __neg__(self) -> Loss:
        return -1.0 * self

    def __sub__(self, other) -> Loss:
        return self + (-_as_loss(other))

    def __rsub__(self, other) -> Loss:
        return _as_loss(other) + (-self)


def _as_loss(value) -> Loss:
    if isinstance(value, Loss):
        return value
    constant = float(value)
    return Loss(lambda ev: tf.constant(constant, tf.float32), name=f"{constant:g}")


def param(key: str) -> Loss:
    """The scalar ``inputs[key]``: a weight that may change per call without retracing."""
    return Loss(lambda ev: ev.inputs[key], name=key)


def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """(B, H, W, C) -> (B, C, C), averaged over positions: ``F^T F / (H W)``."""
    shape = tf.shape(features)
    flat = tf.reshape(features, (shape[0], -1, shape[3]))
    return tf.matmul(flat, flat, transpose_a=True) / tf.cast(shape[1] * shape[2], tf.float32)


def _relative_error(value: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.square(value - target)) / (tf.reduce_mean(tf.square(target)) + _EPS)


def content_loss(layers: Sequence[str]) -> Loss:
    """Mean relative feature error to ``inputs["content/<layer>"]`` over ``layers``."""
    layers = tuple(layers)

    def fn(ev):
        errors = [_relative_error(ev.features[n], ev.inputs[f"content/{n}"]) for n in layers]
        return tf.add_n(errors) / len(layers)

    return Loss(fn, layers=layers, name="content")


def style_loss(layer_weights: Mapping[str, float]) -> Loss:
    """Weighted relative Gram error to ``inputs["gram/<layer>"]``; weights are normalised."""
    total = sum(layer_weights.values())
    if total <= 0:
        raise UserError("style.style_layers: at least one layer needs a weight > 0")
    weights = {name: w / total for name, w in layer_weights.items() if w > 0}

    def fn(ev):
        errors = [w * _relative_error(gram_matrix(ev.features[n]), ev.inputs[f"gram/{n}"])
                  for n, w in weights.items()]
        return tf.add_n(errors)

    return Loss(fn, layers=weights, name="style")


def tv_loss() -> Loss:
    """Total variation: mean squared difference of neighbouring pixels, pixels in [0, 1]."""

    def fn(ev):
        x = ev.x / 255.0
        dx = x[:, :, 1:] - x[:, :, :-1]
        dy = x[:, 1:] - x[:, :-1]
        return tf.reduce_mean(tf.square(dx)) + tf.reduce_mean(tf.square(dy))

    return Loss(fn, name="tv")


def temporal_loss() -> Loss:
    """``sum(mask * (x - warped)^2) / N`` on the optimised image, pixels in [0, 1].

    ``inputs["warped"]`` (K, H, W, 3) are earlier outputs warped into this frame and
    ``inputs["mask"]`` (K, H, W, 1) their per-pixel weights (K = 1: the previous frame; more for
    long-term consistency). N = H * W * 3. Zero when the inputs hold no temporal target.
    """

    def fn(ev):
        if "warped" not in ev.inputs:
            return tf.constant(0.0, tf.float32)
        diff = (ev.x - ev.inputs["warped"]) / 255.0
        return tf.reduce_sum(ev.inputs["mask"] * tf.square(diff)) / tf.cast(tf.size(ev.x), tf.float32)

    return Loss(fn, name="temporal")


def style_terms(content_layers: Sequence[str], style_layers: Mapping[str, float]) -> dict[str, Loss]:
    """The four unweighted terms of video style transfer, by weight name."""
    return {"content": content_loss(content_layers), "style": style_loss(style_layers),
            "tv": tv_loss(), "temporal": temporal_loss()}


def weighted_sum(terms: Mapping[str, Loss]) -> Loss:
    """``sum(param("<name>_weight") * term)``: the criterion that is optimised."""
    return sum(param(f"{name}_weight") * term for name, term in terms.items())


# ----- targets -------------------------------------------------------------------------------

@dataclass(frozen=True)
class TemporalTarget:
    """Earlier outputs warped into the current frame, with per-pixel weights.

    ``warped`` is float32 (K, H, W, 3) in [0, 255], nearest earlier frame first; ``weights`` is
    float32 (K, H, W) in [0, 1] (consistency masks, or long-term weights).
    """

    warped: np.ndarray
    weights: np.ndarray

    def resized(self, size: tuple[int, int]) -> TemporalTarget:
        return TemporalTarget(np.stack([resize(w, size) for w in self.warped]),
                              np.stack([resize(m, size) for m in self.weights]))


def blend_grams(grams: Sequence[Mapping[str, np.ndarray]], weights: Sequence[float]) -> dict:
    """Weighted mean of per-style Gram targets, layer by layer."""
    if len(grams) != len(weights) or not grams:
        raise ValueError("need one weight per style, and at least one style")
    total = float(sum(weights))
    return {layer: sum(w * g[layer] for g, w in zip(grams, weights)) / total for layer in grams[0]}


def style_size(shape: tuple[int, ...], scale: float, factor: float = 1.0) -> tuple[int, int]:
    """(width, height) at which a style image of ``shape`` is seen: long side
    ``scale * STYLE_REFERENCE * factor`` (``factor`` < 1 on coarse pyramid levels)."""
    height, width = shape[:2]
    ratio = scale * STYLE_REFERENCE * factor / max(height, width)
    return max(16, round(width * ratio)), max(16, round(height * ratio))


def level_sizes(size: tuple[int, int], levels: int) -> list[tuple[int, int]]:
    """Pyramid sizes from coarse to full, halving per level; levels under 32 px are dropped."""
    width, height = size
    sizes = [(round(width / 2**k), round(height / 2**k)) for k in range(levels - 1, -1, -1)]
    return [s for s in sizes if min(s) >= 32 or s == (width, height)]


# ----- colour --------------------------------------------------------------------------------

_TO_YCRCB = np.array([[0.299, 0.587, 0.114], [0.5, -0.418688, -0.081312],
                      [-0.168736, -0.331264, 0.5]], np.float32)  # rows: Y, Cr, Cb (BT.601)
_FROM_YCRCB = np.linalg.inv(_TO_YCRCB).astype(np.float32)


def rgb_to_ycrcb(image: np.ndarray) -> np.ndarray:
    """RGB [0, 255] -> Y, Cr, Cb (BT.601, chroma offset 128, as ``cv2.COLOR_RGB2YCrCb``)."""
    out = np.asarray(image, np.float32) @ _TO_YCRCB.T
    out[..., 1:] += 128.0
    return out


def ycrcb_to_rgb(image: np.ndarray) -> np.ndarray:
    shifted = np.asarray(image, np.float32).copy()
    shifted[..., 1:] -= 128.0
    return shifted @ _FROM_YCRCB.T


def luminance(image: np.ndarray) -> np.ndarray:
    """Grey RGB image (Y in all three channels), float32."""
    y = rgb_to_ycrcb(image)[..., :1]
    return np.repeat(y, 3, axis=2)


def keep_colors(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Luminance of ``stylized`` with the chroma (Cr, Cb) of ``content``, float32 [0, 255]."""
    mixed = rgb_to_ycrcb(content)
    mixed[..., 0] = rgb_to_ycrcb(stylized)[..., 0]
    return np.clip(ycrcb_to_rgb(mixed), 0, 255)


# ----- images --------------------------------------------------------------------------------

def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a float image (or mask) to (width, height): area down, cubic up."""
    image = np.asarray(image, np.float32)
    if image.shape[1::-1] == tuple(size):
        return image
    shrink = size[0] < image.shape[1]
    out = cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return out.reshape(size[1], size[0], *image.shape[2:])


# ----- optimisation --------------------------------------------------------------------------

ValueAndGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass
class OptimResult:
    """Final image, the loss after each iteration, and why the optimiser stopped."""

    x: np.ndarray
    losses: list[float] = field(default_factory=list)
    stopped: str = "iterations"  # "iterations" | "tolerance" | "converged"

    @property
    def iterations(self) -> int:
        return len(self.losses)


def should_stop(losses: Sequence[float], tolerance: float, iterations: int) -> bool:
    """True when the loss fell by less than ``tolerance`` (relative, per iteration, averaged over
    the last STOP_WINDOW iterations), never before ``min(MIN_ITERATIONS, iterations)``."""
    done = len(losses)
    if done < min(MIN_ITERATIONS, iterations) or done < 2 or tolerance <= 0:
        return False
    window = min(STOP_WINDOW, done - 1)
    drop = (losses[-1 - window] - losses[-1]) / window
    return drop <= tolerance * max(abs(losses[-1]), _EPS)


def minimize_lbfgs(fun: ValueAndGrad, x0: np.ndarray, *, iterations: int, tolerance: float,
                   bounds: tuple[float, float] = (0.0, 255.0), first_step: float = 8.0) -> OptimResult:
    """L-BFGS-B on ``fun(x) -> (value, gradient)``, x in ``bounds``; stops by :func:`should_stop`.

    The objective is rescaled so that the first step moves the largest pixel by ``first_step``:
    L-BFGS-B's first step is the raw gradient, which for small losses would be far below the
    float32 resolution of the loss and end the line search at once. Reported losses are unscaled.
    """
    shape = x0.shape
    x0 = np.asarray(x0, np.float32)
    value0, grad0 = fun(x0)
    scale = first_step / max(float(np.abs(grad0).max()), 1e-30)
    result = OptimResult(x0)

    def flat_fun(z):
        reuse = np.array_equal(z, start)  # scipy starts at x0, which was just evaluated
        value, grad = (value0, grad0) if reuse else fun(z.reshape(shape).astype(np.float32))
        return scale * float(value), scale * np.asarray(grad, np.float64).ravel()

    def callback(intermediate_result):
        result.losses.append(float(intermediate_result.fun) / scale)
        result.x = intermediate_result.x.reshape(shape).astype(np.float32)
        if should_stop(result.losses, tolerance, iterations):
            result.stopped = "tolerance"
            raise StopIteration

    lower, upper = bounds
    size = int(np.prod(shape))
    start = x0.astype(np.float64).ravel()
    out = scipy.optimize.minimize(
        flat_fun, start, jac=True, method="L-BFGS-B",
        bounds=scipy.optimize.Bounds(np.full(size, lower), np.full(size, upper)),
        callback=callback,
        options={"maxiter": iterations, "maxfun": 4 * iterations + 20, "ftol": 0.0, "gtol": 0.0,
                 "maxcor": 10})
    if result.stopped != "tolerance" and len(result.losses) < iterations:
        result.stopped = "converged"  # the line search found no lower loss: at a minimum
    if out.x is not None:
        result.x = out.x.reshape(shape).astype(np.float32)
    return result


# ----- the stylizer --------------------------------------------------------------------------

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
        self._value_and_grad = tf.function(self._value_and_grad_py, jit_compile=jit_compile)
        self._adam_step = tf.function(self._adam_step_py, jit_compile=jit_compile)
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

    def _value_and_grad_py(self, x, inputs):
        self.traces += 1  # runs only while tracing
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = self.criterion(Evaluation(x, self._extractor(x), inputs))
        return value, tape.gradient(value, x)

    def _adam_step_py(self, x, m, v, step, inputs):
        value, grad = self._value_and_grad(x, inputs)
        b1, b2, rate = 0.9, 0.999, inputs["learning_rate"]
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * tf.square(grad)
        m_hat, v_hat = m / (1 - b1**step), v / (1 - b2**step)
        x = tf.clip_by_value(x - rate * m_hat / (tf.sqrt(v_hat) + 1e-8), 0.0, 255.0)
        return x, m, v, value

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

    def optimize(self, x0: np.ndarray, inputs, iterations: int) -> OptimResult:
        config = self.config
        if config.optimizer == "lbfgs":
            return minimize_lbfgs(lambda x: self.value_and_grad(x, inputs), x0,
                                  iterations=iterations, tolerance=config.tolerance)
        return self._adam(x0, dict(inputs, learning_rate=tf.constant(config.learning_rate)),
                          iterations)

    def _adam(self, x0: np.ndarray, inputs, iterations: int) -> OptimResult:
        x = tf.convert_to_tensor(np.asarray(x0, np.float32)[None])
        m, v = tf.zeros_like(x), tf.zeros_like(x)
        result = OptimResult(np.asarray(x0, np.float32))
        for step in range(1, iterations + 1):
            self.evaluations += 1
            x, m, v, value = self._adam_step(x, m, v, tf.constant(step, tf.float32), inputs)
            result.losses.append(float(value))
            if should_stop(result.losses, self.config.tolerance, iterations):
                result.stopped = "tolerance"
                break
        result.x = x.numpy()[0]
        return result

    # -- one image

    def stylize(self, content: np.ndarray, *, init: np.ndarray, iterations: int, frame: int = 0,
                temporal: TemporalTarget | None = None, levels: int | None = None) -> StyleResult:
        """Optimise from ``init`` (float, content size), coarse to fine; returns uint8.

        ``levels`` (default ``config.resolutions``) pyramid levels, halving per level. Each finer
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
        image = keep_colors(x, content) if self.config.preserve_colors else x
        loss = result.losses[-1] if result.losses else math.nan
        return StyleResult(to_uint8(image), loss, counts, result.stopped)


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
