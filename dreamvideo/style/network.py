"""Feed-forward style transfer (Johnson et al. 2016, instance normalisation): the transform
network, and its ``.keras`` file with what it was trained for.

**Architecture** (measured on 2 CPU cores; see docs/design/fast-style.md): a reflect-padded
``first_kernel`` conv to ``widths[0]`` channels at full resolution, one halving per further width
(16-32-64: two, to 64 channels at 1/4 size), ``blocks`` residual blocks at the smallest size, and
as many doublings, each followed by a conv, then a 3x3 conv to RGB. Every conv but the last is
followed by ReLU, and by instance norm before it — the first conv only with ``first_norm`` (off
for new networks): after a linear conv, instance norm removes the frame's level and contrast, and
what the network adds (``identity``) is then the same on a dark, flat frame as on a bright,
contrasty one. The norms take their statistics over a window the size of the training crop
(``norm_window``, :class:`LocalNorm`), not the whole image: a network trained on 256-px crops
then paints a region of a 1080p or 4K frame as it painted it in training, whatever the rest of
the frame holds. Convs of the residual blocks and the up-convs are
depthwise-separable (``separable=True``): at 1920x1080 in bfloat16 the full Johnson net
(32-64-128, 5 dense blocks) takes 3.2x the CPU time (5.5 CPU-s), a dense 16-32-96 net 1.7x, a
dense 16-32-64 net 1.2x, and in short training runs neither dense net lowered the style loss
faster per CPU-second. Fully convolutional: any frame size (padded to a multiple of
2 ** halvings by reflection and cropped back).

*Holding still* (issue 19; ``antialias`` and ``identity``, both on for new networks): halving is
a fixed blur-pool (:class:`BlurDown`) followed by a conv, and doubling is bilinear
(:class:`BilinearUp`). Stride-2 convs and nearest-neighbour copies made the output depend on
where the image sits on their 2 and 4 px lattice, which training turned into strokes pinned to
the screen (a periodic grid, ribs at a fixed angle) that swim against the moving content. The
output is the input plus a bounded residual (:class:`InputPlus`, the last conv starting at
zero): an untrained network gives the frame back, and training moves it from the content toward
the style, as the optimiser moves its frame from the content, instead of from a random pattern;
the content's dark and light areas stay where they were. Files from before (no ``antialias`` in
their architecture) load as they were made and are said to flicker (:func:`stability_warning`).

**File**: a Keras ``.keras`` archive with one more member, ``dreamvideo.json``: the backbone the
losses were computed with, the style images' SHA-256 and weights, the loss weights and layers,
``scale``, ``preserve_colors``, the training settings and the architecture. It is read without
TensorFlow, so a network for another backbone is refused before anything loads.
"""

from __future__ import annotations

import hashlib
import json
import sys
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
STABLE_STEPS = 300  # the shortest training measured to hold still (bench_network_stability.py)
LOCAL_CELLS = 16  # cells across a LocalNorm window its statistics are gathered on


@dataclass(frozen=True)
class Architecture:
    """Size of the transform network (defaults: the measured choice)."""

    widths: tuple[int, ...] = (16, 32, 64)  # full size, then one halving per further width
    blocks: int = 5
    first_kernel: int = 9
    separable: bool = True
    antialias: bool = True  # blur-pool down, bilinear up (False: stride-2 convs, nearest up)
    identity: bool = True  # the output is the input plus what the network adds
    first_norm: bool = False  # instance norm after the first conv too (blind to the frame's level and contrast)
    norm_window: int = 256  # px the norms take their statistics over, the training crop's side (0: the
    # whole image, as files from before: at 1080p a region was painted by what the rest of the frame held)

    @classmethod
    def from_dict(cls, data: dict) -> Architecture:
        """From a file's ``architecture``; files from before ``antialias`` and ``identity`` had
        neither, every file before ``first_norm`` normalised its first conv, and every file
        before ``norm_window`` over the whole image."""
        return cls(tuple(data["widths"]), int(data["blocks"]), int(data["first_kernel"]),
                   bool(data["separable"]), bool(data.get("antialias", False)),
                   bool(data.get("identity", False)), bool(data.get("first_norm", True)),
                   int(data.get("norm_window", 0)))

    def norm(self, level: int) -> keras.layers.Layer:
        """The normalisation layer at ``level`` halvings below full size."""
        if self.norm_window <= 0:
            return InstanceNorm()
        return LocalNorm(max(1, self.norm_window >> level))


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


