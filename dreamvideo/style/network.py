"""Feed-forward style transfer (Johnson et al. 2016, instance normalisation): the transform
network, and its ``.keras`` file with what it was trained for.

**Architecture** (measured on 2 CPU cores; see the README's benchmark table): a reflect-padded
``first_kernel`` conv to ``widths[0]`` channels at full resolution, one stride-2 conv down per
further width (16-32-64: two, to 64 channels at 1/4 size), ``blocks`` residual blocks at the
smallest size, and as many *resize-convs* up
(nearest x2, then a conv: no checkerboard from transposed convolutions), then a 3x3 conv to RGB and
a sigmoid scaled to [0, 255]. Every conv but the first and last is followed by instance norm and
ReLU. Convs of the residual blocks and the up-convs are depthwise-separable
(``separable=True``): at 1920x1080 in bfloat16 the full Johnson net (32-64-128, 5 dense blocks)
takes 3.2x the CPU time (5.5 CPU-s), a dense 16-32-96 net 1.7x, a dense 16-32-64 net 1.2x, and in
short training runs neither dense net lowered the style loss faster per CPU-second. Fully convolutional: any frame size (padded to a
multiple of 2 ** downsamplings by reflection and cropped back).

**File**: a Keras ``.keras`` archive with one more member, ``dreamvideo.json``: the backbone the
losses were computed with, the style images' SHA-256 and weights, the loss weights and layers,
``scale``, ``preserve_colors``, the training settings and the architecture. It is read without
TensorFlow, so a network for another backbone is refused before anything loads.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .._tf import tf
from ..errors import UserError
from ..videoio import to_uint8
from .images import keep_colors

import keras  # noqa: E402  (Keras 3, as tf.keras is)
METADATA_NAME = "dreamvideo.json"
FORMAT = 1


@dataclass(frozen=True)
class Architecture:
    """Size of the transform network (defaults: the measured choice)."""

    widths: tuple[int, ...] = (16, 32, 64)  # full size, then one stride-2 conv per further width
    blocks: int = 5
    first_kernel: int = 9
    separable: bool = True

    @classmethod
    def from_dict(cls, data: dict) -> Architecture:
        return cls(tuple(data["widths"]), int(data["blocks"]), int(data["first_kernel"]),
                   bool(data["separable"]))


@keras.saving.register_keras_serializable(package="dreamvideo")
class InstanceNorm(keras.layers.Layer):
    """Instance normalisation (per image and channel over H, W), learned scale and offset."""

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, x):
        mean, variance = tf.nn.moments(tf.cast(x, tf.float32), axes=[1, 2], keepdims=True)
        normed = (tf.cast(x, tf.float32) - mean) * tf.math.rsqrt(variance + 1e-5)
        return tf.cast(normed * self.gamma + self.beta, x.dtype)


@keras.saving.register_keras_serializable(package="dreamvideo")
class ReflectPad(keras.layers.Layer):
    """Reflection padding by ``pad`` pixels on each side (no dark borders from zero padding)."""

    def __init__(self, pad: int, **kwargs):
        super().__init__(**kwargs)
        self.pad = int(pad)

    def call(self, x):
        p = self.pad
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


def _conv(x, channels: int, kernel: int, *, stride: int = 1, separable: bool = False,
          norm: bool = True, relu: bool = True):
    layers = keras.layers
    if kernel > 1:
        x = ReflectPad(kernel // 2)(x)
    if separable:
        x = layers.DepthwiseConv2D(kernel, strides=stride, use_bias=False)(x)
        x = layers.Conv2D(channels, 1)(x)
    else:
        x = layers.Conv2D(channels, kernel, strides=stride)(x)
    if norm:
        x = InstanceNorm()(x)
    return layers.ReLU()(x) if relu else x


def build_transform_net(arch: Architecture = Architecture(), *, dtype: str = "float32") -> keras.Model:
    """The transform network: RGB [0, 255] (B, H, W, 3) -> RGB [0, 255], H and W multiples of 4.

    ``dtype`` ``"mixed_bfloat16"`` computes in bfloat16 (weights stay float32)."""
    layers = keras.layers
    widths, sep = arch.widths, arch.separable
    inputs = keras.Input((None, None, 3), name="rgb")
    with _policy(dtype):
        x = layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
        x = _conv(x, widths[0], arch.first_kernel)
        for channels in widths[1:]:
            x = _conv(x, channels, 3, stride=2)
        for _ in range(arch.blocks):
            y = _conv(x, widths[-1], 3, separable=sep)
            y = _conv(y, widths[-1], 3, separable=sep, relu=False)
            x = layers.Add()([x, y])
        for channels in reversed(widths[:-1]):
            x = layers.UpSampling2D(2, interpolation="nearest")(x)
            x = _conv(x, channels, 3, separable=sep)
        x = _conv(x, 3, 3, norm=False, relu=False)
        x = layers.Activation("sigmoid", dtype="float32")(x)
        outputs = layers.Rescaling(255.0, dtype="float32")(x)
    return keras.Model(inputs, outputs, name="style_transform")


class _policy:
    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.saved = keras.mixed_precision.global_policy()
        keras.mixed_precision.set_global_policy(self.name)

    def __exit__(self, *exc):
        keras.mixed_precision.set_global_policy(self.saved)


def size_multiple(model: keras.Model) -> int:
    """Frame sides the network takes: 2 ** (its stride-2 convs)."""
    return 2 ** sum(1 for layer in model.layers if tuple(getattr(layer, "strides", (1,))) == (2, 2))


def pad_to_multiple(batch: tf.Tensor, multiple: int = 4) -> tf.Tensor:
    """Reflect-pad (B, H, W, C) at the bottom/right to multiples of ``multiple``."""
    shape = tf.shape(batch)
    pad_h = (-shape[1]) % multiple
    pad_w = (-shape[2]) % multiple
    return tf.pad(batch, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="SYMMETRIC")


def run_network(model: keras.Model, batch: tf.Tensor, *, training: bool = False) -> tf.Tensor:
    """The network on frames of any size: padded to a multiple of 4, cropped back."""
    shape = tf.shape(batch)
    out = model(pad_to_multiple(batch, size_multiple(model)), training=training)
    return out[:, :shape[1], :shape[2]]


# ----- metadata and files --------------------------------------------------------------------

def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_metadata(path: Path) -> dict:
    """What a network file was trained for (no TensorFlow needed)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"style.network: not found: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read(METADATA_NAME))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError):
        raise UserError(f"style.network: {path} is not a dreamvideo style network "
                        "(make one with `dreamvideo train-style`)") from None


