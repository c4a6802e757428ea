"""Frame sources: the one a preset names (``source:``), at ``output.size`` when given, and the
training content of ``train-style --content`` with its flow."""

from __future__ import annotations

from pathlib import Path

from ..config import Preset
from ..errors import UserError
from ..videoio import IMAGE_SUFFIXES, ImageSource, NoiseSource, SequenceSource, VideoSource
from .flow import flow_for

DEFAULT_NOISE_SIZE = (640, 360)
VIDEO_FILES = (".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v")


def noise_cell(cell: int, size: tuple[int, int], preset: Preset) -> int:
    """The noise cell in output pixels: ``source.noise.cell`` is given at ``dream.design_width``
    (when set), so a larger output starts from the same picture, enlarged."""
    design = preset.dream.design_width
    return cell if design is None else max(1, round(cell * size[0] / design))


def source_for(preset: Preset):
    """The FrameSource named by ``source:``, at ``output.size`` when given."""
    config, size = preset.source, preset.output.size
    if config.image is not None:
        return ImageSource(config.image, size)
    if config.noise is not None:
        size = size or DEFAULT_NOISE_SIZE
        return NoiseSource(config.noise.seed, size, cell=noise_cell(config.noise.cell, size, preset))
    if config.video is not None:
        return VideoSource(config.video, size)
    if config.sequence is not None:
        return SequenceSource(config.sequence, size, preset.output.fps)
    if config.blender is not None:
        from ..blender.source import BlenderSource

        return BlenderSource(config.blender, size)
    raise UserError("source: give one of image, noise, video, sequence, blender")


def content_for(spec: str | Path):
    """(frame source, flow provider) of ``train-style --content``: a video, an image sequence
    (folder, glob or ``%05d`` pattern), a folder of Blender EXRs, a single image, or a preset
    (its ``source:`` at its ``output.size``)."""
    text = str(spec)
    path = Path(text)
    if path.suffix in (".yaml", ".yml", ".json"):
        from ..config import load_preset

        preset = load_preset(path)
        source = source_for(preset)
        return source, flow_for(source, preset.style.flow)
    if path.is_dir() and any(path.glob("*.exr")) or path.suffix == ".exr" or text.endswith("*.exr"):
        from ..blender.source import BlenderSource

        source = BlenderSource({"frames": text})
        return source, flow_for(source, "dis")
    if path.is_file() and path.suffix.lower() in VIDEO_FILES:
        source = VideoSource(path)
    elif path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
        source = ImageSource(path)
    elif not path.exists() and not any(c in text for c in "*%"):
        raise UserError(f"--content: not found: {text}")
    else:
        source = SequenceSource(text)
    return source, flow_for(source, "dis")
