"""The Python API: what the command line does, as functions (re-exported by ``import dreamvideo``).

Thin on purpose: every function reads its preset the way the CLI does (``--set`` overrides
included) and calls the same code as the matching command, so both behave alike. Importing this
module is light; TensorFlow loads on the first call that needs the network. Errors are the CLI's
one-line messages, raised as :mod:`dreamvideo.errors` exceptions (``UserError`` and its kinds),
never ``SystemExit``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .errors import InputError, PresetError

if TYPE_CHECKING:
    import numpy as np

    from .config import Preset

PresetLike = Union[str, Path, Mapping[str, Any], "Preset"]
"""A preset file's path, a mapping as a preset file would hold it, or a loaded :class:`Preset`."""
Overrides = Union[Mapping[str, Any], Sequence[str], None]
"""``{"dream.steps": 20}`` or ``["dream.steps=20"]`` (``--set``'s syntax, values read as YAML)."""
ImageLike = Union[str, Path, "np.ndarray"]
"""An image file, or an RGB array (H, W, 3): uint8, or float in [0, 255]."""
ProgressCallback = Callable[[dict], None]
"""Receives the records ``--progress json`` prints, as dicts (``stage``, ``frame``, ``total``, ...)."""


def load_preset(preset: PresetLike, *, overrides: Overrides = None) -> Preset:
    """Read and validate a preset (a path, a mapping or a :class:`Preset`) with ``overrides``
    applied as ``--set`` would. Relative paths resolve against the preset file's folder (the
    current folder for a mapping). Raises :class:`~dreamvideo.errors.PresetError`."""
    from .config import Preset, apply_override, parse_preset
    from .config import load_preset as load_file

    items = override_items(overrides)
    if isinstance(preset, (str, Path)):
        return load_file(Path(preset), items)
    if isinstance(preset, Preset):
        if not items:
            return preset
        raw = preset.model_dump(exclude_unset=True)
    elif isinstance(preset, Mapping):
        raw = copy.deepcopy(dict(preset))
    else:
        raise PresetError(f"preset: expected a path, a mapping or a Preset, got {type(preset).__name__}")
    for item in items:
        apply_override(raw, item)
    return parse_preset(raw, base_dir=Path.cwd())


def render(preset: PresetLike, *, overrides: Overrides = None, progress: ProgressCallback | None = None,
           overwrite: bool = False, keep_work: bool = False, preview: bool = False) -> Path:
    """Render a preset to its ``output.path`` (as ``dreamvideo render``) and return that path.

    Resumable like the CLI: frames are checkpointed in ``<output>.work/`` and a second call
    continues at the first missing frame. ``progress`` receives each ``--progress json`` record.
    An existing output is replaced only with ``overwrite`` (else
    :class:`~dreamvideo.errors.OutputExistsError`). ``preview``: as ``render --preview``, small
    with the final look, to ``NAME.preview.EXT`` beside the output."""
    from .config.preview import preview_of
    from .engine import render as render_job
    from .components.inputs import check_inputs
    from .progress import Progress

    loaded = load_preset(preset, overrides=overrides)
    if preview:
        loaded = preview_of(loaded)
    check_inputs(loaded)
    reporter = Progress("none") if progress is None else Progress("json", on_record=progress)
    return Path(render_job(loaded, overwrite=overwrite, progress=reporter, keep_work=keep_work))


def dream_image(image: ImageLike, preset: PresetLike | None = None, *, strength: float = 1.0,
                overrides: Overrides = None, **settings: Any) -> np.ndarray:
    """Dream one picture (as ``dreamvideo dream``); returns uint8 RGB at the picture's size.

    Without a preset, the classic multi-octave deep dream. ``strength`` multiplies the dream's
    step (``--strength``). ``settings`` are keys of the ``dream:`` section (``steps=20``,
    ``octaves=4``, ``objective=[{"layer": "block5_conv1", "channel": 25}]``); ``preset`` supplies
    ``model:``, ``dream:`` and ``seed``; ``overrides`` any other key (``{"model.precision": "float32"}``)."""
    from .photo import dream_picture

    loaded = _single_image_preset(preset, overrides, "dream", settings)
    return dream_picture(_picture(image, "image"), loaded, strength=strength)


def stylize_image(content: ImageLike, styles: ImageLike | Sequence[ImageLike] = (),
                  preset: PresetLike | None = None, *, strength: float = 1.0, overrides: Overrides = None,
                  **settings: Any) -> np.ndarray:
    """Stylise one picture with one or more style pictures, equally weighted (as ``dreamvideo
    stylize``); returns uint8 RGB at the content's size. ``strength`` multiplies the style weight
    (``--strength``). ``settings`` are keys of the ``style:`` section (``scale=0.5``,
    ``iterations={"first": 100}``); with ``method="network"`` and ``network=PATH`` a trained
    network needs no style pictures."""
    from .photo import stylize_picture

    loaded = _single_image_preset(preset, overrides, "style", settings)
    style_list = [styles] if _is_one_image(styles) else list(styles)
    pictures = [_picture(style, f"styles[{number}]") for number, style in enumerate(style_list)]
    return stylize_picture(_picture(content, "content"), pictures, loaded, strength=strength)


