"""Classifier predictions: the top classes of an image, as text and as a bar chart."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..errors import UserError
from .drawing import BACKGROUND, hstack_labelled, put_text, scaled_size
from .network import feature_maps

if TYPE_CHECKING:
    from ..backbone.models import Backbone


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
            f"{backbone.name} has no classifier; use --backbone vgg16, vgg19 or inception_v3 "
            f"(`dreamvideo models download NAME` fetches their weights)")
    scores = feature_maps(backbone, image, backbone.class_layer).reshape(-1)
    names = list(backbone.labels) or imagenet_labels() or []
    top = np.argsort(scores)[::-1][:k]
    return [(int(i), names[i] if i < len(names) else "", float(scores[i])) for i in top]


def format_predictions(top) -> str:
    """One line per prediction: rank, probability, class index and name (if known)."""
    lines = [f"{rank}. {prob:7.2%}  class {index}" + (f"  {label}" if label else "")
             for rank, (index, label, prob) in enumerate(top, 1)]
    if not any(label for _, label, _ in top):
        lines.append("(class names unknown: put imagenet_class_index.json in ~/.keras/models to see them)")
    return "\n".join(lines)


def prediction_picture(backbone: Backbone, image: np.ndarray, top, box: int = 224) -> np.ndarray:
    """The input (fitted into a ``box`` square) beside bars of the top-k probabilities."""
    scale = box / max(image.shape[:2])
    size = scaled_size(image, scale)
    shown = np.full((box, box, 3), BACKGROUND, np.uint8)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST
    shown[: size[1], : size[0]] = cv2.resize(image, size, interpolation=interpolation)
    chart = _probability_bars(top, box)
    shown = np.pad(shown, ((0, chart.shape[0] - box), (0, 0), (0, 0)), constant_values=BACKGROUND)
    return hstack_labelled([shown, chart], ["input", "top predictions"], f"{backbone.name} predictions")


def _probability_bars(top, box: int) -> np.ndarray:
    """One labelled bar per prediction, ``box`` pixels for probability 1."""
    chart = np.full((max(box, 10 + 40 * len(top)), box + 200, 3), BACKGROUND, np.uint8)
    for i, (index, label, prob) in enumerate(top):
        y = 10 + i * 40
        put_text(chart, (f"{label} ({index})" if label else f"class {index}") + f"  {prob:.1%}", 4, y + 12)
        cv2.rectangle(chart, (4, y + 18), (4 + max(2, round(box * prob)), y + 30), (90, 200, 120), -1)
    return chart
