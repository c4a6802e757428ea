"""The dreamvideo panel in Output Properties (with Train Style Network's box), and the two buttons
that edit the style image list."""

import bpy
from bpy.props import IntProperty

from .render_op import DREAMVIDEO_OT_render
from .train_op import draw_train


class DREAMVIDEO_PT_main(bpy.types.Panel):
    bl_label = "dreamvideo"
    bl_idname = "DREAMVIDEO_PT_main"
    bl_space_type = "PROPERTIES"
    bl_region_type = "WINDOW"
    bl_context = "output"

    def draw(self, context):
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = True  # the keyframe dots of animatable properties
        settings = context.scene.dreamvideo
        layout.prop(settings, "effect")
        layout.prop(settings, "preset_path")

        if settings.effect == "STYLE":
            self._style_images(layout, settings)
            layout.prop(settings, "style_network")
            draw_train(layout, settings)
            layout.prop(settings, "style_weight")
        else:
            layout.prop(settings, "dream_strength")
            layout.prop(settings, "dream_steps")
            if settings.effect == "DREAM_ZOOM":
                layout.prop(settings, "zoom_speed")
            self._sound(layout, settings)

        layout.prop(settings, "use_mask")
        sub = layout.column()
        sub.active = settings.use_mask
        sub.prop(settings, "mask_indices")
        sub.prop(settings, "mask_feather")

        layout.separator()
        layout.prop(settings, "output_format")
        layout.prop(settings, "output_name")
        layout.prop(settings, "reuse_render")
        layout.prop(settings, "load_in_sequencer")
        layout.operator(DREAMVIDEO_OT_render.bl_idname, icon="RENDER_ANIMATION")

    @staticmethod
    def _sound(layout, settings):
        box = layout.box()
        box.prop(settings, "sound_file")
        sub = box.column()
        sub.active = bool(settings.sound_file.strip())
        sub.prop(settings, "sound_follow")
        sub.prop(settings, "sound_release")
        sub.prop(settings, "sound_strength")
        sub.prop(settings, "sound_strength_peak")
        if settings.effect == "DREAM_ZOOM":
            sub.prop(settings, "sound_zoom")
            sub.prop(settings, "sound_zoom_peak")
        sub.prop(settings, "sound_in_video")

    @staticmethod
    def _style_images(layout, settings):
        box = layout.box()
        box.label(text="Style Images")
        for index, item in enumerate(settings.style_images):
            row = box.row(align=True)
            row.prop(item, "path", text="")
            row.prop(item, "weight", text="")
            row.operator(DREAMVIDEO_OT_style_image_remove.bl_idname, text="", icon="X").index = index
        box.operator(DREAMVIDEO_OT_style_image_add.bl_idname, icon="ADD")


class DREAMVIDEO_OT_style_image_add(bpy.types.Operator):
    """Add a style image"""

    bl_idname = "dreamvideo.style_image_add"
    bl_label = "Add Style Image"
    bl_options = {"REGISTER", "UNDO", "INTERNAL"}

    def execute(self, context):
        context.scene.dreamvideo.style_images.add()
        return {"FINISHED"}


class DREAMVIDEO_OT_style_image_remove(bpy.types.Operator):
    """Remove this style image"""

    bl_idname = "dreamvideo.style_image_remove"
    bl_label = "Remove Style Image"
    bl_options = {"REGISTER", "UNDO", "INTERNAL"}

    index: IntProperty()

    def execute(self, context):
        images = context.scene.dreamvideo.style_images
        if 0 <= self.index < len(images):
            images.remove(self.index)
        return {"FINISHED"}


CLASSES = (DREAMVIDEO_OT_style_image_add, DREAMVIDEO_OT_style_image_remove, DREAMVIDEO_PT_main)
