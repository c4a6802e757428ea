"""Loss terms as values (lucid objectives): content, style (Gram), total variation, temporal.

Small closures over an :class:`Evaluation` (the optimised image, its backbone features, and the
per-call ``inputs``: targets and weights). They add and scale like numbers:
``param("style_weight") * style_loss(layers) + ...``.

**Normalisation** (so weights do not depend on frame size): content and style are relative errors
(``mean((F - P)^2) / mean(P^2)``, likewise for Grams, Gram = ``F^T F / (H W)``); total variation
and the temporal losses (all of the change, and its fine band) are on pixels scaled to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from .._tf import tf
from ..backbone.terms import Term
from ..errors import UserError
from .bandlimit import band_limit, kernel

WEIGHT_NAMES = ("content", "style", "tv", "temporal", "temporal_fine")
_EPS = 1e-8


@dataclass(frozen=True)
class Evaluation:
    """What a loss sees: the image (1, H, W, 3), its features, and the per-call inputs."""

    x: tf.Tensor
    features: Mapping[str, tf.Tensor]
    inputs: Mapping[str, tf.Tensor]


class Loss(Term):
    """A style term (:class:`dreamvideo.backbone.terms.Term`): ``Evaluation -> scalar`` to minimise."""

    def __call__(self, ev: Evaluation) -> tf.Tensor:
        return self.fn(ev)


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


def gram_errors(features: Mapping[str, tf.Tensor], grams: Mapping[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """The unweighted relative Gram error of each layer of ``grams`` (the terms
    :func:`style_loss` weighs and sums), for reports that ask which layers carry a loss."""
    return {n: _relative_error(gram_matrix(features[n]), g) for n, g in grams.items()}


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


FINE_CUTOFF = 0.2  # cycles/px: temporal_fine weighs the change above this (low-pass gain 0.5 here)


def temporal_fine_loss() -> Loss:
    """:func:`temporal_loss` of the change's fine band only: the change minus its low-pass at
    FINE_CUTOFF (:mod:`.bandlimit`'s filter; gain 1 up to ~0.15 cycles/px, 0 from ~0.25).

    A warm-started frame goes on optimising the painting it was given (its loss is never at a
    minimum, and the style loss is global: damage anywhere, a disocclusion or the strip a pan
    reveals, moves every pixel), and the per-pixel temporal term lets it re-make the grain a
    little differently each frame: a speckle field over the whole frame from one frame to the
    next. Weighing the fine band of the change far more than its coarse part holds the grain
    where the mask holds the pixel, and leaves the repairs (coarse) free.
    """
    taps = tf.constant(kernel(FINE_CUTOFF))

    def fn(ev):
        if "warped" not in ev.inputs:
            return tf.constant(0.0, tf.float32)
        diff = (ev.x - ev.inputs["warped"]) / 255.0
        fine = diff - band_limit(diff, taps)
        return tf.reduce_sum(ev.inputs["mask"] * tf.square(fine)) / tf.cast(tf.size(ev.x), tf.float32)

    return Loss(fn, name="temporal_fine")


def style_terms(content_layers: Sequence[str], style_layers: Mapping[str, float]) -> dict[str, Loss]:
    """The five unweighted terms of video style transfer, by weight name."""
    return {"content": content_loss(content_layers), "style": style_loss(style_layers),
            "tv": tv_loss(), "temporal": temporal_loss(),
            "temporal_fine": temporal_fine_loss()}


def weighted_sum(terms: Mapping[str, Loss]) -> Loss:
    """``sum(param("<name>_weight") * term)``: the criterion that is optimised."""
    return sum(param(f"{name}_weight") * term for name, term in terms.items())
