"""``dreamvideo train-style STYLE.png [STYLE2.png ...] --content CONTENT -o NET.keras``: train a
feed-forward style network on the frames to stylise (see :mod:`dreamvideo.style.training`):
inputs checked, the content's frame pairs and flows loaded (:func:`~dreamvideo.components.sources.content_for`),
trained (or continued from a checkpoint), saved. TensorFlow is imported only when the command runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from ..progress import MODES

COLOUR_WEIGHT = 30.0  # TrainSettings.colour_weight's default (kept here: the parser imports no TensorFlow)

if TYPE_CHECKING:
    from ..config import ModelConfig, StyleConfig
    from ..style.training import TrainSettings


def add_train_style_parser(commands) -> None:
    parser = commands.add_parser(
        "train-style", help="train a style network on the frames to stylise (for style.method: network)")
    parser.add_argument("styles", type=Path, nargs="+", metavar="STYLE", help="one or more style images")
    parser.add_argument("--content", required=True,
                        help="a video, image sequence or folder, Blender EXR folder, or a preset (its source)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the network file, NET.keras")
    parser.add_argument("--size", type=int, default=256, help="crop side in px (default 256)")
    parser.add_argument("--steps", type=int, default=2000, help="training steps (default 2000)")
    parser.add_argument("--batch", type=int, default=1, help="frame pairs per step (default 1)")
    parser.add_argument("--style-boost", type=float, default=0.4,
                        help="the style weight in training is the preset's x this "
                             "(default 0.4; higher: more style, less content)")
    parser.add_argument("--temporal-weight", type=float, default=20.0,
                        help="weight of the output-level temporal term in training (default 20)")
    parser.add_argument("--noise-weight", type=float, default=10.0,
                        help="weight of the noise-stability term (default 10)")
    parser.add_argument("--colour-weight", type=float, default=COLOUR_WEIGHT,
                        help="weight of the coarse-colour term: the content's colours kept at a scale "
                             f"of a few px, strokes keeping their hues (default {COLOUR_WEIGHT:g}; 0: off)")
    parser.add_argument("--preset", type=Path,
                        help="preset whose model and style: weights, layers, scale, preserve_colors are the targets")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a preset value, e.g. --set style.style_weight=20 (repeatable)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the initial weights and crops (default 0)")
    parser.add_argument("--progress", choices=MODES, default="auto",
                        help="bar on a terminal, json lines for programs (default: auto)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing network file")
    parser.set_defaults(run=run_train_style)


def run_train_style(args: argparse.Namespace) -> int:
    from ..errors import UserError
    from ..progress import Progress
    from ..photo import preset_or_default

    for name, value, low in (("--size", args.size, 32), ("--steps", args.steps, 1), ("--batch", args.batch, 1)):
        if value < low:
            raise UserError(f"{name}: must be >= {low}, got {value}")
    preset = preset_or_default(args.preset, list(args.overrides))
    for path in args.styles:
        if not path.is_file():
            raise UserError(f"style image not found: {path}")
    from ..style.training import TrainSettings

    for name, value in (("--temporal-weight", args.temporal_weight), ("--noise-weight", args.noise_weight),
                        ("--colour-weight", args.colour_weight)):
        if value < 0:
            raise UserError(f"{name}: must be >= 0, got {value}")
    if args.style_boost <= 0:
        raise UserError(f"--style-boost: must be > 0, got {args.style_boost}")
    settings = TrainSettings(size=args.size, steps=args.steps, batch=args.batch, seed=args.seed,
                             style_boost=args.style_boost, temporal_weight=args.temporal_weight,
                             noise_weight=args.noise_weight, colour_weight=args.colour_weight)
    output = train_style(args.styles, args.content, args.output, style=preset.style, model=preset.model,
                         settings=settings, overwrite=args.overwrite, progress=Progress(args.progress))
    if args.progress not in ("none", "json"):
        print(f"wrote {output}", file=sys.stderr)
    return 0


def train_style(styles: Sequence[Path], content: str, output: Path, *, style: StyleConfig,
                model: ModelConfig, settings: TrainSettings | None = None, overwrite: bool = False,
                progress=None) -> Path:
    """``dreamvideo train-style``: check inputs, load content, train (or continue), save."""
    from ..backbone.models import load_backbone, precision_for
    from ..components.sources import content_for
    from ..config import value_at
    from ..engine.tfsetup import configure_tensorflow
    from ..errors import UserError
    from ..style.content import load_pairs
    from ..style.network import architecture_dict, file_sha256
    from ..style.stylizer import Stylizer, style_layer_weights
    from ..style.targets import style_size
    from ..style.training import Trainer, TrainSettings, settings_dict, train
    from ..videoio import read_image

    settings = settings or TrainSettings()
    output = Path(output)
    if output.suffix != ".keras":
        raise UserError(f"-o {output}: a style network file must end in .keras")
    if output.exists() and not overwrite:
        raise UserError(f"{output} exists; pass --overwrite to replace it")
    if not styles:
        raise UserError("give at least one style image")
    precision = precision_for(model.precision, optimising=False)
    images = []
    for path in styles:
        images.append((read_image(path), 1.0))
    metadata = {
        "backbone": model.backbone, "pooling": model.pooling, "precision": precision,
        "backbone_weights": None if model.weights is None else file_sha256(model.weights),
        "styles": [{"name": Path(p).name, "sha256": file_sha256(p), "weight": 1.0,
                    "seen_at": list(style_size(image.shape, style.scale))}  # px, as at render time
                   for p, (image, _) in zip(styles, images)],
        "weights": {**{n: value_at(getattr(style, f"{n}_weight"), 0) for n in ("content", "style", "tv")},
                    "temporal": settings.temporal_weight},
        "content_layers": list(style.content_layers), "style_layers": style_layer_weights(style),
        "scale": style.scale, "preserve_colors": style.preserve_colors,
        "architecture": architecture_dict(settings.network_architecture), "training": settings_dict(settings),
    }
    source, flow = content_for(content)
    pairs = load_pairs(source, flow)
    backbone = load_backbone(model.backbone, model.weights, model.pooling, precision)
    configure_tensorflow()
    trainer = Trainer(Stylizer(images, style, backbone=backbone), settings)
    return train(trainer, pairs, output, metadata, content=str(content), progress=progress)
