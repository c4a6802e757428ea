"""Inspection pictures of a backbone: layers, first filters, feature maps, saliency, channel atlas,
predictions. What the classic deep-dream material shows, to choose layers and channels for presets.

Pure functions take a :class:`~dreamvideo.models.Backbone` and uint8 RGB images and return uint8
RGB pictures (or table rows); ``add_inspect_parser`` / ``run_inspect`` mount them as
``python -m dreamvideo inspect SUBCOMMAND ... -o OUT.png``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import cv2
import numpy as np

from .errors import UserError

if TYPE_CHECKING:
    from .models import Backbone

# TensorFlow is imported inside the functions that use it, so that building the CLI parser
# (which imports this module) stays instant.

PAD = 4  # pixels around and between tiles
LABEL = 14  # height of the label strip above each tile
TITLE = 22  # height of the title strip of a picture
BACKGROUND = 32
TEXT = (235, 235, 235)
FONT = cv2.FONT_HERSHEY_SIMPLEX


# ----------------------------------------------------------------------------- drawing helpers


def put_text(canvas: np.ndarray, text: str, x: int, y: int, scale: float = 0.4, colour=TEXT) -> None:
    """Draw ``text`` with its baseline at (x, y), in place."""
    cv2.putText(canvas, text, (int(x), int(y)), FONT, scale, colour, 1, cv2.LINE_AA)


def text_width(text: str, scale: float = 0.4) -> int:
    return cv2.getTextSize(text, FONT, scale, 1)[0][0]


def colormap(values: np.ndarray, lo: float, hi: float, cmap: int = cv2.COLORMAP_VIRIDIS) -> np.ndarray:
    """Float (H, W) -> uint8 RGB (H, W, 3), ``lo`` and ``hi`` mapping to the ends of ``cmap``."""
    scaled = np.clip((values - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
    return cv2.applyColorMap(np.rint(255 * scaled).astype(np.uint8), cmap)[..., ::-1].copy()


def diverging(values: np.ndarray) -> np.ndarray:
    """Float (H, W) in [-1, 1] -> uint8 RGB: blue below zero, grey at zero, red above."""
    grey, red, blue = np.float32(128), np.array([235, 45, 30], np.float32), np.array([30, 95, 235], np.float32)
    v = np.clip(values, -1.0, 1.0)[..., None]
    colour = np.where(v > 0, grey + v * (red - grey), grey - v * (blue - grey))
    return np.rint(colour).astype(np.uint8)


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Enlarge by an integer factor with nearest-neighbour, so every pixel stays visible."""
    if factor <= 1:
        return image
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)


def fit_tile(image: np.ndarray, lo: int = 64, hi: int = 128) -> np.ndarray:
    """Upscale by an integer factor until the longer side is >= ``lo``; shrink if it exceeds ``hi``."""
    side = max(image.shape[:2])
    if side > hi:
        scale = hi / side
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return upscale(image, math.ceil(lo / side))


