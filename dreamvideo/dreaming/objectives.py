"""Dream objectives as values that compose: ``0.7 * channel("block4_conv3", 12) - layer("block3_conv1")``.

An objective maps ``(features, window)`` to a scalar to *maximise*. ``features`` is the dict a
``FeatureExtractor`` returns; ``window`` is a float tensor ``[x0, y0, width, height, view_w,
view_h, m00, m01, m02, m10, m11, m12]``: where the network's input lies in the (possibly turned
or mirrored, see views.py) view of the frame — tiles see part of it, and the jitter rolls it, so
positions wrap around the view's size — and the 2x3 matrix taking a point of the frame, as
fractions (x, y, 1), to its pixel position in that view; so position-dependent terms (neurons)
stay where the user put them.

Terms average over space, so a tile's value is comparable to the whole frame's; the dreamer
weighs tiles by area.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from .._tf import tf

from ..backbone.terms import Term
from ..errors import UserError


class Objective(Term):
    """A dream term (:class:`dreamvideo.backbone.terms.Term`): ``(features, window) -> scalar`` to maximise."""

    def __call__(self, features: dict, window: tf.Tensor) -> tf.Tensor:
        return self.fn(features, window)


def layer(name: str) -> Objective:
    """Mean activation of a whole layer (classic deep dream)."""
    return Objective(lambda f, w: tf.reduce_mean(f[name]), layers=[name], name=f"layer({name})")


def channel(name: str, index: int) -> Objective:
    """Mean activation of one channel of a layer."""
    return Objective(lambda f, w: tf.reduce_mean(f[name][..., index]), layers=[name],
                     name=f"channel({name}, {index})")


def neuron(name: str, index: int, x: float, y: float) -> Objective:
    """One channel at one spatial position, given as fractions (x, y) of the full frame."""

    def fn(features, window):
        act = features[name][0, ..., index]
        rows, cols = tf.shape(act)[0], tf.shape(act)[1]
        x0, y0, width, height, view_w, view_h, m00, m01, m02, m10, m11, m12 = tf.unstack(window)
        cell_w = width / tf.cast(cols, tf.float32)
        cell_h = height / tf.cast(rows, tf.float32)
        centre_x = x0 + (tf.range(cols, dtype=tf.float32) + 0.5) * cell_w
        centre_y = y0 + (tf.range(rows, dtype=tf.float32) + 0.5) * cell_h
        hit_x = tf.cast(wrapped_distance(centre_x, m00 * x + m01 * y + m02, view_w) <= cell_w / 2, tf.float32)
        hit_y = tf.cast(wrapped_distance(centre_y, m10 * x + m11 * y + m12, view_h) <= cell_h / 2, tf.float32)
        mask = hit_y[:, None] * hit_x[None, :]
        # Scale like a spatial mean, so it is weighed like the other terms after tiling.
        return tf.reduce_sum(act * mask) / tf.cast(rows * cols, tf.float32)

    return Objective(fn, layers=[name], name=f"neuron({name}, {index}, {x:.2f}, {y:.2f})")


def wrapped_distance(a, b, period):
    """|a - b| on a circle of circumference ``period`` (positions in a rolled view wrap around)."""
    return tf.abs(tf.math.floormod(a - b + period / 2, period) - period / 2)


def guide(name: str, guide_features: np.ndarray) -> Objective:
    """Match the guide image's patterns: each position is pushed toward the guide feature it
    already resembles most (dot product), as in the original deepdream guide objective."""
    targets = tf.constant(guide_features.reshape(-1, guide_features.shape[-1]), tf.float32)  # (M, C)

    def fn(features, window):
        act = features[name]
        flat = tf.reshape(act, (-1, tf.shape(act)[-1]))  # (N, C)
        best = tf.argmax(tf.matmul(flat, targets, transpose_b=True), axis=1)
        matched = tf.stop_gradient(tf.gather(targets, best))
        return tf.reduce_mean(tf.reduce_sum(flat * matched, axis=1))

    return Objective(fn, layers=[name], name=f"guide({name})")


def class_score(class_layer: str, index: int) -> Objective:
    """Log-probability of one class, for backbones with a classifier."""
    return Objective(lambda f, w: tf.reduce_mean(tf.math.log(f[class_layer][..., index] + 1e-8)),
                     layers=[class_layer], name=f"class({index})")


def build_objective(terms, backbone, *, guide_features: Callable[[str, object], np.ndarray]) -> Objective:
    """Turn the preset's ``dream.objective`` terms into one Objective for ``backbone``.

    ``guide_features(layer, path)`` returns the guide image's activations at ``layer``.
    """
    total = None
    for position, term in enumerate(terms):
        prefix = f"dream.objective[{position}]"
        if term.class_index is not None:
            if backbone.class_layer is None:
                raise UserError(f"{prefix}.class_index: backbone {backbone.name} has no classifier; "
                                f"use model.backbone vgg16, vgg19 or inception_v3")
            value = class_score(backbone.class_layer, term.class_index)
        else:
            name = backbone.check_layer(term.layer)
            channels = backbone.outputs[name].shape[-1]
            picked = term.channel if term.channel is not None else (term.neuron.channel if term.neuron else None)
            if picked is not None and picked >= channels:
                raise UserError(f"{prefix}: layer {name} has {channels} channels (0-{channels - 1}), got {picked}")
            if term.channel is not None:
                value = channel(name, term.channel)
            elif term.neuron is not None:
                value = neuron(name, term.neuron.channel, term.neuron.x, term.neuron.y)
            elif term.guide is not None:
                value = guide(name, guide_features(name, term.guide))
            else:
                value = layer(name)
        value = value * term.weight
        total = value if total is None else total + value
    return total
