"""Install Engine, its Cancel and Open Log buttons (thin: the work is in :mod:`.installer`).

The venv goes to the add-on's user folder (``bpy.utils.extension_path_user``, never inside the
add-on, which Blender replaces on update) or to the preferences' Engine Folder. ``invoke`` runs
the install in the background (a timer steps it, :mod:`.background`; the preferences show its
progress and a Cancel button); ``execute`` (scripts, tests) runs it to the end, blocking.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import bpy

from . import installer
from .background import CancelJob, JobOperator, StartError, draw_progress
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


class DREAMVIDEO_OT_install_engine(JobOperator, bpy.types.Operator):
    """Make a Python environment with the dreamvideo engine (TensorFlow) in the add-on's user
    folder and use it; downloads about 600 MB"""

    bl_idname = "dreamvideo.install_engine"
    bl_label = "Install Engine"
    bl_options = {"INTERNAL"}

    timer_s = TIMER_S
    failure = "Install Engine failed"
    closed = "Install Engine stopped because Blender closed the operator"
    last_log = ""  # the log of the last install, for Open Log

    @classmethod
    def poll(cls, context):
        return cls.active is None

    def make_job(self, context) -> installer.EngineInstall:
        prefs = addon_preferences(context)
        log = log_path()
        type(self).last_log = str(log)
        try:
            return installer.EngineInstall.start(
                python=bpy.path.abspath(prefs.install_python), folder=engine_folder(prefs),
                wheel=installer.bundled_wheel(Path(__file__).parent), log_path=log)
        except (installer.InstallError, OSError) as err:
            message = f"Install Engine failed: {err} (log: {log})"
            _write_log(log, message)
            raise StartError(message) from None

    def job_done(self, context, job: installer.EngineInstall) -> None:
        addon_preferences(context).engine_python = job.engine_python


class DREAMVIDEO_OT_install_cancel(CancelJob, bpy.types.Operator):
    """Stop installing the engine"""

    bl_idname = "dreamvideo.install_cancel"
    bl_label = "Cancel Install"
    bl_options = {"INTERNAL"}
    job_operator = DREAMVIDEO_OT_install_engine


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
    if job is None:
        row = layout.row(align=True)
        row.operator(DREAMVIDEO_OT_install_engine.bl_idname, icon="IMPORT")
    else:
        row = draw_progress(layout, job, DREAMVIDEO_OT_install_cancel.bl_idname)
        layout.label(text=job.status)
    row.operator(DREAMVIDEO_OT_open_install_log.bl_idname, text="", icon="TEXT")


def _write_log(log: Path, message: str) -> None:
    try:
        log.write_text(message + "\n", encoding="utf-8")
    except OSError:
        pass


CLASSES = (DREAMVIDEO_OT_install_engine, DREAMVIDEO_OT_install_cancel,
           DREAMVIDEO_OT_open_install_log)
