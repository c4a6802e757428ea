"""The operator side of a background job, written once for Render with dreamvideo, Train Style
Network and Install Engine: start, step, end of job, cancel.

A job (:class:`Job`) advances a little per ``step()`` and ends ``done``, ``failed`` or
``cancelled`` with a one-line ``message``. A :class:`JobOperator` runs it: ``execute`` (scripts,
tests, background mode) steps it to the end, blocking (Ctrl-C cancels it); ``invoke`` steps it
from a timer so Blender stays responsive. The running job is also the operator class's
``active``, which the panel or the preferences draw (:func:`draw_progress`).
"""

from __future__ import annotations

import time
from typing import Protocol

BLOCKING_POLL_S = 0.1  # execute(): the pause between two looks at a child process


class StartError(Exception):
    """Something the user must fix before a job can start; the message is one line."""


class Job(Protocol):
    state: str  # ... -> "done" | "failed" | "cancelled"
    message: str  # the one-line outcome, once ended
    warnings: list[str]  # for Operator.report, as they come

    @property
    def fraction(self) -> float: ...

    @property
    def status(self) -> str: ...

    @property
    def waiting(self) -> bool:
        """True while the job waits on a child process (stepping at once again does nothing)."""

    def step(self) -> bool:
        """Advance a little; True once the job is over."""

    def cancel(self) -> None:
        """Ask the job to stop (it ends ``cancelled`` at a later step)."""

    def fail(self, message: str) -> None:
        """Stop everything now and end ``failed`` with ``message``."""


class JobOperator:
    """Mixin for a ``bpy.types.Operator`` that runs a :class:`Job`; subclasses say how to make
    it (:meth:`make_job`) and may act when it is done (:meth:`job_done`)."""

    # No annotations here: Blender reads an operator's annotations as its properties.
    active = None  # the running Job (one at a time where ``poll`` says so)
    timer_s = 0.1  # invoke(): how often the timer steps the job
    failure = "dreamvideo failed"  # the message's start when stepping raises
    closed = "dreamvideo: stopped because Blender closed the operator"
    esc_cancels = False  # Esc in the window cancels (else the job runs on while the user works)
    window_progress = False  # the window's progress bar and status line (else a redraw for a panel)

    _job = None
    _timer = None
    _reported = 0

    def make_job(self, context) -> Job:
        """The started job; :class:`StartError` (or OSError) if it cannot start."""
        raise NotImplementedError

    def job_done(self, context, job: Job) -> None:
        """Called once when ``job`` ended done, before the report."""

    # ----- Blender's entry points

    def execute(self, context):
        """Blocking (scripts, background mode)."""
        job = self._start(context)
        if job is None:
            return {"CANCELLED"}
        try:
            self._run_to_end(job)
        except KeyboardInterrupt:
            job.cancel()
            self._run_to_end(job)
        except Exception as err:  # stop the child process (and restore the scene) whatever went wrong
            job.fail(f"{self.failure}: {err}")
        return self._end(context, job)

    def invoke(self, context, event):
        job = self._start(context)
        if job is None:
            return {"CANCELLED"}
        wm = context.window_manager
        if self.window_progress:
            wm.progress_begin(0, 1000)
        self._timer = wm.event_timer_add(self.timer_s, window=context.window)
        wm.modal_handler_add(self)
        self._show(context, job)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        job = self._job
        if self.esc_cancels and event.type == "ESC" and event.value == "PRESS":
            job.cancel()
        elif event.type != "TIMER":
            return {"PASS_THROUGH"}
        try:
            finished = job.step()
        except Exception as err:  # a render or I/O failure must not leave the UI stuck
            job.fail(f"{self.failure}: {err}")
            finished = True
        self._flush_warnings(job)
        self._show(context, job)
        if not finished:
            return {"RUNNING_MODAL"}
        self._stop_modal(context)
        return self._end(context, job)

    def cancel(self, context):  # Blender closes the operator (quitting, new file)
        if self._job is not None:
            self._job.fail(self.closed)
        self._stop_modal(context)

    @classmethod
    def stop_active(cls) -> None:
        """Stop the running job now (the add-on is being disabled)."""
        if cls.active is not None:
            cls.active.fail(cls.closed)
            cls.active = None

    # ----- pieces

    def _start(self, context) -> Job | None:
        try:
            job = self.make_job(context)
        except (StartError, OSError) as err:
            self.report({"ERROR"}, str(err))
            return None
        self._job, self._reported = job, 0
        type(self).active = job
        return job

    @staticmethod
    def _run_to_end(job: Job) -> None:
        while not job.step():
            if job.waiting:
                time.sleep(BLOCKING_POLL_S)

    def _flush_warnings(self, job: Job) -> None:
        for warning in job.warnings[self._reported:]:
            self.report({"WARNING"}, warning)
        self._reported = len(job.warnings)

    def _end(self, context, job: Job):
        if type(self).active is job:
            type(self).active = None
        _redraw(context)
        self._flush_warnings(job)
        if job.state == "done":
            self.job_done(context, job)
            self.report({"INFO"}, job.message)
            return {"FINISHED"}
        self.report({"ERROR"} if job.state == "failed" else {"WARNING"}, job.message)
        return {"CANCELLED"}

    def _show(self, context, job: Job) -> None:
        if not self.window_progress:
            _redraw(context)
            return
        context.window_manager.progress_update(int(job.fraction * 1000))
        if context.workspace is not None:
            context.workspace.status_text_set(job.status)

    def _stop_modal(self, context) -> None:
        wm = context.window_manager
        if self._timer is not None:
            wm.event_timer_remove(self._timer)
            self._timer = None
        if self.window_progress:
            wm.progress_end()
            if context.workspace is not None:
                context.workspace.status_text_set(None)


class CancelJob:
    """Mixin for the Cancel button's operator: asks ``job_operator``'s running job to stop."""

    job_operator = JobOperator  # the JobOperator subclass whose ``active`` job is cancelled

    def execute(self, context):
        job = self.job_operator.active
        if job is not None:
            job.cancel()
        return {"FINISHED"}


def draw_progress(layout, job: Job, cancel_idname: str):
    """A running job's row, returned: its progress bar and a Cancel button (``cancel_idname``)."""
    row = layout.row(align=True)
    if hasattr(row, "progress"):  # Blender 4.0+
        row.progress(factor=job.fraction, type="BAR", text=f"{job.fraction:.0%}")
    row.operator(cancel_idname, text="", icon="CANCEL")
    return row


def _redraw(context) -> None:
    if context.window_manager is None:
        return
    for window in context.window_manager.windows:
        for area in window.screen.areas:
            area.tag_redraw()