def montage(tiles, labels=None, columns: int | None = None, title: str | None = None) -> np.ndarray:
    """Grid of equally sized uint8 RGB tiles, each under its label, below a title strip.

    Size: width ``columns * (w + PAD) + PAD`` (widened if the title needs it), height
    ``TITLE + rows * (LABEL + h + PAD) + PAD``; ``columns`` defaults to ceil(sqrt(n)). Without
    ``title`` or ``labels``, their strips are left out.
    """
    count = len(tiles)
    columns = columns or math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    h, w = tiles[0].shape[:2]
    top, label_h = (0 if title is None else TITLE), (0 if labels is None else LABEL)
    width = max(columns * (w + PAD) + PAD, text_width(title or "", 0.5) + 2 * PAD)
    canvas = np.full((top + rows * (label_h + h + PAD) + PAD, width, 3), BACKGROUND, np.uint8)
    put_text(canvas, title or "", PAD, TITLE - 7, 0.5)
    for i, tile in enumerate(tiles):
        x = PAD + (i % columns) * (w + PAD)
        y = top + PAD + (i // columns) * (label_h + h + PAD)
        if labels is not None:
            put_text(canvas, str(labels[i]), x, y + LABEL - 4, 0.35)
        canvas[y + label_h : y + label_h + h, x : x + w] = tile
    return canvas


def hstack_labelled(images, labels, title: str = "") -> np.ndarray:
    """Images of equal height side by side, each under its label: a one-row ``montage``."""
    heights = {image.shape[0] for image in images}
    if len(heights) != 1:
        raise ValueError("hstack_labelled needs images of equal height")
    height = heights.pop()
    width = max(sum(image.shape[1] + PAD for image in images) + PAD, text_width(title, 0.5) + 2 * PAD)
    canvas = np.full((TITLE + PAD + LABEL + height + PAD, width, 3), BACKGROUND, np.uint8)
    put_text(canvas, title, PAD, TITLE - 7, 0.5)
    x, y = PAD, TITLE + PAD
    for image, label in zip(images, labels):
        put_text(canvas, label, x, y + LABEL - 4, 0.35)
        canvas[y + LABEL : y + LABEL + height, x : x + image.shape[1]] = image
        x += image.shape[1] + PAD
    return canvas


# ----------------------------------------------------------------------------- inputs and outputs


def load_image(path, max_side: int = 512) -> np.ndarray:
    """Read an image file as uint8 RGB, shrunk so that its longer side is at most ``max_side``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"image not found: {path}")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UserError(f"cannot read image {path}: not an image file OpenCV can decode")
    side = max(bgr.shape[:2])
    if side > max_side:
        scale = max_side / side
        size = (max(1, round(bgr.shape[1] * scale)), max(1, round(bgr.shape[0] * scale)))
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(bgr[..., ::-1])


def save_png(path, image: np.ndarray) -> Path:
    """Write a uint8 RGB picture; UserError if the folder is missing or the format unknown."""
    path = Path(path)
    if not path.parent.is_dir():
        raise UserError(f"output folder does not exist: {path.parent}")
    try:
        written = cv2.imwrite(str(path), np.ascontiguousarray(image[..., ::-1]))
    except cv2.error as err:
        raise UserError(f"cannot write {path}: unknown image format '{path.suffix}' (use .png)") from err
    if not written:
        raise UserError(f"cannot write {path}")
    return path


def parse_channels(spec: str, count: int) -> list[int]:
    """'0-63', '3,7,10-12' -> channel indices, each checked against the layer's ``count``."""
    channels = []
    for part in spec.replace(" ", "").split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if match is None:
            raise UserError(f"bad channel range '{spec}': use e.g. 0-63 or 3,7,10-12")
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise UserError(f"bad channel range '{part}': end before start")
        if last >= count:
            raise UserError(f"channel {last} out of range: the layer has {count} channels (0-{count - 1})")
        channels.extend(range(first, last + 1))
    return channels


def channel_count(backbone: Backbone, layer: str, spatial: bool = False) -> int:
    """Channels of ``layer``; with ``spatial``, UserError unless it has (height, width) maps."""
    shape = backbone.outputs[backbone.check_layer(layer)].shape
    if spatial and len(shape) != 4:
        raise UserError(f"layer '{layer}' has no feature maps (output shape {tuple(shape[1:])}); pick a conv layer")
    return int(shape[-1])


def fixed_input_size(backbone: Backbone) -> tuple[int, int] | None:
    """(width, height) when the network only accepts one input size (classifier heads)."""
    height, width = backbone.inputs.shape[1:3]
    return (int(width), int(height)) if height and width else None


def as_batch(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) image -> (1, H, W, 3) float32 in [0, 255]."""
    return np.asarray(image, np.float32)[None]


def network_image(backbone: Backbone, image: np.ndarray) -> np.ndarray:
    """The image resized to the network's fixed input size, if it has one."""
    size = fixed_input_size(backbone)
    if size is None or image.shape[1::-1] == size:
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


# ----------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class LayerInfo:
    name: str
    kind: str
    shape: tuple[int, ...]  # (height, width, channels) for an input of the given size
    params: int

    @property
    def channels(self) -> int:
        return self.shape[-1]


def layer_table(backbone: Backbone, size: tuple[int, int] = (224, 224)) -> list[LayerInfo]:
    """Every layer with its output shape for an input of ``size`` = (width, height)."""
    import tensorflow as tf

    width, height = fixed_input_size(backbone) or size
    model = tf.keras.Model(backbone.inputs, list(backbone.outputs.values()))
    specs = model.compute_output_spec(tf.keras.KerasTensor((1, height, width, 3)))
    rows = []
    for (name, tensor), spec in zip(backbone.outputs.items(), specs):
        layer = tensor._keras_history.operation
        rows.append(LayerInfo(name, type(layer).__name__, tuple(spec.shape[1:]), layer.count_params()))
    return rows


def format_layer_table(rows: list[LayerInfo]) -> str:
    """Plain-text table: layer, type, output shape, channels, parameters."""
    lines = [("layer", "type", "output shape", "channels", "params")]
    lines += [(r.name, r.kind, " x ".join(map(str, r.shape)), str(r.channels), f"{r.params:,}") for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(5)]
    return "\n".join(
        "  ".join(cell.rjust(w) if i >= 3 else cell.ljust(w) for i, (cell, w) in enumerate(zip(line, widths)))
        for line in lines
    )


def layer_chart(rows: list[LayerInfo], title: str = "", bar: int = 220, row: int = 18) -> np.ndarray:
    """One row per layer: name, a bar of channel count (log scale), a bar of spatial size."""
    name_w = max(text_width(r.name) for r in rows) + 2 * PAD
    top = TITLE + LABEL + 4
    width = name_w + 2 * (bar + 70) + PAD
    canvas = np.full((top + len(rows) * row + PAD, max(width, text_width(title, 0.5) + 2 * PAD), 3),
                     BACKGROUND, np.uint8)
    put_text(canvas, title, PAD, TITLE - 7, 0.5)
    x_ch, x_sp = name_w, name_w + bar + 70
    put_text(canvas, "channels (log scale)", x_ch, TITLE + LABEL - 3, 0.35)
    put_text(canvas, "spatial size (height x width)", x_sp, TITLE + LABEL - 3, 0.35)
    max_ch = max(r.channels for r in rows)
    max_hw = max((r.shape[0] * r.shape[1] for r in rows if len(r.shape) == 3), default=1)
    for i, r in enumerate(rows):
        y = top + i * row
        put_text(canvas, r.name, PAD, y + row - 5)
        ch_len = max(2, round(bar * math.log2(1 + r.channels) / math.log2(1 + max_ch)))
        cv2.rectangle(canvas, (x_ch, y + 3), (x_ch + ch_len, y + row - 3), (90, 160, 230), -1)
        put_text(canvas, str(r.channels), x_ch + ch_len + 4, y + row - 5, 0.35)
        if len(r.shape) == 3:
            sp_len = max(2, round(bar * math.sqrt(r.shape[0] * r.shape[1] / max_hw)))
            cv2.rectangle(canvas, (x_sp, y + 3), (x_sp + sp_len, y + row - 3), (230, 160, 80), -1)
            put_text(canvas, f"{r.shape[0]}x{r.shape[1]}", x_sp + sp_len + 4, y + row - 5, 0.35)
    return canvas


# ----------------------------------------------------------------------------- filters


def first_conv_kernel(backbone: Backbone) -> tuple[str, np.ndarray]:
    """Name and kernel (kh, kw, 3, n) of the first convolution, input channels in RGB order.

    The backbone's colour conversion is affine, so its Jacobian maps the kernel from the network's
    colour space (e.g. Caffe BGR) back to RGB.
    """
    import tensorflow as tf

    for name, tensor in backbone.outputs.items():
        layer = tensor._keras_history.operation
        if isinstance(layer, tf.keras.layers.Conv2D):
            kernel = layer.kernel.numpy()
            zero = backbone.to_network(tf.zeros((1, 1, 1, 3)))
            jacobian = (backbone.to_network(tf.eye(3)[None, None]) - zero).numpy()[0, 0]  # [rgb, net]
            return name, np.einsum("hwnk,rn->hwrk", kernel, jacobian)
    raise UserError(f"backbone {backbone.name} has no convolution layer")


def filter_montage(backbone: Backbone, tile: int = 36) -> np.ndarray:
    """Four grids of the first convolution's filters: as RGB, then its R, G and B weights.

    Each filter is scaled by its own largest absolute weight: grey is zero.
    """
    name, kernel = first_conv_kernel(backbone)
    count = kernel.shape[-1]
    filters = np.moveaxis(kernel, -1, 0)  # (n, kh, kw, 3)
    filters = filters / (np.abs(filters).max(axis=(1, 2, 3), keepdims=True) + 1e-12)
    factor = max(1, tile // max(kernel.shape[:2]))
    columns = math.ceil(math.sqrt(count))
    panels = [("RGB", [128 + 127 * f for f in filters])]
    for c, channel in enumerate("RGB"):
        panels.append((f"{channel} weights (blue < 0 < red)", [diverging(f[..., c]) for f in filters]))
    grids = [montage([upscale(np.rint(t).astype(np.uint8), factor) for t in tiles], columns=columns)
             for _, tiles in panels]
    title = f"{backbone.name} {name}: {count} filters {kernel.shape[0]}x{kernel.shape[1]} x RGB"
    return hstack_labelled(grids, [label for label, _ in panels], title)


# ----------------------------------------------------------------------------- feature maps


def feature_maps(backbone: Backbone, image: np.ndarray, layer: str) -> np.ndarray:
    """Activations (h, w, C) of ``layer`` for one uint8 RGB image."""
    extractor = backbone.extractor([layer])
    return np.asarray(extractor(as_batch(network_image(backbone, image)))[layer])[0]


def feature_montage(backbone: Backbone, image: np.ndarray, layer: str, channels=None,
                    max_maps: int = 64) -> np.ndarray:
    """Grid of a layer's feature maps (viridis, each map scaled to its own range), labelled."""
    maps = feature_maps(backbone, image, layer)
    channels = list(range(maps.shape[-1]) if channels is None else channels)[:max_maps]
    tiles = [fit_tile(colormap(maps[..., c], maps[..., c].min(), maps[..., c].max())) for c in channels]
    labels = [f"{c} max {maps[..., c].max():.3g}" for c in channels]
    h, w = maps.shape[:2]
    title = f"{backbone.name} {layer}: {maps.shape[-1]} maps of {h}x{w}, showing {len(channels)}"
    return montage(tiles, labels, title=title)


# ----------------------------------------------------------------------------- saliency


@dataclass(frozen=True)
class Saliency:
    """|d activation / d pixel| (H, W) and where the activation is: channel, (y, x) in a grid."""

    map: np.ndarray
    channel: int
    y: int
    x: int
    grid: tuple[int, int]  # (height, width) of the layer's output


def saliency(backbone: Backbone, image: np.ndarray, layer: str, channel: int | None = None) -> Saliency:
    """Input gradient of the layer's strongest activation: the maximum over positions and
    channels, or over the positions of ``channel``. The map is the largest |gradient| over RGB.
    """
    import tensorflow as tf

    extractor = backbone.extractor([layer])
    pixels = tf.constant(as_batch(network_image(backbone, image)))
    with tf.GradientTape() as tape:
        tape.watch(pixels)
        acts = extractor(pixels)[layer][0]
        if acts.shape.rank == 1:  # a dense layer, e.g. class scores: one position
            acts = acts[None, None]
        if channel is not None:
            acts = acts[..., channel : channel + 1]
        strongest = tf.reduce_max(acts)
    grad = tape.gradient(strongest, pixels)[0].numpy()
    y, x, c = np.unravel_index(int(tf.argmax(tf.reshape(acts, [-1]))), acts.shape)
    return Saliency(np.abs(grad).max(axis=-1), int(c if channel is None else channel), int(y), int(x),
                    tuple(acts.shape[:2]))


def saliency_picture(backbone: Backbone, image: np.ndarray, layer: str, channel: int | None = None,
                     min_side: int = 256) -> np.ndarray:
    """Input, saliency heat map, and their overlay side by side; a green box marks the grid cell
    of the strongest activation."""
    image = network_image(backbone, image)
    found = saliency(backbone, image, layer, channel)
    heat = colormap(found.map, 0.0, float(np.percentile(found.map, 99.5)) or 1.0, cv2.COLORMAP_INFERNO)
    overlay = np.rint(0.45 * image + 0.55 * heat).astype(np.uint8)
    factor = math.ceil(min_side / max(image.shape[:2]))
    panels = [upscale(p, factor) for p in (image, heat, overlay)]
    cell_h, cell_w = panels[0].shape[0] / found.grid[0], panels[0].shape[1] / found.grid[1]
    corners = ((round(found.x * cell_w), round(found.y * cell_h)),
               (round((found.x + 1) * cell_w) - 1, round((found.y + 1) * cell_h) - 1))
    for panel in panels[1:]:
        cv2.rectangle(panel, *corners, (60, 255, 60), 1)
    off = "" if found.map.max() > 0 else " (off here: zero gradient)"
    labels = ["input", f"|gradient| of {layer} ch {found.channel}{off}", "overlay; box: strongest position"]
    return hstack_labelled(panels, labels, f"{backbone.name} saliency of {layer}")


# ----------------------------------------------------------------------------- channel atlas


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

    activations = pre_activation(backbone, backbone.check_layer(layer))
    fixed = fixed_input_size(backbone)
    if fixed is not None:
        size, octaves = fixed[0], 1
    neutral = backbone.from_network(tf.zeros((1, 1, 1, 3))).numpy()

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, 3)), tf.TensorSpec((None,), tf.int32),
                                  tf.TensorSpec((2,), tf.int32)])
    def ascent_step(pixels, chans, shift):
        pixels = tf.roll(pixels, shift, axis=[1, 2])
        with tf.GradientTape() as tape:
            tape.watch(pixels)
            acts = activations(pixels)
            score = tf.reduce_sum(tf.reduce_mean(tf.gather(acts, chans, axis=3, batch_dims=1), axis=[1, 2]))
        grad = tape.gradient(score, pixels)
        grad /= tf.reduce_mean(tf.abs(grad), axis=[1, 2, 3], keepdims=True) + 1e-8
        pixels = tf.clip_by_value(pixels + step_size * grad, 0.0, 255.0)
        return tf.roll(pixels, -shift, axis=[1, 2])

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
        results.append(np.rint(np.clip(pixels.numpy(), 0, 255)).astype(np.uint8))
    return np.concatenate(results)


