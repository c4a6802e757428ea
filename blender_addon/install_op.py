"""Install Engine, its Cancel and Open Log buttons (thin: the work is in :mod:`.installer`).

The venv goes to the add-on's user folder (``bpy.utils.extension_path_user``, never inside the
add-on, which Blender replaces on update) or to the preferences' Engine Folder. ``invoke`` runs
the install in the background (a timer polls it; the preferences show its progress and a Cancel
button); ``execute`` (scripts, tests) runs it to the end, blocking.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import bpy

from . import installer
from .properties import addon_preferences

TIMER_S = 0.5
LOG_NAME = "install_engine.log"


def user_folder() -> Path:
    """The add-on's own folder for user data (made if needed)."""
    try:
        return Path(bpy.utils.extension_path_user(__package__, create=True))
    except (ValueError, AttributeError):  # a legacy add-on install, or Blender < 4.2
        return Path(bpy.utils.user_resource("DATAFILES", path="dreamvideo", create=True))


def engine_folder(prefs) -> Path:
    chosen = prefs.engine_folder.strip()
    return Path(bpy.path.abspath(chosen)) if chosen else user_folder() / "engine"


def log_path() -> Path:
    """``install_engine.log`` in the user folder; the temp folder if that is not writable."""
    try:
        return installer.writable_folder(user_folder()) / LOG_NAME
    except (installer.InstallError, OSError):
        return Path(tempfile.gettempdir()) / f"dreamvideo_{LOG_NAME}"


class DREAMVIDEO_OT_install_engine(bpy.types.Operator):
    """Make a Python environment with the dreamvideo engine (TensorFlow) in the add-on's user
    folder and use it; downloads about 600 MB"""

    bl_idname = "dreamvideo.install_engine"
    bl_label = "Install Engine"
    bl_options = {"INTERNAL"}

    active = None  # the running EngineInstall (one at a time), for Cancel and the preferences
    last_log = ""  # the log of the last install, for Open Log

    @classmethod
    def poll(cls, context):
        return cls.active is None

    def execute(self, context):
        job = self._start(context)
        if job is None:
            return {"CANCELLED"}
        while not job.poll():
            time.sleep(0.2)
        return self._end(context, job)

    def invoke(self, context, event):
        job = self._start(context)
        if job is None:
            return {"CANCELLED"}
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_S, window=context.window)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        job = type(self).active
        finished = job is None or job.poll()
        _redraw(context)
        if not finished:
            return {"RUNNING_MODAL"}
        context.window_manager.event_timer_remove(self._timer)
        return self._end(context, job)

    def cancel(self, context):  # Blender closes the operator (quitting, new file)
        type(self).cancel_active()

    @classmethod
    def cancel_active(cls) -> None:
        if cls.active is not None:
            cls.active.cancel()
            cls.active = None

    def _start(self, context):
        prefs = addon_preferences(context)
        log = log_path()
        type(self).last_log = str(log)
        try:
            job = installer.EngineInstall.start(
                python=bpy.path.abspath(prefs.install_python), folder=engine_folder(prefs),
                wheel=installer.bundled_wheel(Path(__file__).parent), log_path=log)
        except (installer.InstallError, OSError) as err:
            message = f"Install Engine failed: {err} (log: {log})"
            _write_log(log, message)
            self.report({"ERROR"}, message)
            return None
        type(self).active = job
        return job

    def _end(self, context, job):
        type(self).active = None
        _redraw(context)
        if job.state == "done":
            addon_preferences(context).engine_python = job.engine_python
            self.report({"INFO"}, job.message)
            return {"FINISHED"}
        self.report({"ERROR"} if job.state == "failed" else {"WARNING"}, job.message)
        return {"CANCELLED"}


class DREAMVIDEO_OT_install_cancel(bpy.types.Operator):
    """Stop installing the engine"""

    bl_idname = "dreamvideo.install_cancel"
    bl_label = "Cancel Install"
    bl_options = {"INTERNAL"}

    def execute(self, context):
        job = DREAMVIDEO_OT_install_engine.active
        if job is not None:
            job.cancel()
        return {"FINISHED"}


class DREAMVIDEO_OT_open_install_log(bpy.types.Operator):
    """Open the log of the last Install Engine"""

    bl_idname = "dreamvideo.open_install_log"
    bl_label = "Open Log"
    bl_options = {"INTERNAL"}

    def execute(self, context):
        log = DREAMVIDEO_OT_install_engine.last_log or str(log_path())
        if not Path(log).is_file():
            self.report({"WARNING"}, f"no install log yet ({log})")
            return {"CANCELLED"}
        bpy.ops.wm.path_open(filepath=log)
        return {"FINISHED"}


def draw_install(layout) -> None:
    """The Install Engine row of the preferences: the button, or the progress and Cancel."""
    job = DREAMVIDEO_OT_install_engine.active
    row = layout.row(align=True)
    if job is None:
        row.operator(DREAMVIDEO_OT_install_engine.bl_idname, icon="IMPORT")
    else:
        if hasattr(row, "progress"):  # Blender 4.0+
            row.progress(factor=job.fraction, type="BAR", text=f"{job.fraction:.0%}")
        row.operator(DREAMVIDEO_OT_install_cancel.bl_idname, text="", icon="CANCEL")
        layout.label(text=job.status)
    row.operator(DREAMVIDEO_OT_open_install_log.bl_idname, text="", icon="TEXT")


def _redraw(context) -> None:
    for window in context.window_manager.windows:
        for area in window.screen.areas:
            area.tag_redraw()


def _write_log(log: Path, message: str) -> None:
    try:
        log.write_text(message + "\n", encoding="utf-8")
    except OSError:
        pass


CLASSES = (DREAMVIDEO_OT_install_engine, DREAMVIDEO_OT_install_cancel,
           DREAMVIDEO_OT_open_install_log)
