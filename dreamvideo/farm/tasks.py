"""What farm workers run: a segment's frames, a whole job's frames, a job's merge and encode.

Everything goes through the job's work folder on storage every worker sees. A task that is run
again (its worker died) resumes at the segment's first missing frame. Each worker process keeps
the source and effect of its two most recent jobs (``_RUNTIMES``): building an effect loads the
network, which would otherwise dominate short segments. Effects carry no state between frames
(``effects/base.py``), so reusing one for another segment of the same job is exact.
"""

from __future__ import annotations

import json
from collections import OrderedDict

from ..builders import source_for
from ..effects import build_effect
from ..engine import Job, Segment, configure_tensorflow, finish_job, plan_frames, render_segment
from ..progress import Progress

_RUNTIMES: OrderedDict[str, tuple[object, object]] = OrderedDict()  # per worker process
_KEEP = 2


def runtime(job: Job) -> tuple[object, object]:
    """(source, effect) of ``job`` in this worker process, built once."""
    key = json.dumps([str(job.work.root), job.fingerprint], sort_keys=True)
    if key not in _RUNTIMES:
        configure_tensorflow()
        source = source_for(job.preset)
        _RUNTIMES[key] = (source, build_effect(job.preset, source, frame_size=source.size))
        while len(_RUNTIMES) > _KEEP:
            _RUNTIMES.popitem(last=False)
    _RUNTIMES.move_to_end(key)
    return _RUNTIMES[key]


def render_segment_task(job: Job, segment: Segment) -> int:
    source, effect = runtime(job)
    render_segment(effect, source, job, segment, Progress("none"))
    return segment.length


def render_whole_task(job: Job) -> list[int]:
    """A job without segments: every frame, in order, in one task; returns the output order."""
    source, effect = runtime(job)
    total, order = plan_frames(job, effect)
    render_segment(effect, source, job, Segment(0, 0, 0, total), Progress("none"), total=total)
    return order


def finish_task(job: Job, rendered, *, overwrite: bool) -> str:
    """Merge and encode once every segment is done (``rendered``: their results, or the order)."""
    order = rendered if job.preset.segments is None else list(range(job.frames))
    source = source_for(job.preset)
    finish_job(job, source, order, Progress("none"), overwrite=overwrite)
    return str(job.output)
