"""The layers of a backbone: a table of output shapes and a chart of channels and spatial sizes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from .drawing import LABEL, PAD, TITLE, put_text, text_width, titled_canvas
from .network import fixed_input_size

if TYPE_CHECKING:
    from ..backbone.models import Backbone


@dataclass(frozen=True)
class LayerInfo:
    """One layer: name, Keras type, output shape and parameter count."""

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
    canvas = titled_canvas(top + len(rows) * row + PAD, name_w + 2 * (bar + 70) + PAD, title)
    x_ch, x_sp = name_w, name_w + bar + 70
    put_text(canvas, "channels (log scale)", x_ch, TITLE + LABEL - 3, 0.35)
    put_text(canvas, "spatial size (height x width)", x_sp, TITLE + LABEL - 3, 0.35)
    max_ch = max(r.channels for r in rows)
    max_hw = max((r.shape[0] * r.shape[1] for r in rows if len(r.shape) == 3), default=1)
    for i, r in enumerate(rows):
        y = top + i * row
        put_text(canvas, r.name, PAD, y + row - 5)
        ch_len = max(2, round(bar * math.log2(1 + r.channels) / math.log2(1 + max_ch)))
        _bar(canvas, x_ch, y, ch_len, row, (90, 160, 230), str(r.channels))
        if len(r.shape) == 3:
            sp_len = max(2, round(bar * math.sqrt(r.shape[0] * r.shape[1] / max_hw)))
            _bar(canvas, x_sp, y, sp_len, row, (230, 160, 80), f"{r.shape[0]}x{r.shape[1]}")
    return canvas


def _bar(canvas: np.ndarray, x: int, y: int, length: int, row: int, colour, text: str) -> None:
    """A horizontal bar in a chart row, its value written after it."""
    cv2.rectangle(canvas, (x, y + 3), (x + length, y + row - 3), colour, -1)
    put_text(canvas, text, x + length + 4, y + row - 5, 0.35)
