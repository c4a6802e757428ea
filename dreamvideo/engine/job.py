"""One job: preset -> work folder of frames -> the output, here in this process.

The steps are separate so a farm (``dreamvideo.farm``) can run them on other machines:
``open_job`` (checks, no TensorFlow), ``render_segment`` (frames of one segment, or of the whole
clip), ``finish_job`` (merge the seams, encode once). Re-running the same command resumes at the
first missing frame of each segment.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..audio.drive import drive_preset
from ..builders import source_for
from ..config import Preset
from ..config.inputs import check_inputs
from ..effects import build_effect, render_plan
from ..errors import OutputExistsError, UserError
from ..progress import Progress
from ..videoio import output_location
from .encode import encode, occupied
from .frames import render_frames
from .lock import WorkLock
from .segments import MergedFrames, Segment, SegmentFrames, merge_seams, plan_segments
from .settings import clip_timing, fingerprint
from .tfsetup import configure_tensorflow
from .workfolder import WorkFolder


@dataclass(frozen=True)
class Job:
    """What every step of a job needs (picklable: the source is rebuilt where it is used)."""

    preset: Preset  # audio-driven values already keyframes, loop_beats already frames
    output: Path
    work: WorkFolder
    frames: int
    fps: float
    fingerprint: dict
    notes: tuple[str, ...] = ()  # what was chosen for the user (a loop's frame rate nudged to the beat)

    @property
    def segments(self) -> list[Segment]:
        return plan_segments(self.frames, self.preset.segments)


def open_job(preset: Preset, *, overwrite: bool = False) -> tuple[Job, object]:
    """Check the preset's inputs and output; returns the job and its frame source."""
    check_inputs(preset)
    output = Path(preset.output.path)
    target = output_location(output)
    if occupied(target) and not overwrite:
        raise OutputExistsError(f"{target} exists; pass --overwrite to replace it")
    source = source_for(preset)
    preset, frames, fps, note = clip_timing(preset, source)
    preset = drive_preset(preset, fps, frames)
    job = Job(preset, output, WorkFolder.for_output(output), frames, fps, fingerprint(preset, source),
              (note,) if note else ())
    return job, source


def render(preset: Preset, *, overwrite: bool = False, progress: Progress | None = None,
           keep_work: bool = False) -> Path:
    """Render ``preset`` to its output path; resumes from the work folder when there is one."""
    progress = progress or Progress("none")
    job, source = open_job(preset, overwrite=overwrite)
    preset = job.preset
    for note in job.notes:
        progress.message(note)
    with WorkLock.for_work(job.work.root).held(progress.message), \
            job.work.prepared(job.fingerprint, overwrite=overwrite):
        configure_tensorflow()
        effect = build_effect(preset, source, frame_size=source.size)
        total, order = plan_frames(job, effect)
        progress.output = str(job.output)
        segments = job.segments if preset.segments else [Segment(0, 0, 0, total)]
        for segment in segments:
            if len(segments) > 1:
                progress.message(f"segment {segment.number + 1}/{len(segments)}")
            render_segment(effect, source, job, segment, progress, total=total)
        finish_job(job, source, order, progress, overwrite=overwrite)
    progress.finish(str(job.output))
    if not keep_work:
        shutil.rmtree(job.work.root, ignore_errors=True)
    return job.output


def plan_frames(job: Job, effect) -> tuple[int, list[int]]:
    """(frames to render, output order), recorded in the work folder's ``plan.json`` when the
    effect describes its frames (multi-pass style)."""
    total, order = render_plan(effect, job.frames)
    job.work.describe(getattr(effect, "describe_frames", lambda frames: None)(job.frames))
    if job.preset.segments and (total, order) != (job.frames, list(range(job.frames))):
        raise UserError("segments: this effect renders extra frames (a loop or passes); render it whole")
    return total, order


def render_segment(effect, source, job: Job, segment: Segment, progress: Progress, *,
                   total: int | None = None) -> None:
    """Make the missing frames of ``segment`` (warm-up frames into its own folder)."""
    store = SegmentFrames.of(job.work, segment) if job.preset.segments else job.work
    if job.preset.segments:
        store.make_folders()
    render_frames(effect, source, store, job.preset.seed, total=total or job.frames, frames=job.frames,
                  progress=progress, first=segment.start, stop=segment.stop)


def finish_job(job: Job, source, order: list[int], progress: Progress, *, overwrite: bool) -> None:
    """Cross-fade the seams (segmented jobs), then encode the output once."""
    frames = job.work
    if job.preset.segments:
        merge_seams(job.work, job.segments)
        frames = MergedFrames(job.work.root)
    display = getattr(source, "display", None)  # a Blender render's view transform
    encode(frames, order, job.output, job.preset, source.size, job.fps, overwrite, progress,
           to_linear=display.to_linear if display is not None else None)
