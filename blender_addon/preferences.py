"""Add-on preferences: which Python runs the engine, where renders are cached; a Check button."""

import bpy
from bpy.props import StringProperty

from .engine_process import check_engine

DEFAULT_CACHE = "//dreamvideo_cache"


class DreamvideoPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    engine_python: StringProperty(
        name="Engine Python", subtype="FILE_PATH",
        description="Python interpreter with dreamvideo installed (e.g. venv/bin/python); the "
                    "engine runs there, in its own process")
    cache_dir: StringProperty(
        name="Render Cache", subtype="DIR_PATH", default=DEFAULT_CACHE,
        description="Where the EXR frames and the job are kept (// = next to the .blend file)")

    def draw(self, context):
        layout = self.layout
        row = layout.row(align=True)
        row.prop(self, "engine_python")
        row.operator(DREAMVIDEO_OT_check_engine.bl_idname, text="Check", icon="CHECKMARK")
        layout.prop(self, "cache_dir")


class DREAMVIDEO_OT_check_engine(bpy.types.Operator):
    """Run the engine's Python and report the dreamvideo version, or the exact problem"""

    bl_idname = "dreamvideo.check_engine"
    bl_label = "Check Engine"
    bl_options = {"INTERNAL"}

    def execute(self, context):
        ok, message = check_engine(bpy.path.abspath(get(context).engine_python))
        self.report({"INFO"} if ok else {"ERROR"}, message)
        return {"FINISHED"} if ok else {"CANCELLED"}


def get(context) -> DreamvideoPreferences:
    """This add-on's preferences."""
    return context.preferences.addons[__package__].preferences


CLASSES = (DreamvideoPreferences, DREAMVIDEO_OT_check_engine)
