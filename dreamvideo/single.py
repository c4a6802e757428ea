"""Single-image entry points: ``dreamvideo dream IMAGE -o OUT.png`` and ``dreamvideo stylize
CONTENT STYLE... -o OUT.png``."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .builders import dreamer_for
from .config import Preset, apply_override, load_preset, parse_preset, value_at
from .dream import DreamSettings
from .errors import OutputExistsError, UserError
from .videoio import read_image, to_uint8


def write_image(path: Path, image: np.ndarray, *, overwrite: bool) -> None:
    """Write an RGB uint8 image atomically; refuse to replace a file without ``overwrite``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass --overwrite to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")
    if not cv2.imwrite(str(temporary), cv2.cvtColor(image, cv2.COLOR_RGB2BGR)):
        raise UserError(f"cannot write {path}: unsupported image type '{path.suffix}'")
    temporary.replace(path)


def preset_or_default(preset_path: Path | None, overrides: list[str]) -> Preset:
    if preset_path is not None:
        return load_preset(preset_path, overrides)
    raw: dict = {}
    for item in overrides:
        apply_override(raw, item)
    return parse_preset(raw, base_dir=Path.cwd())


def dream_image_file(image: Path, output: Path, *, preset_path: Path | None = None,
                     overrides: list[str] = (), overwrite: bool = False) -> Path:
    """Dream one image with a preset's ``model`` and ``dream`` sections (octaves included)."""
    preset = preset_or_default(preset_path, list(overrides))
    if Path(output).exists() and not overwrite:
        raise OutputExistsError(f"{output} exists; pass --overwrite to replace it")
    picture = read_image(image, preset.output.size)
    write_image(output, dream_picture(picture, preset), overwrite=overwrite)
    return Path(output)


def dream_picture(picture: np.ndarray, preset: Preset) -> np.ndarray:
    """Dream an RGB picture (uint8 or float in [0, 255]) with ``preset``'s ``model`` and
    ``dream`` sections; uint8 RGB at the picture's size. What ``dreamvideo dream`` and
    ``dreamvideo.dream_image`` run."""
    settings = DreamSettings.from_config(preset.dream, value_at(preset.dream.step_size, 0))
    dreamt = dreamer_for(preset).dream(np.asarray(picture, np.float32), settings,
                                       np.random.default_rng(preset.seed))
    return to_uint8(dreamt)


def stylize_image_file(content: Path, styles: list[Path], output: Path, *, preset_path: Path | None = None,
                       overrides: list[str] = (), overwrite: bool = False) -> Path:
    """Stylise one image with a preset's ``model`` and ``style`` sections; the style images given
    here replace ``style.images`` (equal weights)."""
    preset = preset_or_default(preset_path, list(overrides))
    if Path(output).exists() and not overwrite:
        raise OutputExistsError(f"{output} exists; pass --overwrite to replace it")
    picture = read_image(content, preset.output.size)
    style_images = [read_image(path) for path in styles] if preset.style.method != "network" else []
    write_image(output, stylize_picture(picture, style_images, preset), overwrite=overwrite)
    return Path(output)


def stylize_picture(picture: np.ndarray, styles: list[np.ndarray], preset: Preset) -> np.ndarray:
    """Stylise an RGB uint8 picture with ``preset``'s ``model`` and ``style`` sections and the
    style pictures ``styles`` (equal weights; none for ``style.method: network``); uint8 RGB.
    What ``dreamvideo stylize`` and ``dreamvideo.stylize_image`` run."""
    from .builders import backbone_for
    from .style import stylize_image

    picture = np.asarray(picture, np.uint8)
    if preset.style.method == "network":  # a trained network: no style images needed
        from .effects.style_network import network_dtype
        from .style.network import load_network

        network = load_network(preset.style.network, backbone=preset.model.backbone,
                               dtype=network_dtype(preset))
        # style weight 0: the picture, untouched
        return network.stylize(picture) if value_at(preset.style.style_weight, 0) != 0 else picture
    if not styles:
        raise UserError("stylize: give at least one style image (or --set style.method=network "
                        "--set style.network=NET.keras)")
    return stylize_image(picture, list(styles), preset.style, backbone=backbone_for(preset),
                         rng=np.random.default_rng(preset.seed))
