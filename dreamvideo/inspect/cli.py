"""``python -m dreamvideo inspect SUBCOMMAND ... -o OUT.png``: arguments, the input image, the
output picture, and one small runner per subcommand."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import cv2
import numpy as np

from ..errors import UserError
from .atlas import channel_atlas
from .attribution import saliency_picture
from .drawing import shrink
from .features import feature_montage
from .filters import filter_montage
from .music import add_audio_parser
from .layers import format_layer_table, layer_chart, layer_table
from .network import channel_count, fixed_input_size
from .predict import format_predictions, predict_top, prediction_picture


def add_inspect_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``inspect`` and its subcommands to a CLI's subparsers; returns the ``inspect`` parser.

    The parsed namespace carries ``inspect_command`` and ``run=run_inspect`` (how cli.main dispatches).
    """
    common, image = _shared_arguments()
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
    add_audio_parser(commands)
    return inspect


def _shared_arguments() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """Parent parsers: the options of every subcommand, and those of subcommands with an image."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backbone", default="vgg16-hed",
                        help="network to inspect: vgg16-hed (default), vgg16, vgg19 or inception_v3 "
                             "(`dreamvideo models download NAME` first)")
    common.add_argument("--weights", type=Path, default=None, help="weights file for the backbone")
    common.add_argument("-o", "--output", type=Path, default=None, help="write the picture to this PNG")
    image = argparse.ArgumentParser(add_help=False)
    image.add_argument("image", type=Path, help="input image")
    image.add_argument("--max-side", type=int, default=512, help="shrink the image to this longer side")
    return common, image


def run_inspect(args: argparse.Namespace) -> int:
    """Run one inspect subcommand; prints tables, writes ``args.output``; UserError on bad input."""
    _check_arguments(args)
    from ..backbone.models import load_backbone  # TensorFlow loads here, not when the parser is built

    image = load_image(args.image, args.max_side) if hasattr(args, "image") else None
    backbone = load_backbone(args.backbone, args.weights)
    picture = _COMMANDS[args.inspect_command](args, backbone, image)
    if args.output is not None and picture is not None:
        save_png(args.output, picture)
        print(f"wrote {args.output}")
    return 0


def _check_arguments(args: argparse.Namespace) -> None:
    """UserError for what can be checked before the network loads."""
    needs_output = args.inspect_command not in ("layers", "predict")
    if needs_output and args.output is None:
        raise UserError(f"inspect {args.inspect_command}: give the output picture with -o OUT.png")
    if args.output is not None and not args.output.parent.is_dir():
        raise UserError(f"output folder does not exist: {args.output.parent}")
    for name in ("max_maps", "size", "steps", "octaves", "max_side"):
        if getattr(args, name, 1) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1")


def load_image(path, max_side: int = 512) -> np.ndarray:
    """Read an image file as uint8 RGB, shrunk so that its longer side is at most ``max_side``."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"image not found: {path}")
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise UserError(f"cannot read image {path}: not an image file OpenCV can decode")
    return np.ascontiguousarray(shrink(bgr, max_side)[..., ::-1])


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


# ----------------------------------------------------------------------------- subcommands
# Each takes (args, backbone, image) and returns the picture to save (or None).


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
