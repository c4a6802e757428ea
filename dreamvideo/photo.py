"""Single-image entry points: ``dreamvideo dream IMAGE -o OUT.png`` and ``dreamvideo stylize
CONTENT STYLE... -o OUT.png``.

A photo keeps its size unless a ``size`` is asked for (a preset's ``output.size`` only says the
width its look was designed at). Without a preset, the dream is :data:`PHOTO_DREAM`: the classic
multi-octave deep dream (TensorFlow's deepdream recipe: octaves 1.4 apart, Laplacian-normalised
gradients). A photo wider than the look's design width (``dream.design_width``, else the preset's
``output.size`` width, else :data:`PHOTO_DESIGN_WIDTH`) is dreamt as the zoom dreams a large
frame (dreamvideo/zoom/refine.py): the octaves at the design width, then ``dream.refine_steps``
x 3 steps at each octave above it up to full size with that structure locked, so a 4000-px and a
1000-px photo show the same structures relative to the frame, the larger with finer detail.
``strength`` scales the dream's step (the stylisation's style weight).
"""

from __future__ import annotations

import copy
from pathlib import Path

import cv2
import numpy as np

from .components.networks import dreamer_for
from .config import Preset, apply_override, load_preset, parse_preset, value_at
from .config.driven import refuse_driven
from .dreaming.dreamer import DreamSettings
from .errors import OutputExistsError, UserError
from .videoio import read_image, to_uint8
from .zoom.refine import Ladder, down, refine

# The dream of a photo without a preset (vgg16-hed; pictures in docs/dreaming-photos.md).
PHOTO_DREAM = {
    "objective": [{"layer": "block4_conv3"}],
    "steps": 15,
    "step_size": 2.0,
    "octaves": 4,
    "octave_scale": 1.4,
    "normalize": "laplacian",
    "colour_decorrelate": 0.25,
}
PHOTO_DESIGN_WIDTH = 512  # px: where a look's octaves are laid out when nothing else says
PHOTO_REFINE = 3  # a photo has no dreamt detail yet: refine_steps x 3 per octave above the design (as a zoom's opening frame)


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
    """The preset file with ``overrides``; without a file, :data:`PHOTO_DREAM` with them. A value
    driven by a track is refused: a photo has no frames to follow it."""
    if preset_path is None:
        raw: dict = {"dream": copy.deepcopy(PHOTO_DREAM)}
        for item in overrides:
            apply_override(raw, item)
    preset = load_preset(preset_path, overrides) if preset_path is not None else parse_preset(raw, base_dir=Path.cwd())
    refuse_driven(preset, "a photo has no frames to follow it")
    return preset


def check_strength(strength: float) -> float:
    if not np.isfinite(strength) or strength < 0:
        raise UserError(f"--strength: must be a number >= 0, got {strength}")
    return float(strength)


def design_width(preset: Preset) -> int:
    """The width a preset's look was designed at: ``dream.design_width``, else its
    ``output.size`` width, else :data:`PHOTO_DESIGN_WIDTH`."""
    if preset.dream.design_width is not None:
        return preset.dream.design_width
    return preset.output.size[0] if preset.output.size is not None else PHOTO_DESIGN_WIDTH


def dream_image_file(image: Path, output: Path, *, preset_path: Path | None = None,
                     overrides: list[str] = (), overwrite: bool = False, strength: float = 1.0,
                     size: tuple[int, int] | None = None) -> Path:
    """Dream one image file with a preset's ``model`` and ``dream`` sections, or
    :data:`PHOTO_DREAM`; ``size`` (width, height) fits the picture to it first."""
    strength = check_strength(strength)
    preset = preset_or_default(preset_path, list(overrides))
    if Path(output).exists() and not overwrite:
        raise OutputExistsError(f"{output} exists; pass --overwrite to replace it")
    picture = read_image(image, size)
    write_image(output, dream_picture(picture, preset, strength=strength), overwrite=overwrite)
    return Path(output)


def dream_picture(picture: np.ndarray, preset: Preset, *, strength: float = 1.0) -> np.ndarray:
    """Dream an RGB picture (uint8 or float in [0, 255]) with ``preset``'s ``model`` and
    ``dream`` sections (the first frame's steps; ``strength`` scales the step); uint8 RGB at the
    picture's size. What ``dreamvideo dream`` and ``dreamvideo.dream_image`` run."""
    dream = preset.dream
    settings = DreamSettings.from_config(dream, value_at(dream.step_size, 0) * check_strength(strength))
    settings = settings.for_first_frame()
    dreamer, rng = dreamer_for(preset), np.random.default_rng(preset.seed)
    picture = np.asarray(picture, np.float32)
    ladder = Ladder.of((picture.shape[1], picture.shape[0]), design_width(preset))
    if ladder is None:  # not wider than the design: dreamt as it is
        return to_uint8(dreamer.dream(picture, settings, rng))
    structure = dreamer.dream(down(picture, ladder.design), settings, rng)
    return to_uint8(refine(dreamer, picture, structure, ladder, settings, rng, PHOTO_REFINE * dream.refine_steps))


def stylize_image_file(content: Path, styles: list[Path], output: Path, *, preset_path: Path | None = None,
                       overrides: list[str] = (), overwrite: bool = False, strength: float = 1.0,
                       size: tuple[int, int] | None = None) -> Path:
    """Stylise one image with a preset's ``model`` and ``style`` sections; the style images given
    here replace ``style.images`` (equal weights). ``strength`` scales the style weight; ``size``
    fits the picture to it first."""
    strength = check_strength(strength)
    preset = preset_or_default(preset_path, list(overrides))
    if Path(output).exists() and not overwrite:
        raise OutputExistsError(f"{output} exists; pass --overwrite to replace it")
    picture = read_image(content, size)
    style_images = [read_image(path) for path in styles] if preset.style.method != "network" else []
    write_image(output, stylize_picture(picture, style_images, preset, strength=strength), overwrite=overwrite)
    return Path(output)


def stylize_picture(picture: np.ndarray, styles: list[np.ndarray], preset: Preset, *,
                    strength: float = 1.0) -> np.ndarray:
    """Stylise an RGB uint8 picture with ``preset``'s ``model`` and ``style`` sections and the
    style pictures ``styles`` (equal weights; none for ``style.method: network``); uint8 RGB.
    ``strength`` scales the style weight (a trained network's picture is mixed with the photo by
    it, up to 1). What ``dreamvideo stylize`` and ``dreamvideo.stylize_image`` run."""
    from .components.networks import backbone_for
    from .style import stylize_image

    strength = check_strength(strength)
    picture = np.asarray(picture, np.uint8)
    weight = value_at(preset.style.style_weight, 0) * strength
    if preset.style.method == "network":  # a trained network: no style images needed
        from .components.networks import network_dtype
        from .style.network import load_network

        network = load_network(preset.style.network, backbone=preset.model.backbone,
                               dtype=network_dtype(preset))
        if weight == 0:  # style weight 0: the picture, untouched
            return picture
        styled = network.stylize(picture)
        return styled if strength >= 1 else to_uint8(picture + strength * (styled.astype(np.float32) - picture))
    if not styles:
        raise UserError("stylize: give at least one style image (or --set style.method=network "
                        "--set style.network=NET.keras)")
    config = preset.style.model_copy(update={"style_weight": weight})
    return stylize_image(picture, list(styles), config, backbone=backbone_for(preset),
                         rng=np.random.default_rng(preset.seed))
