"""A farm render, seen from the machine that submits it: every preset checked and every work
folder locked before any job starts; segments (or whole jobs) handed to Dask workers; progress
read from the shared work folders; one merge-and-encode task per job once its frames are done.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path

from ..config import Preset
from ..engine import Job, WorkLock, open_job
from ..errors import UserError
from ..progress import Progress
from .cluster import dask_client
from .tasks import finish_task, render_segment_task

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
            job.work.describe(job.plan.records)
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
    """Queue the job's frame tasks (one a segment) and, after them, its merge-and-encode task."""
    parts = [client.submit(render_segment_task, job, segment, pure=False) for segment in job.segments]
    return client.submit(finish_task, job, parts, overwrite=overwrite, pure=False)


def watch(jobs: list[Job], finals: list, progresses: list[Progress]) -> None:
    """Report each job's finished frames (its work folder counts them) until every job is done;
    a task's error is raised here."""
    from distributed import wait

    counts = [job.work.finished_frames() for job in jobs]
    for job, progress, done in zip(jobs, progresses, counts):
        progress.start(expected_total(job), done)
    pending = set(range(len(jobs)))
    while pending:
        try:
            wait([finals[number] for number in pending], timeout=POLL_S, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        for number in sorted(pending):
            done = jobs[number].work.finished_frames()
            if done != counts[number]:
                counts[number] = done
                progresses[number].update(done)
            if finals[number].done():
                finals[number].result()  # raises the error of a failed task
                progresses[number].finish(str(jobs[number].output))
                pending.discard(number)


def expected_total(job: Job) -> int:
    """Frames the job renders: its segments' work frames, warm-ups included (the plan's work
    frames when it has no segments)."""
    return sum(segment.length for segment in job.segments)
