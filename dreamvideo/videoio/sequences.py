"""Numbered image sequences: printf-style name patterns (``f_%05d.png``) and frame-ordered
file listing, shared by sequence sources, sequence sinks and Blender renders."""

from __future__ import annotations

import glob
import re
from pathlib import Path

PRINTF = re.compile(r"%0?\d*d")  # the frame-number field of a pattern such as f_%05d.png


def is_pattern(path: Path) -> bool:
    """Whether the file name of ``path`` holds a printf frame-number field (``%05d``)."""
    return bool(PRINTF.search(Path(path).name))


def list_frame_files(spec: str, suffixes: tuple[str, ...]) -> list[Path] | None:
    """Files of a numbered sequence in natural (frame number) order: a folder (files with one of
    ``suffixes``), a glob (``frames/*.png``), a printf pattern (``frame_%04d.exr``) or one file.
    None when ``spec`` is none of these."""
    path = Path(spec)
    if path.is_dir():
        files = [p for p in path.iterdir() if p.suffix.lower() in suffixes]
    elif glob.has_magic(spec):
        files = [Path(p) for p in glob.glob(spec)]
    elif is_pattern(path):
        files = _pattern_matches(path)
    elif path.is_file():
        files = [path]
    else:
        return None
    return sorted((p for p in files if p.is_file()), key=natural_key)


def _pattern_matches(pattern: Path) -> list[Path]:
    """Files beside ``pattern`` whose names fit it, any number of digits in the field."""
    if not pattern.parent.is_dir():
        return []
    prefix, suffix = PRINTF.split(pattern.name, maxsplit=1)
    name = re.compile(re.escape(prefix) + r"\d+" + re.escape(suffix))
    return [p for p in pattern.parent.iterdir() if name.fullmatch(p.name)]


def natural_key(path: Path) -> tuple:
    """Sort key putting ``f2`` before ``f10`` (digit runs compared as numbers)."""
    parts = re.split(r"(\d+)", str(path))
    return tuple(int(part) if i % 2 else part.lower() for i, part in enumerate(parts))
