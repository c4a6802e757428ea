"""Channel atlas: what each channel of a layer dreams from a neutral start, in a labelled grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..videoio import to_uint8
from .drawing import fit_tile, montage
from .network import fixed_input_size

if TYPE_CHECKING:
    from ..backbone.models import Backbone


def pre_activation(backbone: Backbone, layer: str):
    """Callable RGB -> the layer's output before its activation when it is a Conv2D with one
    (e.g. ReLU), so that channels that are off everywhere still get a gradient (as in lucid's
    ``*_pre_relu`` objectives); any other layer: its output."""
    import tensorflow as tf

    operation, node_index, _ = backbone.outputs[layer]._keras_history
    activation = getattr(operation, "activation", None)
    if not isinstance(operation, tf.keras.layers.Conv2D) or getattr(activation, "__name__", "") == "linear":
        extractor = backbone.extractor([layer])
        return lambda rgb: extractor(rgb)[layer]
    below = tf.keras.Model(backbone.inputs, operation._inbound_nodes[node_index].input_tensors[0])

    def call(rgb):
        x = operation.convolution_op(below(backbone.to_network(rgb), training=False), operation.kernel)
        return x + operation.bias if operation.use_bias else x

    return call


def dream_channels(backbone: Backbone, layer: str, channels, *, size: int = 64, steps: int = 10,
                   octaves: int = 3, octave_scale: float = 1.4, step_size: float = 1.5,
                   jitter: int = 4, batch: int = 16, seed: int = 0) -> np.ndarray:
    """What each channel dreams from a neutral start: uint8 (N, size, size, 3).

    Gradient ascent on the mean (pre-activation) of each channel (one image per channel,
    ``batch`` at a time), from the network's zero colour plus small noise, over a few octaves,
    with a mean-|g| normalised gradient and random jitter.
    """
    import tensorflow as tf

    ascent_step = _ascent_step(pre_activation(backbone, backbone.check_layer(layer)), step_size)
    fixed = fixed_input_size(backbone)
    if fixed is not None:
        size, octaves = fixed[0], 1
    neutral = backbone.from_network(tf.zeros((1, 1, 1, 3))).numpy()
    rng = np.random.default_rng(seed)
    sides = [max(8, round(size / octave_scale**k)) for k in reversed(range(octaves))]
    results = []
    for start in range(0, len(channels), batch):
        chans = tf.constant(channels[start : start + batch], tf.int32)
        noise = rng.normal(0.0, 6.0, (len(chans), sides[0], sides[0], 3))
        pixels = tf.constant(np.clip(neutral + noise, 0, 255), tf.float32)
        for side in sides:
            pixels = tf.image.resize(pixels, (side, side), method="bicubic")
            for _ in range(steps):
                pixels = ascent_step(pixels, chans, tf.constant(rng.integers(-jitter, jitter + 1, 2), tf.int32))
        results.append(to_uint8(pixels.numpy()))
    return np.concatenate(results)


def _ascent_step(activations, step_size: float):
    """A traced step (pixels, channels, shift) -> pixels: image i climbs the mean of
    ``channels[i]``, rolled by ``shift`` (jitter) while the gradient is taken."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, 3)), tf.TensorSpec((None,), tf.int32),
                                  tf.TensorSpec((2,), tf.int32)])
    def step(pixels, chans, shift):
        pixels = tf.roll(pixels, shift, axis=[1, 2])
        with tf.GradientTape() as tape:
            tape.watch(pixels)
            acts = activations(pixels)
            score = tf.reduce_sum(tf.reduce_mean(tf.gather(acts, chans, axis=3, batch_dims=1), axis=[1, 2]))
        grad = tape.gradient(score, pixels)
        grad /= tf.reduce_mean(tf.abs(grad), axis=[1, 2, 3], keepdims=True) + 1e-8
        pixels = tf.clip_by_value(pixels + step_size * grad, 0.0, 255.0)
        return tf.roll(pixels, -shift, axis=[1, 2])

    return step


def stretch(image: np.ndarray) -> np.ndarray:
    """Contrast stretch to the 1st..99th percentile, so faint dreams are visible."""
    lo, hi = np.percentile(image, (1, 99))
    return to_uint8((image.astype(np.float32) - lo) * 255 / max(hi - lo, 1.0))


def channel_atlas(backbone: Backbone, layer: str, channels, *, size: int = 64, steps: int = 10,
                  octaves: int = 3, seed: int = 0) -> np.ndarray:
    """Labelled grid of what each channel of ``layer`` dreams (contrast-stretched per tile)."""
    layer = backbone.check_layer(layer)
    dreams = dream_channels(backbone, layer, list(channels), size=size, steps=steps, octaves=octaves, seed=seed)
    tiles = [fit_tile(stretch(d), lo=64, hi=256) for d in dreams]
    scores = channel_means(backbone, layer, dreams, channels)
    labels = [f"ch {c}" + ("" if score > 0 else " (off)") for c, score in zip(channels, scores)]
    title = f"{backbone.name} {layer}: {len(tiles)} channels, {steps} steps x {octaves} octaves"
    return montage(tiles, labels, title=title)


def channel_means(backbone: Backbone, layer: str, images: np.ndarray, channels, batch: int = 16) -> np.ndarray:
    """Mean activation of ``channels[i]`` on ``images[i]``: zero marks a channel the dream never woke."""
    import tensorflow as tf

    extractor, channels, means = backbone.extractor([layer]), list(channels), []
    for start in range(0, len(channels), batch):
        acts = extractor(tf.constant(images[start : start + batch], tf.float32))[layer]
        chans = channels[start : start + batch]
        means.append(tf.reduce_mean(tf.gather(acts, chans, axis=3, batch_dims=1), axis=[1, 2]).numpy())
    return np.concatenate(means)