def stretch(image: np.ndarray) -> np.ndarray:
    """Contrast stretch to the 1st..99th percentile, so faint dreams are visible."""
    lo, hi = np.percentile(image, (1, 99))
    return np.rint(np.clip((image.astype(np.float32) - lo) * 255 / max(hi - lo, 1.0), 0, 255)).astype(np.uint8)


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


# ----------------------------------------------------------------------------- predictions


def imagenet_labels() -> list[str] | None:
    """ImageNet class names from the Keras cache (``imagenet_class_index.json``), or None."""
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    for folder in (home, Path("/tmp/.keras")):
        path = folder / "models" / "imagenet_class_index.json"
        if path.is_file():
            index = json.loads(path.read_text())
            return [index[str(i)][1] for i in range(len(index))]
    return None


def predict_top(backbone: Backbone, image: np.ndarray, k: int = 5) -> list[tuple[int, str, float]]:
    """Top-k ``(class index, label, probability)``; labels are '' when no names are known."""
    if backbone.class_layer is None:
        raise UserError(
            f"{backbone.name} has no classifier; use --backbone vgg19 or inception_v3 with their weights")
    scores = feature_maps(backbone, image, backbone.class_layer).reshape(-1)
    names = list(backbone.labels) or imagenet_labels() or []
    top = np.argsort(scores)[::-1][:k]
    return [(int(i), names[i] if i < len(names) else "", float(scores[i])) for i in top]


