"""Train Style Network: the frame range's cached passes -> ``dreamvideo train-style`` in the
engine's own process -> the panel's Style Network.

A :class:`TrainRun` is a :class:`.render_op.Run` whose engine stage trains instead of rendering:
frames missing from the cache are rendered first (as for Render with dreamvideo; their Vector
pass is the flow the training's temporal term follows), then the engine trains on them with the
panel's style images, steps and crop size. ``invoke`` runs it in the background (a timer steps
it; the panel shows the progress and a Cancel button, as Install Engine does); ``execute``
(scripts, tests) blocks. Cancel stops the engine at the next step with a checkpoint next to the
network: pressing Train again continues from it (same images and settings). When the training is
done, the panel's Style Network is the new file.
"""

from __future__ import annotations

import time
from pathlib import Path

import bpy

from . import job as jobs
from .engine_process import format_seconds, train_command
from .render_op import TIMER_S, Run, RunError

NETWORK_NAME = "style_network.keras"
CANCEL_GRACE_S = 120.0  # a step and the checkpoint can take long on a busy machine: not killed sooner


class TrainRun(Run):
    """Render missing passes, then train; ``network`` is the file made."""

    def __init__(self, context) -> None:
        settings = context.scene.dreamvideo
        if settings.effect != "STYLE":
            raise RunError("Train Style Network needs the Style effect")
        self.styles = [bpy.path.abspath(item.path) for item in settings.style_images if item.path.strip()]
        if not self.styles:
            raise RunError("add a style image to train a network on (Style Images)")
        super().__init__(context)
        self.network = self.cache / NETWORK_NAME

    def cancel(self) -> None:
        """Stop after the current step; the engine saves a checkpoint (killed only after
        ``CANCEL_GRACE_S``, which would lose the steps since the last periodic checkpoint)."""
        if self.state == "engine" and self.engine is not None:
            self.engine.cancel(grace_s=CANCEL_GRACE_S)
        else:
            super().cancel()

    @property
    def fraction(self) -> float:
        if self.state == "engine" and self.engine is not None:
            share = 0.3 if self.todo else 0.0
            return share + (1.0 - share) * self.engine.progress.fraction
        return super().fraction

    @property
    def status(self) -> str:
        if self.state == "engine" and self.engine is not None:
            progress = self.engine.progress
            if progress.stage == "starting":
                return "dreamvideo: starting the training (loading the model)..."
            text = f"dreamvideo: training step {progress.frame}/{progress.total} ({progress.fraction:.0%})"
            if progress.eta_s is not None and progress.stage != "done":
                text += f", {format_seconds(progress.eta_s)} left"
            return text
        return super().status

    def _engine_command(self) -> list[str]:
        settings = self.scene.dreamvideo
        job_path = self.cache / "train.json"
        job_path.write_text(jobs.to_json(jobs.training_job(self.job)), encoding="utf-8")
        preset = settings.preset_path.strip()
        overrides = jobs.preset_overrides(jobs.training_job(self.job)) if preset else []
        return train_command(self._python, self.styles, job_path, self.network,
                             steps=settings.train_steps, size=settings.train_size,
                             preset=bpy.path.abspath(preset) if preset else job_path, overrides=overrides)

    def _update_preview(self) -> None:  # training makes no frames to preview
        pass

    def _engine_done(self) -> str:
        self.scene.dreamvideo.style_network = str(self.network)
        return f"dreamvideo: trained {self.network}; the Style Network is set to it"

    def _poll_engine(self) -> None:
        super()._poll_engine()
        if self.state == "cancelled":
            progress = self.engine.progress
            self.message = (f"dreamvideo: training stopped at step {progress.frame}/{progress.total}; "
                            "press Train Style Network again to continue")


class DREAMVIDEO_OT_train_network(bpy.types.Operator):
    """Train a style network on the frame range's cached render passes (rendered first where
    missing) with the style images; the panel then uses it"""

    bl_idname = "dreamvideo.train_network"
    bl_label = "Train Style Network"
    bl_options = {"INTERNAL"}

    active: TrainRun | None = None  # the running training (one at a time), for the panel

    @classmethod
    def poll(cls, context):
        return cls.active is None and context.scene is not None

    def execute(self, context):
        """Blocking (scripts, background mode)."""
        run = self._start(context)
        if run is None:
            return {"CANCELLED"}
        try:
            while not run.step():
                if run.state == "engine":
                    time.sleep(TIMER_S)
        except KeyboardInterrupt:
            run.cancel()
            while not run.step():
                time.sleep(TIMER_S)
        except Exception as err:  # restore the scene and stop the engine whatever went wrong
            run.fail(f"dreamvideo: training failed: {err}")
        return self._end(context, run)

    def invoke(self, context, event):
        run = self._start(context)
        if run is None:
            return {"CANCELLED"}
        type(self).active = run
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_S, window=context.window)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        run = type(self).active
        try:
            finished = run is None or run.step()
        except Exception as err:  # a render or I/O failure must not leave the panel stuck
            run.fail(f"dreamvideo: training failed: {err}")
            finished = True
        _redraw(context)
        if not finished:
            return {"RUNNING_MODAL"}
        context.window_manager.event_timer_remove(self._timer)
        return self._end(context, run)

    def cancel(self, context):  # Blender closes the operator (quitting, new file)
        type(self).stop_active()

    @classmethod
    def stop_active(cls) -> None:
        if cls.active is not None:
            cls.active.fail("dreamvideo: training stopped because Blender closed the operator")
            cls.active = None

    def _start(self, context) -> TrainRun | None:
        try:
            return TrainRun(context)
        except (RunError, OSError) as err:
            self.report({"ERROR"}, str(err))
            return None

    def _end(self, context, run: TrainRun | None):
        type(self).active = None
        _redraw(context)
        if run is None:
            return {"CANCELLED"}
        for warning in run.warnings:
            self.report({"WARNING"}, warning)
        if run.state == "done":
            self.report({"INFO"}, run.message)
            return {"FINISHED"}
        self.report({"ERROR"} if run.state == "failed" else {"WARNING"}, run.message)
        return {"CANCELLED"}


class DREAMVIDEO_OT_train_cancel(bpy.types.Operator):
    """Stop training after the current step (a checkpoint is kept: Train continues from it)"""

    bl_idname = "dreamvideo.train_cancel"
    bl_label = "Cancel Training"
    bl_options = {"INTERNAL"}

    def execute(self, context):
        run = DREAMVIDEO_OT_train_network.active
        if run is not None:
            run.cancel()
        return {"FINISHED"}


def draw_train(layout, settings) -> None:
    """The panel's training box: steps and crop size, and the button, or progress and Cancel."""
    box = layout.box()
    box.label(text="Train Style Network")
    box.prop(settings, "train_steps")
    box.prop(settings, "train_size")
    run = DREAMVIDEO_OT_train_network.active
    if run is None:
        box.operator(DREAMVIDEO_OT_train_network.bl_idname, icon="SHADERFX")
        return
    row = box.row(align=True)
    if hasattr(row, "progress"):  # Blender 4.0+
        row.progress(factor=run.fraction, type="BAR", text=f"{run.fraction:.0%}")
    row.operator(DREAMVIDEO_OT_train_cancel.bl_idname, text="", icon="CANCEL")
    box.label(text=run.status)


def _redraw(context) -> None:
    for window in context.window_manager.windows:
        for area in window.screen.areas:
            area.tag_redraw()


CLASSES = (DREAMVIDEO_OT_train_network, DREAMVIDEO_OT_train_cancel)
