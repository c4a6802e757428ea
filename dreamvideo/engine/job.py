"""One job in this process: preset -> work folder of frames -> the output.

Re-running the same command resumes at the first missing frame of the work folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..builders import source_for
from ..config import Preset
from ..effects import build_effect, render_plan
from ..errors import UserError
from ..inputs import check_inputs
from ..progress import Progress
from ..videoio import output_location
from .encode import encode, occupied
from .frames import render_frames
from .settings import DEFAULT_FPS, clip_length, fingerprint
from .tfsetup import configure_tensorflow
from .workfolder import WorkFolder


def render(preset: Preset, *, overwrite: bool = False, progress: Progress | None = None,
           keep_work: bool = False) -> Path:
    """Render ``preset`` to its output path; resumes from the work folder when there is one."""
    progress = progress or Progress("none")
    check_inputs(preset)
    output = Path(preset.output.path)
    target = output_location(output)
    if occupied(target) and not overwrite:
        raise UserError(f"{target} exists; pass --overwrite to replace it")
    source = source_for(preset)
    work = WorkFolder.for_output(output)
    work.prepare(fingerprint(preset, source), overwrite=overwrite)
    configure_tensorflow()

    frames = clip_length(preset, source)
    effect = build_effect(preset, source, frame_size=source.size)
    total, order = render_plan(effect, frames)
    progress.output = str(output)
    render_frames(effect, source, work, preset.seed, total=total, frames=frames, progress=progress)

    fps = preset.output.fps or source.fps or DEFAULT_FPS
    display = getattr(source, "display", None)  # a Blender render's view transform
    encode(work, order, output, preset, source.size, fps, overwrite, progress,
           to_linear=display.to_linear if display is not None else None)
    progress.finish(str(output))
    if not keep_work:
        shutil.rmtree(work.root, ignore_errors=True)
    return output
