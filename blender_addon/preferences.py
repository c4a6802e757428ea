"""Add-on preferences: which Python runs the engine (Install Engine makes one), where renders are
cached; a Check button that says what the engine has (dreamvideo, TensorFlow, CPU/GPU)."""

import bpy
from bpy.props import StringProperty

from .engine_process import check_engine
from .install_op import draw_install
from .properties import DEFAULT_CACHE, addon_preferences


class DreamvideoPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__

    engine_python: StringProperty(
        name="Engine Python", subtype="FILE_PATH",
        description="Python interpreter with dreamvideo installed (Install Engine fills it in); "
                    "the engine runs there, in its own process")
    install_python: StringProperty(
        name="Python for Install", subtype="FILE_PATH",
        description="Python 3.10-3.12 that Install Engine makes the environment with (empty: "
                    "Blender's own, else one found on the PATH)")
    engine_folder: StringProperty(
        name="Engine Folder", subtype="DIR_PATH",
        description="Where Install Engine puts the environment (empty: the add-on's user folder); "
                    "it needs about 2 GB")
    cache_dir: StringProperty(
        name="Render Cache", subtype="DIR_PATH", default=DEFAULT_CACHE,
        description="Where the EXR frames and the job are kept (// = next to the .blend file)")

    def draw(self, context):
        layout = self.layout
        row = layout.row(align=True)
        row.prop(self, "engine_python")
        row.operator(DREAMVIDEO_OT_check_engine.bl_idname, text="Check", icon="CHECKMARK")
        box = layout.box()
        draw_install(box)
        box.prop(self, "install_python")
        box.prop(self, "engine_folder")
        layout.prop(self, "cache_dir")


class DREAMVIDEO_OT_check_engine(bpy.types.Operator):
    """Run the engine's Python and report its dreamvideo and TensorFlow versions and device, or
    the exact problem"""

    bl_idname = "dreamvideo.check_engine"
    bl_label = "Check Engine"
    bl_options = {"INTERNAL"}

    def execute(self, context):
        ok, message = check_engine(bpy.path.abspath(addon_preferences(context).engine_python))
        self.report({"INFO"} if ok else {"ERROR"}, message)
        return {"FINISHED"} if ok else {"CANCELLED"}


CLASSES = (DreamvideoPreferences, DREAMVIDEO_OT_check_engine)
