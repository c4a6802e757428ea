"""What a job's frames depend on (the resume fingerprint) and how many frames it has."""

from __future__ import annotations

from pathlib import Path

from ..audio.tempo import in_beats
from ..components.networks import run_precision
from ..config import Preset
from ..errors import UserError

DEFAULT_STILL_FRAMES = 48
DEFAULT_FPS = 24.0


def fingerprint(preset: Preset, files) -> dict:
    """What frames depend on: the settings — changing codec, fps or path (or the clip length,
    unless it loops) keeps finished frames usable — and the sizes and times of the input
    ``files`` (the source's ``offers.files``), so
    re-rendered Blender passes or an edited video are never mixed with old frames.
    ``model.precision`` is stored as resolved (``auto`` means bfloat16 on one machine and float32
    on another, and the frames differ)."""
    data = preset.model_dump(mode="json")
    data["model"]["precision"] = run_precision(preset)
    output = data.pop("output")
    data["output"] = {"size": output["size"]}
    if output["loop"]:
        data["output"].update(frames=output["frames"], loop=True, loop_frames=output["loop_frames"])
    data["input_files"] = [file_stamp(Path(path)) for path in files]
    return data


def file_stamp(path: Path) -> list:
    stat = path.stat()
    return [str(path), stat.st_size, stat.st_mtime_ns]


def clip_timing(preset: Preset, source) -> tuple[Preset, int, float, str | None]:
    """The preset with ``output.loop_beats`` turned into frames and fps, the clip's frame count
    and fps, and what was chosen to fit the beats (None when nothing was)."""
    preset, note = in_beats(preset, source.fps or DEFAULT_FPS)
    return preset, clip_length(preset, source), preset.output.fps or source.fps or DEFAULT_FPS, note


def clip_length(preset: Preset, source) -> int:
    available = source.frame_count
    wanted = preset.output.frames
    if wanted is None:
        return available if available is not None else DEFAULT_STILL_FRAMES
    if available is not None and wanted > available and preset.effect != "dream_zoom":
        raise UserError(f"output.frames: {wanted} asked, but the source has only {available} frames")
    return wanted