def format_predictions(top) -> str:
    lines = [f"{rank}. {prob:7.2%}  class {index}" + (f"  {label}" if label else "")
             for rank, (index, label, prob) in enumerate(top, 1)]
    if not any(label for _, label, _ in top):
        lines.append("(class names unknown: put imagenet_class_index.json in ~/.keras/models to see them)")
    return "\n".join(lines)


def prediction_picture(backbone: Backbone, image: np.ndarray, top, box: int = 224) -> np.ndarray:
    """The input (fitted into a ``box`` square) beside bars of the top-k probabilities."""
    scale = box / max(image.shape[:2])
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    shown = np.full((box, box, 3), BACKGROUND, np.uint8)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST
    shown[: size[1], : size[0]] = cv2.resize(image, size, interpolation=interpolation)
    chart = np.full((max(box, 10 + 40 * len(top)), box + 200, 3), BACKGROUND, np.uint8)
    for i, (index, label, prob) in enumerate(top):
        y = 10 + i * 40
        put_text(chart, (f"{label} ({index})" if label else f"class {index}") + f"  {prob:.1%}", 4, y + 12)
        cv2.rectangle(chart, (4, y + 18), (4 + max(2, round(box * prob)), y + 30), (90, 200, 120), -1)
    shown = np.pad(shown, ((0, chart.shape[0] - box), (0, 0), (0, 0)), constant_values=BACKGROUND)
    return hstack_labelled([shown, chart], ["input", "top predictions"], f"{backbone.name} predictions")


