"""Inspection pictures of a backbone: layers, first filters, feature maps, saliency, channel atlas,
predictions. What the classic deep-dream material shows, to choose layers and channels for presets.

Pure functions take a :class:`~dreamvideo.backbone.models.Backbone` and uint8 RGB images and return uint8
RGB pictures (or table rows); :mod:`.cli` mounts them as
``python -m dreamvideo inspect SUBCOMMAND ... -o OUT.png``.

- :mod:`.drawing` — text, colour maps, tiles, labelled grids (``montage``).
- :mod:`.network` — input size, batches, a layer's channels and feature maps.
- :mod:`.layers`, :mod:`.filters`, :mod:`.features`, :mod:`.attribution` (saliency),
  :mod:`.atlas` (channel dreams), :mod:`.predict` — one picture each.

TensorFlow is imported inside the functions that use it, so that building the CLI parser
(which imports this package) stays instant.
"""

from .atlas import channel_atlas, channel_means, dream_channels, pre_activation, stretch
from .attribution import Saliency, saliency, saliency_picture
from .cli import add_inspect_parser, load_image, parse_channels, run_inspect, save_png
from .drawing import (BACKGROUND, FONT, LABEL, PAD, TEXT, TITLE, colormap, diverging, fit_tile,
                      hstack_labelled, montage, put_text, scaled_size, shrink, text_width,
                      titled_canvas, upscale)
from .features import feature_montage
from .filters import filter_montage, first_conv_kernel
from .layers import LayerInfo, format_layer_table, layer_chart, layer_table
from .network import as_batch, channel_count, feature_maps, fixed_input_size, network_image
from .predict import format_predictions, imagenet_labels, predict_top, prediction_picture

__all__ = [
    "BACKGROUND", "FONT", "LABEL", "LayerInfo", "PAD", "Saliency", "TEXT", "TITLE",
    "add_inspect_parser", "as_batch", "channel_atlas", "channel_count", "channel_means",
    "colormap", "diverging", "dream_channels", "feature_maps", "feature_montage",
    "filter_montage", "first_conv_kernel", "fit_tile", "fixed_input_size", "format_layer_table",
    "format_predictions", "hstack_labelled", "imagenet_labels", "layer_chart", "layer_table",
    "load_image", "montage", "network_image", "parse_channels", "pre_activation", "predict_top",
    "prediction_picture", "put_text", "run_inspect", "saliency", "saliency_picture", "save_png",
    "scaled_size", "shrink", "stretch", "text_width", "titled_canvas", "upscale",
]