def process_frames(frames: Iterable[np.ndarray], preset: PresetLike, *,
                   overrides: Overrides = None) -> Iterator[np.ndarray]:
    """Run a preset's effect (``dream`` or ``style``) over frames you bring, yielding each output
    frame (uint8 RGB) as it is made: coherent along the optical flow, as in a render. The
    preset's ``source:`` is ignored; its ``output.size`` (when given) fits the frames."""
    from .engine.stream import check_streamable, stream_frames

    loaded = load_preset(preset, overrides=overrides)
    check_streamable(loaded)  # before the first frame is asked for
    return stream_frames(loaded, frames)


def dream_frames(frames: Iterable[np.ndarray], preset: PresetLike | None = None, *,
                 overrides: Overrides = None, **settings: Any) -> Iterator[np.ndarray]:
    """Dream a sequence of frames as ``effect: dream`` does (the dream carried along the flow,
    ``video.blend`` of each new frame); ``settings`` are ``dream:`` keys."""
    return process_frames(frames, _effect_preset(preset, overrides, "dream", settings))


def stylize_frames(frames: Iterable[np.ndarray], styles: str | Path | Sequence[str | Path] = (),
                   preset: PresetLike | None = None, *, overrides: Overrides = None,
                   **settings: Any) -> Iterator[np.ndarray]:
    """Stylise a sequence of frames as ``effect: style`` does (each frame warm-started from the
    previous one along the flow); ``styles`` are style image files (they replace
    ``style.images``), ``settings`` are ``style:`` keys."""
    style_list = [styles] if isinstance(styles, (str, Path)) else list(styles)
    if style_list:
        settings = {**settings, "images": [str(path) for path in style_list]}
    return process_frames(frames, _effect_preset(preset, overrides, "style", settings))


# ----- helpers ---------------------------------------------------------------------------------

def override_items(overrides: Overrides) -> list[str]:
    """``overrides`` as ``--set`` items: a mapping's values written as YAML."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    if isinstance(overrides, Mapping):
        return [f"{key}={_yaml(value)}" for key, value in overrides.items()]
    return [str(item) for item in overrides]


def _yaml(value: Any) -> str:
    import yaml

    return yaml.safe_dump(_plain(value), default_flow_style=True, width=2**31).strip().removesuffix("...").strip()


def _plain(value: Any) -> Any:
    """Paths, tuples and numpy scalars as what YAML writes (str, list, int/float)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    import numpy as np

    return value.item() if isinstance(value, np.generic) else value


def _section_items(section: str, settings: Mapping[str, Any]) -> list[str]:
    return override_items({f"{section}.{key}": value for key, value in settings.items()})


def _single_image_preset(preset: PresetLike | None, overrides: Overrides, section: str,
                         settings: Mapping[str, Any]) -> Preset:
    """The preset a single picture is made with, read as the ``dream``/``stylize`` commands read
    ``--preset`` and ``--set``."""
    from .config.driven import refuse_driven
    from .photo import preset_or_default

    items = override_items(overrides) + _section_items(section, settings)
    if preset is None or isinstance(preset, (str, Path)):
        return preset_or_default(None if preset is None else Path(preset), items)
    loaded = load_preset(preset, overrides=items)
    refuse_driven(loaded, "a picture has no frames to follow it")
    return loaded


def _effect_preset(preset: PresetLike | None, overrides: Overrides, effect: str,
                   settings: Mapping[str, Any]) -> Preset:
    items = [f"effect={effect}"] + override_items(overrides) + _section_items(effect, settings)
    return load_preset({} if preset is None else preset, overrides=items)


def _is_one_image(value: Any) -> bool:
    import numpy as np

    return isinstance(value, (str, Path)) or (isinstance(value, np.ndarray) and value.ndim >= 2)


def _picture(image: ImageLike, name: str) -> np.ndarray:
    """A file read at its own size, or an array checked: uint8 RGB (H, W, 3)."""
    import numpy as np

    from .videoio import read_image, to_uint8

    if isinstance(image, (str, Path)):
        return read_image(Path(image))
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise InputError(f"{name}: expected an image file or an RGB array of shape (height, width, 3), "
                         f"got shape {array.shape}")
    return array if array.dtype == np.uint8 else to_uint8(array.astype(np.float32))
