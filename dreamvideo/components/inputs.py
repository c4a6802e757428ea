"""Every input file, layer and channel a preset names, checked before any work starts (no work
folder, no TensorFlow): a typo is one line naming the key path, ``style.images[0]: not found: …``;
several problems are all named in that line."""

from __future__ import annotations

from pathlib import Path

import cv2

from ..audio.decode import track_problem
from ..backbone.layer_table import layer_problems
from ..errors import InputError, PresetError, UserError
from ..videoio.images import IMAGE_SUFFIXES
from ..videoio.outputs import SEQUENCE_CODECS, choose_codec
from ..videoio.sequences import list_frame_files
from ..config import Preset, StyleImage
from ..config.audio import TrackTempo
from ..config.driven import driven_values


def named_files(preset: Preset) -> list[tuple[str, Path]]:
    """(key path, file) for each input file the preset's effect reads."""
    files: list[tuple[str, Path]] = []
    source = preset.source
    for key in ("image", "video"):
        if getattr(source, key) is not None:
            files.append((f"source.{key}", Path(getattr(source, key))))
    if source.blender is not None and source.blender.ocio_config is not None:
        files.append(("source.blender.ocio_config", Path(source.blender.ocio_config)))
    if preset.model.weights is not None:
        files.append(("model.weights", Path(preset.model.weights)))
    if preset.effect == "style":
        if preset.style.network is not None:
            files.append(("style.network", Path(preset.style.network)))
        for number, image in enumerate(preset.style.images):
            if isinstance(image, StyleImage):
                files.append((f"style.images[{number}].path", Path(image.path)))
            else:
                files.append((f"style.images[{number}]", Path(image)))
    else:
        for number, term in enumerate(preset.dream.objective):
            if term.guide is not None:
                files.append((f"dream.objective[{number}].guide", Path(term.guide)))
    return files + music_files(preset)


def music_files(preset: Preset) -> list[tuple[str, Path]]:
    """(key path, track) for each track the preset muxes, reads a tempo from or is driven by."""
    output = preset.output
    files = [(f"{key}.audio", Path(value.audio)) for key, value in driven_values(preset)]
    if output.audio is not None:
        files.append(("output.audio.path", Path(output.audio.path)))
    if isinstance(output.bpm, TrackTempo):
        files.append(("output.bpm.audio", Path(output.bpm.audio)))
    return files


def check_inputs(preset: Preset, *, name: str | None = None) -> None:
    """Raise one error naming every problem of the preset's inputs (``key: problem; key:
    problem``): input files missing, not files, unreadable or not images; layers, channels and
    classes its backbone lacks (:mod:`dreamvideo.backbone.layer_table`); then the output path. No work
    folder is made and TensorFlow is not loaded. ``name`` (a preset file) prefixes the message when
    several presets are checked together."""
    prefix = f"{name}: " if name else ""
    files, values = file_problems(preset), layer_problems(preset)
    if files or values:
        raise (InputError if files else PresetError)(prefix + "; ".join(files + values))
    check_output(preset, prefix=prefix)


def file_problems(preset: Preset) -> list[str]:
    """``key: problem`` for each input file the preset names that cannot be used."""
    problems = []
    if preset.effect == "style" and preset.style.method == "optimize" and not preset.style.images:
        problems.append("style.images: give at least one style image (a path or {path, weight})")
    spec = preset.source.sequence
    if spec is not None and not list_frame_files(spec, IMAGE_SUFFIXES):
        problems.append(f"source.sequence: no images found for {spec}")
    music = {key for key, _ in music_files(preset)}
    for key, path in named_files(preset):
        problem = _file_problem(path, image=key.startswith(IMAGE_KEYS))
        if problem is None and key in music:
            problem = track_problem(path)
        if problem:
            problems.append(f"{key}: {problem}")
    return problems


IMAGE_KEYS = ("source.image", "style.images", "dream.objective")  # keys whose files are images


def _file_problem(path: Path, *, image: bool) -> str | None:
    """Why ``path`` cannot be read (as an image, with ``image``), or None."""
    if not path.exists():
        return f"not found: {path}"
    if not path.is_file():
        return f"not a file: {path}"
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        return f"cannot read {path}: {err.strerror}"
    if image and not cv2.haveImageReader(str(path)):
        return f"not a readable image (PNG, JPEG, TIFF, BMP, WebP): {path}"
    return None


def check_output(preset: Preset, *, prefix: str = "") -> None:
    """Raise a UserError, before any frame is rendered, when ``output.path`` and
    ``output.codec`` do not fit together (the sink would only find out at encode time)."""
    try:
        codec = choose_codec(Path(preset.output.path), preset.output.codec)
    except UserError as err:
        key = "output.codec" if preset.output.codec is not None else "output.path"
        raise UserError(f"{prefix}{key}: {err}") from err
    if preset.output.audio is not None and codec in SEQUENCE_CODECS:
        raise UserError(f"{prefix}output.audio: {codec.upper()} frames have no sound track; "
                        "write a .mp4, .mov or .webm for audio")