def box_mean(x: tf.Tensor, radius: int) -> tf.Tensor:
    """Mean of float32 (B, H, W, C) over a (2 radius + 1)^2 window about each pixel, the window
    clipped at the image's borders (each mean over the pixels it covers): two running sums, so
    the cost does not grow with the window, and exactly shift-equivariant."""
    for axis in (1, 2):
        length = tf.shape(x)[axis]
        padding = [[0, 0]] * 4
        padding[axis] = [1, 0]
        sums = tf.pad(tf.cumsum(x, axis=axis), padding)
        index = tf.range(length)
        high = tf.minimum(index + radius + 1, length)
        low = tf.maximum(index - radius, 0)
        count = tf.cast(high - low, x.dtype)
        count = tf.reshape(count, [-1, 1, 1] if axis == 1 else [-1, 1])
        x = (tf.gather(sums, high, axis=axis) - tf.gather(sums, low, axis=axis)) / count
    return x


def window_normaliser(x: tf.Tensor, window: int, cells: int = LOCAL_CELLS) -> tuple[tf.Tensor, tf.Tensor]:
    """Per-pixel ``scale`` and ``shift`` with ``x * scale + shift`` float32 (B, H, W, C)
    normalised by its mean and variance over a ``window``-px square about each pixel (clipped at
    the borders). For windows much larger than a pixel the moments are gathered on cells of
    ``window // cells`` px (their box mean over the window), and the scale and shift come back to
    full size bilinearly: a few cheap passes over ``x`` whatever the window (running sums at full
    size made a 1080p frame 5x slower, and moments brought back at full size a training step
    1.6x slower)."""
    step = max(1, window // cells)
    radius = cells // 2 if step > 1 else window // 2

    def moment(values):
        return box_mean(tf.nn.avg_pool2d(values, step, step, "SAME") if step > 1 else values, radius)

    mean = moment(x)
    scale = tf.math.rsqrt(tf.nn.relu(moment(tf.square(x)) - tf.square(mean)) + 1e-5)
    shift = -mean * scale
    if step > 1:
        size = tf.shape(x)[1:3]
        scale, shift = (tf.image.resize(v, size, method="bilinear") for v in (scale, shift))
    return scale, shift


@keras.saving.register_keras_serializable(package="dreamvideo")
class LocalNorm(InstanceNorm):
    """Instance normalisation over a window of ``window`` px about each pixel instead of the
    whole image (clipped at its borders), learned scale and offset. A network trained on crops
    the size of the window then sees at 1080p or 4K the statistics it was trained with: with
    whole-image statistics, a region is painted by what the rest of the frame holds (a pale-blue
    ball red-orange in a warm 1080p frame, pale in a 256-px crop of it)."""

    def __init__(self, window: int, **kwargs):
        super().__init__(**kwargs)
        self.window = int(window)

    def call(self, x):
        values = tf.cast(x, tf.float32)
        scale, shift = window_normaliser(values, self.window)
        return tf.cast((values * scale + shift) * self.gamma + self.beta, x.dtype)

    def get_config(self):
        return {**super().get_config(), "window": self.window}


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


@keras.saving.register_keras_serializable(package="dreamvideo")
class BlurDown(keras.layers.Layer):
    """Halve the size with a fixed [1, 3, 3, 1]^2 / 64 blur at stride 2 (reflect-padded by 1):
    low-passed before it is subsampled, so what the layers below see moves smoothly with the
    image instead of jumping with its position on the stride's lattice (Zhang 2019, "Making
    convolutional networks shift-invariant again"). Output pixel i sits at input 2i + 0.5, where
    a half-pixel bilinear x2 puts it back."""

    def call(self, x):
        taps = tf.constant([1.0, 3.0, 3.0, 1.0]) / 8.0
        kernel = tf.tile((taps[:, None] * taps[None, :])[:, :, None, None], [1, 1, tf.shape(x)[-1], 1])
        padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
        return tf.nn.depthwise_conv2d(padded, tf.cast(kernel, x.dtype), [1, 2, 2, 1], "VALID")


@keras.saving.register_keras_serializable(package="dreamvideo")
class BilinearUp(keras.layers.Layer):
    """Double the size by bilinear interpolation (half-pixel centres): no 2x2 blocks for the next
    conv to turn into a fixed lattice, as nearest-neighbour copies are."""

    def call(self, x):
        shape = tf.shape(x)
        up = tf.image.resize(tf.cast(x, tf.float32), [2 * shape[1], 2 * shape[2]], method="bilinear")
        return tf.cast(up, x.dtype)


@keras.saving.register_keras_serializable(package="dreamvideo")
class InputPlus(keras.layers.Layer):
    """``clip(input + 255 * tanh(residual), 0, 255)``: an all-zero residual gives the input frame
    back, and a change of colour costs the same wherever the input sits in [0, 255] (a residual
    added before a sigmoid, to the input's logit, barely moves dark and light pixels)."""

    def call(self, residual, rgb):
        out = tf.cast(rgb, tf.float32) + 255.0 * tf.tanh(tf.cast(residual, tf.float32))
        return tf.clip_by_value(out, 0.0, 255.0)


def _conv(x, channels: int, kernel: int, *, stride: int = 1, separable: bool = False,
          norm: keras.layers.Layer | None = None, relu: bool = True, zero: bool = False):
    layers = keras.layers
    if kernel > 1:
        x = ReflectPad(kernel // 2)(x)
    if separable:
        x = layers.DepthwiseConv2D(kernel, strides=stride, use_bias=False)(x)
        x = layers.Conv2D(channels, 1)(x)
    else:
        x = layers.Conv2D(channels, kernel, strides=stride,
                          kernel_initializer="zeros" if zero else "glorot_uniform")(x)
    if norm is not None:
        x = norm(x)
    return layers.ReLU()(x) if relu else x


def build_transform_net(arch: Architecture = Architecture(), *, dtype: str = "float32") -> keras.Model:
    """The transform network: RGB [0, 255] (B, H, W, 3) -> RGB [0, 255], H and W multiples of
    2 ** (len(widths) - 1).

    ``dtype`` ``"mixed_bfloat16"`` computes in bfloat16 (weights stay float32)."""
    layers = keras.layers
    widths, sep = arch.widths, arch.separable
    inputs = keras.Input((None, None, 3), name="rgb")
    with _policy(dtype):
        x = layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
        x = _conv(x, widths[0], arch.first_kernel, norm=arch.norm(0) if arch.first_norm else None)
        for level, channels in enumerate(widths[1:], start=1):
            if arch.antialias:
                x = _conv(BlurDown()(x), channels, 3, norm=arch.norm(level))
            else:
                x = _conv(x, channels, 3, stride=2, norm=arch.norm(level))
        bottom = len(widths) - 1
        for _ in range(arch.blocks):
            y = _conv(x, widths[-1], 3, separable=sep, norm=arch.norm(bottom))
            y = _conv(y, widths[-1], 3, separable=sep, relu=False, norm=arch.norm(bottom))
            x = layers.Add()([x, y])
        for level, channels in reversed(list(enumerate(widths[:-1]))):
            x = BilinearUp()(x) if arch.antialias else layers.UpSampling2D(2, interpolation="nearest")(x)
            x = _conv(x, channels, 3, separable=sep, norm=arch.norm(level))
        x = _conv(x, 3, 3, relu=False, zero=arch.identity)
        if arch.identity:
            outputs = InputPlus(dtype="float32")(x, inputs)
        else:
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
    """Frame sides the network takes: 2 ** (its halvings: blur-pools or stride-2 convs)."""
    return 2 ** sum(1 for layer in model.layers
                    if isinstance(layer, BlurDown) or tuple(getattr(layer, "strides", (1,))) == (2, 2))


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


def stability_warning(metadata: dict, name: str) -> str | None:
    """One line when a network file is known to flicker on moving shots, from what it records:
    the stride-2 architecture of files from before ``antialias`` (its strokes sit on a fixed
    pixel lattice), or fewer training steps than ``STABLE_STEPS``; None otherwise."""
    arch = metadata.get("architecture", {})
    if not arch.get("antialias", False):
        return (f"style.network: {name} has the old stride-2 architecture: its strokes sit on a fixed "
                "pixel grid and flicker when the camera moves; train it again with train-style")
    steps = metadata.get("training", {}).get("steps")
    if isinstance(steps, int) and steps < STABLE_STEPS:
        return (f"style.network: {name} was trained only {steps} steps (measured to hold still from "
                f"{STABLE_STEPS}): it may flicker; train it again with more --steps")
    return None


def load_network(path: Path, *, backbone: str | None = None, dtype: str = "float32") -> StyleNetwork:
    """Load a network file; with ``backbone``, refuse one trained for another backbone.
    ``dtype="mixed_bfloat16"`` rebuilds it to compute in bfloat16. A network known to flicker
    (:func:`stability_warning`) is said so in one line on stderr."""
    metadata = read_metadata(path)
    if backbone is not None:
        check_backbone(metadata, backbone, path)
    warning = stability_warning(metadata, Path(path).name)
    if warning is not None:
        print(f"dreamvideo: warning: {warning}", file=sys.stderr)
    model = keras.models.load_model(path, compile=False)
    if dtype != "float32":
        fast = build_transform_net(Architecture.from_dict(metadata["architecture"]), dtype=dtype)
        fast.set_weights(model.get_weights())
        model = fast
    return StyleNetwork(model, metadata)


def architecture_dict(arch: Architecture) -> dict:
    return asdict(arch)
