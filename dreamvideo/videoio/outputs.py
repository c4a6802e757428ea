"""Where a sink's output goes: the codec a path asks for, refusing to replace what is there,
and publishing the finished ``.partial`` output under its final name."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from dreamvideo.errors import OutputExistsError, UserError

from .sequences import is_pattern

CODECS = ("h264", "prores", "hap", "vp9", "png", "exr")
SEQUENCE_CODECS = {"png": ".png", "exr": ".exr"}  # image-sequence codec -> file suffix
VIDEO_SUFFIXES = {".mp4": ("h264",), ".mov": ("prores", "hap", "h264"), ".webm": ("vp9",)}


def output_location(path: Path) -> Path:
    """What an output occupies: the folder of a ``%05d`` pattern (the sink replaces it as a
    whole), else the file or folder ``path`` itself."""
    path = Path(path)
    return Path(os.path.abspath(path.parent)) if is_pattern(path) else path


def choose_codec(path: Path, codec: str | None) -> str:
    """The codec to write ``path`` with: ``codec`` checked against the path, or the path's
    default (see :func:`~dreamvideo.videoio.open_sink`); UserError when they do not fit."""
    _check_codec_name(codec)
    suffix = path.suffix.lower()
    if is_pattern(path):
        return _pattern_codec(path, codec)
    if suffix not in VIDEO_SUFFIXES and codec in SEQUENCE_CODECS:
        return codec  # a folder of numbered frames
    if suffix == "":
        if codec is not None:
            raise UserError(f"'{path}' has no suffix (a PNG folder) but codec is '{codec}'; use "
                            f"one of: {', '.join(VIDEO_SUFFIXES)} for {codec}, or codec png or exr")
        return "png"
    if suffix not in VIDEO_SUFFIXES:
        raise UserError(f"cannot write '{path.name}': use one of {', '.join(VIDEO_SUFFIXES)}, "
                        f"a folder name (PNG frames, or EXR with codec exr) or a %05d.png / "
                        f"%05d.exr pattern")
    allowed = VIDEO_SUFFIXES[suffix]
    if codec is None:
        return allowed[0]
    if codec not in allowed:
        raise UserError(f"codec '{codec}' cannot be written to {suffix}; "
                        f"for {suffix} use one of: {', '.join(allowed)}")
    return codec


def _check_codec_name(codec: str | None) -> None:
    if codec is not None and codec not in CODECS:
        hint = difflib.get_close_matches(codec, CODECS, n=1)
        did_you_mean = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise UserError(f"unknown codec '{codec}'{did_you_mean}; choose one of: "
                        f"{', '.join(CODECS)}")


def _pattern_codec(path: Path, codec: str | None) -> str:
    """The sequence codec of a ``%05d`` pattern, given by its suffix."""
    by_suffix = {ext: name for name, ext in SEQUENCE_CODECS.items()}
    suffix = path.suffix.lower()
    if suffix not in by_suffix:
        raise UserError(f"image-sequence pattern '{path.name}' must end in .png or .exr")
    if codec not in (None, by_suffix[suffix]):
        raise UserError(f"'{path}' is an image-sequence pattern; its codec must be "
                        f"{by_suffix[suffix]} (the file suffix)")
    return by_suffix[suffix]


def check_target(path: Path, overwrite: bool, *, folder: bool, frame_suffix: str = ".png") -> None:
    """Refuse to replace an existing output unless ``overwrite``; create the parent folder.
    A folder is only replaced if it holds nothing but ``frame_suffix`` files."""
    kind = frame_suffix.lstrip(".").upper()
    if path.exists() or path.is_symlink():
        if folder and not path.is_dir():
            raise UserError(f"{path} exists and is not a folder; choose a folder for {kind} frames")
        if not folder and path.is_dir():
            raise UserError(f"{path} is a folder; choose a file name for the video")
        if not folder or any(path.iterdir()):
            if not overwrite:
                raise OutputExistsError(f"{path} exists; pass --overwrite to replace it")
            if folder and not all(p.is_file() and p.suffix.lower() == frame_suffix
                                  for p in path.iterdir()):
                raise UserError(f"{path} holds more than {kind} frames; "
                                "it will not be replaced, choose another folder")
    try:
        path.absolute().parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create folder {path.absolute().parent}: {err.strerror}") from err


def publish(partial: Path, final: Path) -> None:
    """Rename the finished ``partial`` to ``final``, replacing what is there."""
    if not partial.is_dir():
        os.replace(partial, final)
        return
    old = None
    if final.is_dir():
        if any(final.iterdir()):
            old = Path(os.path.abspath(final))
            old = old.with_name(f"{old.name}.old-{os.getpid()}")
            os.replace(final, old)
        else:
            final.rmdir()
    os.replace(partial, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
