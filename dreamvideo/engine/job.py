"""One job: preset -> work folder of frames -> the output, here in this process.

The steps are separate so a farm (``dreamvideo.farm``) can run them on other machines:
``open_job`` (checks, the frame plan, no TensorFlow), ``render_segment`` (frames of one segment,
or of the whole clip), ``finish_job`` (merge the seams, encode once). Re-running the same command
resumes at the first missing frame of each segment.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..audio.drive import drive_preset
from ..config import Preset
from ..components.inputs import check_inputs
from ..components.sources import source_for
from ..effects import build_effect
from ..errors import OutputExistsError, UserError
from ..plan import FramePlan, plan_for
from ..progress import Progress
from ..videoio import output_location
from .encode import Encoding, encode, occupied
from .frames import render_frames
from .lock import WorkLock
from .segments import MergedFrames, Segment, SegmentFrames, merge_seams, plan_segments
from .settings import clip_timing, fingerprint
from .tfsetup import configure_tensorflow
from .workfolder import WorkFolder


@dataclass(frozen=True)
class Job:
    """What every step of a job needs, resolved once when it opens (picklable: the source is
    rebuilt where it is used)."""

    preset: Preset  # audio-driven values already keyframes, loop_beats already frames
    work: WorkFolder
    plan: FramePlan
    encoding: Encoding
    fingerprint: dict
    notes: tuple[str, ...] = ()  # what was chosen for the user (a loop's frame rate nudged to the beat)

    @property
    def output(self) -> Path:
        return self.encoding.path

    @property
    def frames(self) -> int:
        """Clip frames."""
        return self.plan.frames

    @property
    def fps(self) -> float:
        return self.encoding.fps

    @property
    def segments(self) -> list[Segment]:
        """The segments rendered independently: ``segments:``'s, or one over every work frame."""
        if self.preset.segments is None:
            return [Segment(0, 0, 0, self.plan.total)]
        return plan_segments(self.plan.frames, self.preset.segments)


def open_job(preset: Preset, *, overwrite: bool = False) -> tuple[Job, object]:
    """Check the preset's inputs and output, make the frame plan; returns the job and its frame
    source."""
    check_inputs(preset)
    output = Path(preset.output.path)
    target = output_location(output)
    if occupied(target) and not overwrite:
        raise OutputExistsError(f"{target} exists; pass --overwrite to replace it")
    source = source_for(preset)
    preset, frames, fps, note = clip_timing(preset, source)
    preset = drive_preset(preset, fps, frames)
    plan = plan_for(preset, frames)
    if preset.segments and not plan.whole:
        raise UserError("segments: this effect renders extra frames (a loop or passes); render it whole")
    encoding = Encoding.of(preset, fps=fps, size=source.size, frames=len(plan.output))
    job = Job(preset, WorkFolder.for_output(output), plan, encoding, fingerprint(preset, source.offers.files),
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
        job.work.describe(job.plan.records)
        configure_tensorflow()
        effect = build_effect(preset, source, job.plan)
        progress.output = str(job.output)
        segments = job.segments
        for segment in segments:
            if len(segments) > 1:
                progress.message(f"segment {segment.number + 1}/{len(segments)}")
            render_segment(job, effect, source, segment, progress)
        finish_job(job, source, progress, overwrite=overwrite)
    progress.finish(str(job.output), work=str(job.work.root) if keep_work else None)
    if not keep_work:
        shutil.rmtree(job.work.root, ignore_errors=True)
    return job.output


def render_segment(job: Job, effect, source, segment: Segment, progress: Progress) -> None:
    """Make the missing frames of ``segment`` (warm-up frames into its own folder)."""
    store = SegmentFrames.of(job.work, segment) if job.preset.segments else job.work
    if job.preset.segments:
        store.make_folders()
    render_frames(effect, source, store, job.plan, seed=job.preset.seed, progress=progress,
                  first=segment.start, stop=segment.stop)


def finish_job(job: Job, source, progress: Progress, *, overwrite: bool) -> None:
    """Cross-fade the seams (segmented jobs), then encode the plan's output frames once."""
    frames = job.work
    if job.preset.segments:
        merge_seams(job.work, job.segments)
        frames = MergedFrames(job.work.root)
    encode(frames, job.plan.output, job.encoding, progress, overwrite=overwrite,
           to_linear=source.offers.to_linear)
