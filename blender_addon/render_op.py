"""Render with dreamvideo: EXR passes -> job.json -> engine subprocess -> strip in the Sequencer.

A :class:`Run` (a :class:`.background.Job`) does the work in small steps (one Blender frame, or
one look at the engine's progress), so the modal operator stays responsive: a timer calls
``step()``, Esc cancels. ``execute()`` (scripts, tests) runs the same steps to the end, blocking.

While it renders the EXRs the run changes, and afterwards restores, a few scene settings:
the Vector, Z (and Object Index with a mask) passes on, motion blur off (it makes Blender drop
the Vector pass; the user is warned), the output format multilayer EXR, and the compositor and
sequencer off so the EXR holds the 3D render.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import bpy

from . import job as jobs
from . import preview
from .background import JobOperator, StartError
from .engine_process import EngineProcess, engine_command
from .properties import addon_preferences
from .run_files import (EXR_NAME, cache_folder, engine_environment, load_into_sequencer,
                        ocio_config_path, output_folder, render_exr, render_stamp)

TIMER_S = 0.1
RENDER_SHARE = 0.3  # of the progress bar, when frames have to be rendered


class SceneOverrides:
    """Set attributes for the EXR render and put the old values back afterwards."""

    def __init__(self) -> None:
        self._saved: list[tuple[object, str, object]] = []

    def set(self, owner, attr: str, value) -> None:
        if not hasattr(owner, attr):
            return
        self._saved.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, value)

    def restore(self) -> None:
        for owner, attr, value in reversed(self._saved):
            try:
                setattr(owner, attr, value)
            except (AttributeError, TypeError, ValueError):
                pass
        self._saved.clear()


class Run:
    """One dreamvideo run for ``scene``; ``state`` goes render -> engine -> done | failed |
    cancelled. ``warnings`` and ``message`` are for ``Operator.report``."""

    def __init__(self, context) -> None:
        self.scene = context.scene
        self.prefs = addon_preferences(context)
        self.state = "render"
        self.message = ""
        self.warnings: list[str] = []
        self.engine: EngineProcess | None = None
        self._overrides = SceneOverrides()
        self._frame_before = self.scene.frame_current
        self._python = bpy.path.abspath(self.prefs.engine_python.strip())
        if not self._python:
            raise StartError("set the engine's Python in Preferences > Add-ons > dreamvideo")
        self.cache = cache_folder(self.scene, self.prefs.cache_dir)
        self.exr_dir = self.cache / "exr"
        self.output = jobs.output_path(self.scene, output_folder(self.scene))
        self.frames = list(jobs.source_frames(self.scene))
        # One frame (Dream Zoom's start image): that file; a range: the folder, kept to the range.
        spec = self.exr_dir / EXR_NAME.format(self.frames[0]) if len(self.frames) == 1 else self.exr_dir
        try:
            self.job = jobs.build_job(self.scene, frames=str(spec), output=self.output,
                                      ocio_config=ocio_config_path())
        except jobs.JobError as err:
            raise StartError(str(err)) from None
        self.todo = self._frames_to_render()
        self._rendered = 0
        self._output_frames = list(jobs.output_frames(self.scene))
        self.preview_frame: int | None = None  # the Blender frame shown in 'dreamvideo preview'
        self._previewed = ""  # the engine's frame file the preview shows

    # ----- stepping

    def step(self) -> bool:
        """Advance a little; True once the run is over (done, failed or cancelled)."""
        if self.state == "render":
            self._render_next()
        elif self.state == "engine":
            self._poll_engine()
        return self.state in ("done", "failed", "cancelled")

    @property
    def waiting(self) -> bool:
        return self.state == "engine"

    def cancel(self) -> None:
        if self.state == "render":
            self._finish_render()
            self._end("cancelled", "dreamvideo: cancelled while rendering the passes")
        elif self.state == "engine" and self.engine is not None:
            self.engine.cancel()

    @property
    def fraction(self) -> float:
        share = RENDER_SHARE if self.todo else 0.0
        if self.state == "render":
            return share * self._rendered / max(1, len(self.todo))
        if self.state == "engine" and self.engine is not None:
            progress = self.engine.progress
            engine = {"render": 0.9 * progress.fraction, "encode": 0.9 + 0.1 * progress.fraction,
                      "done": 1.0}.get(progress.stage, 0.0)
            return share + (1.0 - share) * engine
        return 1.0

    @property
    def status(self) -> str:
        if self.state == "render":
            return f"dreamvideo: rendering passes {self._rendered}/{len(self.todo)} - Esc to cancel"
        if self.state == "engine" and self.engine is not None:
            status = self.engine.progress.status()
            if self.preview_frame is not None:
                status += f" | preview: frame {self.preview_frame}"
            return status
        return self.message

    # ----- stages

    def _frames_to_render(self) -> list[int]:
        """Frames without a usable cached EXR. The cache is dropped when what the EXRs depend on
        (size, render engine, passes) changed; other scene edits need Reuse Cached Render off."""
        self.exr_dir.mkdir(parents=True, exist_ok=True)
        stamp_path, stamp = self.exr_dir / "render.json", render_stamp(self.scene)
        reuse = self.scene.dreamvideo.reuse_render
        if stamp_path.is_file() and stamp_path.read_text() != stamp:
            reuse = False
        stamp_path.write_text(stamp)
        wanted = {EXR_NAME.format(frame) for frame in self.frames}
        for old in self.exr_dir.glob("*.exr"):
            # A range's source is the folder: it must hold exactly this range.
            if not reuse or (len(self.frames) > 1 and old.name not in wanted):
                old.unlink()
        return [f for f in self.frames if not (self.exr_dir / EXR_NAME.format(f)).is_file()]

    def _render_next(self) -> None:
        if self._rendered == 0 and self.todo:
            self._prepare_render()
        if self._rendered < len(self.todo):
            render_exr(self.scene, self.todo[self._rendered], self.exr_dir)
            self._rendered += 1
            if self._rendered < len(self.todo):
                return
        self._finish_render()
        self._start_engine()

    def _prepare_render(self) -> None:
        scene, over = self.scene, self._overrides
        if scene.render.use_motion_blur:
            self.warnings.append("motion blur is off for the dreamvideo render: Blender writes no "
                                 "Vector pass with it")
        over.set(scene.render, "use_motion_blur", False)
        over.set(scene.render, "use_compositing", False)
        over.set(scene.render, "use_sequencer", False)
        for layer in scene.view_layers:
            over.set(layer, "use_pass_combined", True)
            over.set(layer, "use_pass_vector", True)
            over.set(layer, "use_pass_z", True)
            if scene.dreamvideo.use_mask:
                over.set(layer, "use_pass_object_index", True)
        image = scene.render.image_settings
        over.set(image, "media_type", "MULTI_LAYER_IMAGE")
        over.set(image, "file_format", "OPEN_EXR_MULTILAYER")
        over.set(image, "color_depth", "32")
        over.set(image, "exr_codec", "ZIP")
        if scene.render.engine == "BLENDER_WORKBENCH":
            self.warnings.append("Workbench writes no Vector pass; use Cycles or EEVEE")

    def _finish_render(self) -> None:
        self._overrides.restore()
        if self.scene.frame_current != self._frame_before:
            self.scene.frame_set(self._frame_before)

    def _engine_command(self) -> list[str]:
        """``dreamvideo render`` of the job (written to the cache), or of the panel's preset
        with the job's values set on top."""
        job_path = self.cache / "job.json"
        preset = self.scene.dreamvideo.preset_path.strip()
        job_path.write_text(jobs.to_json(self.job), encoding="utf-8")
        if not preset:
            return engine_command(self._python, job_path)
        command = engine_command(self._python, bpy.path.abspath(preset))
        for item in jobs.preset_overrides(self.job):
            command += ["--set", item]
        return command

    def _start_engine(self) -> None:
        command = self._engine_command()
        try:
            self.engine = EngineProcess(command, cwd=str(self.cache), env=engine_environment())
        except OSError as err:
            self._end("failed", f"dreamvideo: cannot start {self._python}: {err.strerror or err}")
            return
        self.state = "engine"

    def _poll_engine(self) -> None:
        engine = self.engine
        engine.poll()
        self._update_preview()
        if engine.running:
            return
        engine.wait(timeout=10)
        engine.poll()  # the last records (the "done" one names the output)
        if engine.succeeded:
            self._end("done", self._engine_done())
        elif engine.cancelled:
            self._end("cancelled", f"dreamvideo: cancelled at frame {engine.progress.frame}/"
                                   f"{engine.progress.total}; run again to resume")
        else:
            self._end("failed", f"dreamvideo failed: {engine.error_line()}")

    def _engine_done(self) -> str:
        """Take the engine's result (the last preview, the Sequencer strip); the report line."""
        self._update_preview()
        if self.engine.progress.work:  # kept for the preview (--keep-work): no longer needed
            shutil.rmtree(self.engine.progress.work, ignore_errors=True)
        output = self.engine.progress.output or self.output
        text = f"dreamvideo: wrote {output}"
        if self.scene.dreamvideo.load_in_sequencer:
            strip_scene = load_into_sequencer(self.scene, output, self.frames[0])
            text += f" (Video Sequencer of scene '{strip_scene.name}')"
        return text

    def _update_preview(self) -> None:
        """Show the engine's newest finished frame (the file its last record names) in
        'dreamvideo preview', as the Blender frame of the clip frame it shows."""
        progress = self.engine.progress
        if not progress.file or progress.file == self._previewed:
            return
        path = Path(progress.file)
        if path.is_file():
            frame = self._output_frames[min(progress.clip_frame, len(self._output_frames) - 1)]
            preview.show(path, frame)
            self.preview_frame, self._previewed = frame, progress.file

    def fail(self, message: str) -> None:
        """Stop everything now (kill the engine, restore the scene) and record the failure."""
        if self.engine is not None and self.engine.running:
            self.engine.kill()
        self._finish_render()
        self._end("failed", message)

    def _end(self, state: str, message: str) -> None:
        self.state, self.message = state, message


# ----- the operator -------------------------------------------------------------------------------

class DREAMVIDEO_OT_render(JobOperator, bpy.types.Operator):
    """Render the frame range's passes, process them with the dreamvideo engine and load the result"""

    bl_idname = "dreamvideo.render"
    bl_label = "Render with dreamvideo"

    timer_s = TIMER_S
    esc_cancels = True
    window_progress = True

    @classmethod
    def poll(cls, context):
        return context.scene is not None

    def make_job(self, context) -> Run:
        return Run(context)


CLASSES = (DREAMVIDEO_OT_render,)
