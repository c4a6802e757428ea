"""A farm render, seen from the machine that submits it: every preset checked and every work
folder locked before any job starts; segments (or whole jobs) handed to Dask workers; progress
read from the shared work folders; one merge-and-encode task per job once its frames are done.
"""

from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
from pathlib import Path

from ..config import Preset
from ..engine import Job, WorkLock, open_job
from ..errors import UserError
from ..progress import Progress
from .cluster import dask_client
from .tasks import finish_task, render_segment_task, render_whole_task

POLL_S = 0.5


def render_jobs(presets: list[tuple[str, Preset]], *, workers: int | None = None,
                scheduler: str | None = None, overwrite: bool = False, progress_mode: str = "auto",
                keep_work: bool = False) -> list[Path]:
    """Render every named preset on a Dask cluster; returns the outputs, in the presets' order."""
    jobs = open_jobs(presets, overwrite=overwrite)
    progresses = [Progress(progress_mode, output=str(job.output), job=name, position=number)
                  for number, (name, job) in enumerate(jobs)]
    with ExitStack() as stack:
        for (_, job), progress in zip(jobs, progresses):
            stack.enter_context(WorkLock.for_work(job.work.root).held(progress.message))
            for note in job.notes:
                progress.message(note)
        client = stack.enter_context(dask_client(workers=workers, scheduler=scheduler))
        for _, job in jobs:  # work folders only once the cluster is there
            job.work.prepare(job.fingerprint, overwrite=overwrite)
        finals = [submit_job(client, job, overwrite=overwrite) for _, job in jobs]
        try:
            watch([job for _, job in jobs], finals, progresses)
        finally:
            client.cancel(finals)
    if not keep_work:
        for _, job in jobs:
            shutil.rmtree(job.work.root, ignore_errors=True)
    return [job.output for _, job in jobs]


def open_jobs(presets: list[tuple[str, Preset]], *, overwrite: bool) -> list[tuple[str, Job]]:
    """Check every preset (inputs, output, no two writing the same place) before any work."""
    jobs, seen = [], {}
    for name, preset in presets:
        try:
            job, _ = open_job(preset, overwrite=overwrite)
        except UserError as err:
            raise UserError(f"{name}: {err}" if len(presets) > 1 else str(err)) from None
        if job.work.root in seen:
            raise UserError(f"{name}: output.path: the same as {seen[job.work.root]}'s")
        seen[job.work.root] = name
        jobs.append((name, job))
    return jobs


def submit_job(client, job: Job, *, overwrite: bool):
    """Queue the job's frame tasks and, after them, its merge-and-encode task."""
    if job.preset.segments:
        parts = [client.submit(render_segment_task, job, segment, pure=False) for segment in job.segments]
    else:
        parts = client.submit(render_whole_task, job, pure=False)
    return client.submit(finish_task, job, parts, overwrite=overwrite, pure=False)


def watch(jobs: list[Job], finals: list, progresses: list[Progress]) -> None:
    """Report each job's frames (counted in its work folder) until every job is done; a task's
    error is raised here."""
    from distributed import wait

    counts = [count_frames(job) for job in jobs]
    for job, progress, done in zip(jobs, progresses, counts):
        progress.start(expected_total(job), done)
    pending = set(range(len(jobs)))
    while pending:
        try:
            wait([finals[number] for number in pending], timeout=POLL_S, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        for number in sorted(pending):
            done = count_frames(jobs[number])
            if done != counts[number]:
                counts[number] = done
                progresses[number].update(done)
            if finals[number].done():
                finals[number].result()  # raises the error of a failed task
                progresses[number].finish(str(jobs[number].output))
                pending.discard(number)


def expected_total(job: Job) -> int:
    """Frames the job renders: its segments' (with warm-ups), or the clip's (a dream_zoom loop
    renders its closing frames too, multi-pass style every frame once a pass, as the effects'
    ``render_plan`` say)."""
    if job.preset.segments:
        return sum(segment.length for segment in job.segments)
    if job.preset.effect == "style":
        return job.frames * job.preset.style.passes
    output = job.preset.output
    if job.preset.effect == "dream_zoom" and output.loop:
        return job.frames + min(output.loop_frames, job.frames - 1)
    return job.frames


def count_frames(job: Job) -> int:
    """Finished frames in the work folder (temporary files start with a dot)."""
    folders = [job.work.root / "frames"]
    warmup = job.work.root / "warmup"
    if warmup.is_dir():
        folders += [entry for entry in warmup.iterdir() if entry.is_dir()]
    return sum(_count_pngs(folder) for folder in folders)


def _count_pngs(folder: Path) -> int:
    try:
        return sum(1 for entry in os.scandir(folder) if entry.name.endswith(".png") and entry.name[0] != ".")
    except FileNotFoundError:
        return 0