# ----------------------------------------------------------------------------- command line


def add_inspect_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``inspect`` and its subcommands to a CLI's subparsers; returns the ``inspect`` parser.

    The parsed namespace carries ``inspect_command`` and ``run=run_inspect`` (how cli.main dispatches).
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backbone", default="vgg16-hed",
                        help="network to inspect: vgg16-hed (default), vgg19 or inception_v3 (need their weights)")
    common.add_argument("--weights", type=Path, default=None, help="weights file for the backbone")
    common.add_argument("-o", "--output", type=Path, default=None, help="write the picture to this PNG")
    image = argparse.ArgumentParser(add_help=False)
    image.add_argument("image", type=Path, help="input image")
    image.add_argument("--max-side", type=int, default=512, help="shrink the image to this longer side")

    inspect = subparsers.add_parser("inspect", help="pictures of a backbone: layers, filters, features, ...")
    inspect.set_defaults(run=run_inspect)
    commands = inspect.add_subparsers(dest="inspect_command", required=True, metavar="SUBCOMMAND")
    p = commands.add_parser("layers", parents=[common], help="table (and chart) of layers and output shapes")
    p.add_argument("--input-size", default="224x224", help="input WIDTHxHEIGHT for the shapes")
    commands.add_parser("filters", parents=[common], help="montage of the first convolution's filters")
    p = commands.add_parser("features", parents=[common, image], help="montage of a layer's feature maps")
    p.add_argument("--layer", required=True)
    p.add_argument("--channels", default=None, help="channels to show, e.g. 0-63 or 3,7,10-12")
    p.add_argument("--max", type=int, default=64, dest="max_maps", help="show at most N maps")
    p = commands.add_parser("saliency", parents=[common, image], help="input gradient of the strongest activation")
    p.add_argument("--layer", required=True)
    p.add_argument("--channel", type=int, default=None, help="use this channel's strongest activation")
    p = commands.add_parser("atlas", parents=[common], help="grid of what each channel dreams")
    p.add_argument("--layer", required=True)
    p.add_argument("--channels", default=None, help="e.g. 0-63 (default: the first 64)")
    p.add_argument("--size", type=int, default=64, help="dream size in pixels")
    p.add_argument("--steps", type=int, default=10, help="gradient steps per octave")
    p.add_argument("--octaves", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    commands.add_parser("predict", parents=[common, image], help="top-5 classes (backbones with a classifier)")
    return inspect


def run_inspect(args: argparse.Namespace) -> int:
    """Run one inspect subcommand; prints tables, writes ``args.output``; UserError on bad input."""
    needs_output = args.inspect_command not in ("layers", "predict")
    if needs_output and args.output is None:
        raise UserError(f"inspect {args.inspect_command}: give the output picture with -o OUT.png")
    if args.output is not None and not args.output.parent.is_dir():
        raise UserError(f"output folder does not exist: {args.output.parent}")
    for name in ("max_maps", "size", "steps", "octaves", "max_side"):
        if getattr(args, name, 1) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1")
    from .models import load_backbone

    image = load_image(args.image, args.max_side) if hasattr(args, "image") else None
    backbone = load_backbone(args.backbone, args.weights)
    picture = _COMMANDS[args.inspect_command](args, backbone, image)
    if args.output is not None and picture is not None:
        save_png(args.output, picture)
        print(f"wrote {args.output}")
    return 0


def _layers(args, backbone, image):
    match = re.fullmatch(r"(\d+)x(\d+)", args.input_size)
    if match is None or min(int(match[1]), int(match[2])) < 1:
        raise UserError(f"--input-size must be WIDTHxHEIGHT, e.g. 224x224, got '{args.input_size}'")
    size = fixed_input_size(backbone) or (int(match[1]), int(match[2]))
    rows = layer_table(backbone, size)
    print(format_layer_table(rows))
    return layer_chart(rows, f"{backbone.name}: {len(rows)} layers, input {size[0]}x{size[1]}")


def _filters(args, backbone, image):
    return filter_montage(backbone)


def _features(args, backbone, image):
    count = channel_count(backbone, args.layer, spatial=True)
    channels = parse_channels(args.channels, count) if args.channels else None
    return feature_montage(backbone, image, args.layer, channels, args.max_maps)


def _saliency(args, backbone, image):
    count = channel_count(backbone, args.layer)
    if args.channel is not None and not 0 <= args.channel < count:
        raise UserError(f"--channel {args.channel} out of range: {args.layer} has {count} channels (0-{count - 1})")
    return saliency_picture(backbone, image, args.layer, args.channel)


def _atlas(args, backbone, image):
    count = channel_count(backbone, args.layer, spatial=True)
    channels = parse_channels(args.channels or f"0-{min(count, 64) - 1}", count)
    return channel_atlas(backbone, args.layer, channels, size=args.size, steps=args.steps,
                         octaves=args.octaves, seed=args.seed)


def _predict(args, backbone, image):
    top = predict_top(backbone, image)
    print(format_predictions(top))
    return prediction_picture(backbone, image, top)


_COMMANDS = {"layers": _layers, "filters": _filters, "features": _features,
             "saliency": _saliency, "atlas": _atlas, "predict": _predict}
