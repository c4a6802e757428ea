"""Train Style Network: the frame range's cached passes -> ``dreamvideo train-style`` in the
engine's own process -> the panel's Style Network.

A :class:`TrainRun` is a :class:`.render_op.Run` whose engine stage trains instead of rendering:
frames missing from the cache are rendered first (as for Render with dreamvideo; their Vector
pass is the flow the training's temporal term follows), then the engine trains on them with the
panel's style images, steps and crop size. ``invoke`` runs it in the background (a timer steps
it, :mod:`.background`; the panel shows the progress and a Cancel button, as Install Engine
does); ``execute`` (scripts, tests) blocks. Cancel stops the engine at the next step with a checkpoint next to the
network: pressing Train again continues from it (same images and settings). When the training is
done, the panel's Style Network is the new file.
"""

from __future__ import annotations

import bpy

from . import job as jobs
from .background import CancelJob, JobOperator, StartError, draw_progress
from .engine_process import format_seconds, train_command
from .render_op import TIMER_S, Run

NETWORK_NAME = "style_network.keras"
CANCEL_GRACE_S = 120.0  # a step and the checkpoint can take long on a busy machine: not killed sooner


class TrainRun(Run):
    """Render missing passes, then train; ``network`` is the file made."""

    def __init__(self, context) -> None:
        settings = context.scene.dreamvideo
        if settings.effect != "STYLE":
            raise StartError("Train Style Network needs the Style effect")
        self.styles = [bpy.path.abspath(item.path) for item in settings.style_images if item.path.strip()]
        if not self.styles:
            raise StartError("add a style image to train a network on (Style Images)")
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


class DREAMVIDEO_OT_train_network(JobOperator, bpy.types.Operator):
    """Train a style network on the frame range's cached render passes (rendered first where
    missing) with the style images; the panel then uses it"""

    bl_idname = "dreamvideo.train_network"
    bl_label = "Train Style Network"
    bl_options = {"INTERNAL"}

    timer_s = TIMER_S
    failure = "dreamvideo: training failed"
    closed = "dreamvideo: training stopped because Blender closed the operator"

    @classmethod
    def poll(cls, context):
        return cls.active is None and context.scene is not None

    def make_job(self, context) -> TrainRun:
        return TrainRun(context)


class DREAMVIDEO_OT_train_cancel(CancelJob, bpy.types.Operator):
    """Stop training after the current step (a checkpoint is kept: Train continues from it)"""

    bl_idname = "dreamvideo.train_cancel"
    bl_label = "Cancel Training"
    bl_options = {"INTERNAL"}
    job_operator = DREAMVIDEO_OT_train_network


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
    draw_progress(box, run, DREAMVIDEO_OT_train_cancel.bl_idname)
    box.label(text=run.status)


CLASSES = (DREAMVIDEO_OT_train_network, DREAMVIDEO_OT_train_cancel)
