"""What farm workers run: a segment's frames (a whole job is one segment), a job's merge and encode.

Everything goes through the job's work folder on storage every worker sees. A task that is run
again (its worker died) resumes at the segment's first missing frame. Each worker process keeps
the source and effect of its two most recent jobs (``_RUNTIMES``): building an effect loads the
network, which would otherwise dominate short segments. Effects carry no state between frames
(``effects/base.py``), so reusing one for another segment of the same job is exact.
"""

from __future__ import annotations

import json
from collections import OrderedDict

from ..components.sources import source_for
from ..effects import build_effect
from ..engine import Job, Segment, configure_tensorflow, finish_job, render_segment
from ..progress import Progress

_RUNTIMES: OrderedDict[str, tuple[object, object]] = OrderedDict()  # per worker process
_KEEP = 2


def runtime(job: Job) -> tuple[object, object]:
    """(source, effect) of ``job`` in this worker process, built once."""
    key = json.dumps([str(job.work.root), job.fingerprint], sort_keys=True)
    if key not in _RUNTIMES:
        configure_tensorflow()
        source = source_for(job.preset)
        _RUNTIMES[key] = (source, build_effect(job.preset, source, job.plan))
        while len(_RUNTIMES) > _KEEP:
            _RUNTIMES.popitem(last=False)
    _RUNTIMES.move_to_end(key)
    return _RUNTIMES[key]


def render_segment_task(job: Job, segment: Segment) -> int:
    """The frames of one of ``job.segments`` (a job without ``segments:`` has one: every frame)."""
    source, effect = runtime(job)
    render_segment(job, effect, source, segment, Progress("none"))
    return segment.length


def finish_task(job: Job, rendered, *, overwrite: bool) -> str:
    """Merge and encode once every segment is done (``rendered``: their results)."""
    source = source_for(job.preset)
    finish_job(job, source, Progress("none"), overwrite=overwrite)
    return str(job.output)