def check_backbone(metadata: dict, backbone: str, path: Path) -> None:
    """Refuse a network trained with another backbone's losses, in one line."""
    trained = metadata.get("backbone")
    if trained != backbone:
        raise UserError(f"style.network: {Path(path).name} was trained for backbone {trained}, "
                        f"but model.backbone is {backbone}; set model.backbone: {trained} or "
                        f"train a network for {backbone}")


def save_network(path: Path, model: keras.Model, metadata: dict) -> Path:
    """Write ``model`` plus ``dreamvideo.json`` to ``path`` (``.keras``) atomically."""
    path = Path(path)
    if path.suffix != ".keras":
        raise UserError(f"-o {path}: a style network file must end in .keras")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial.keras")
    model.save(partial)
    with zipfile.ZipFile(partial, "a") as archive:
        archive.writestr(METADATA_NAME, json.dumps({"format": FORMAT, **metadata}, indent=1))
    partial.replace(path)
    return path


class StyleNetwork:
    """A loaded transform network: ``stylize(frame)`` turns a uint8 RGB frame of any size into
    its stylised uint8 frame (one forward pass, traced once for all sizes)."""

    def __init__(self, model: keras.Model, metadata: dict):
        self.model = model
        self.metadata = metadata
        self.preserve_colors = bool(metadata.get("preserve_colors", False))
        self._forward = tf.function(lambda x: run_network(self.model, x),
                                    input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)])

    def stylize_float(self, frame: np.ndarray) -> np.ndarray:
        """float32 (H, W, 3) in [0, 255], colours kept if the network was trained so."""
        out = self._forward(tf.convert_to_tensor(np.asarray(frame, np.float32)[None])).numpy()[0]
        return keep_colors(out, frame) if self.preserve_colors else out

    def stylize(self, frame: np.ndarray) -> np.ndarray:
        return to_uint8(self.stylize_float(frame))


def load_network(path: Path, *, backbone: str | None = None, dtype: str = "float32") -> StyleNetwork:
    """Load a network file; with ``backbone``, refuse one trained for another backbone.
    ``dtype="mixed_bfloat16"`` rebuilds it to compute in bfloat16."""
    metadata = read_metadata(path)
    if backbone is not None:
        check_backbone(metadata, backbone, path)
    model = keras.models.load_model(path, compile=False)
    if dtype != "float32":
        fast = build_transform_net(Architecture.from_dict(metadata["architecture"]), dtype=dtype)
        fast.set_weights(model.get_weights())
        model = fast
    return StyleNetwork(model, metadata)


def architecture_dict(arch: Architecture) -> dict:
    return asdict(arch)
