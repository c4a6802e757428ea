"""``render --preview``: the same preset, small, with the final look.

A preview renders at the preset's design width (``dream.design_width``; 320 px wide when the
preset has none, never larger than the output) and writes ``NAME.preview.EXT`` beside the output,
so the final render's work folder and output are left alone. A look designed at that width is the
same picture at every output size (docs/design/size.md gives the numbers), so the preview shows
what the final render will be, seen small.
"""

from __future__ import annotations

from pathlib import Path

from .preset import Preset

PREVIEW_WIDTH = 320  # px, for presets without a design width


def preview_size(preset: Preset, source_size: tuple[int, int] | None = None) -> tuple[int, int]:
    """The preview's (width, height): the design width at the output's aspect, even height."""
    size = preset.output.size or source_size or (640, 360)
    width = min(preset.dream.design_width or PREVIEW_WIDTH, size[0])
    return width, max(2, round(width * size[1] / size[0] / 2) * 2)


def preview_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.preview{path.suffix}")


def preview_of(preset: Preset, source_size: tuple[int, int] | None = None) -> Preset:
    """``preset`` at its preview size, written to its preview path."""
    output = preset.output.model_copy(update={"size": preview_size(preset, source_size),
                                              "path": preview_path(Path(preset.output.path))})
    return preset.model_copy(update={"output": output})
