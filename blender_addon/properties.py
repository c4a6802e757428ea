"""The add-on's settings: one PropertyGroup on the Scene, ``scene.dreamvideo``.

The strengths (``style_weight``, ``dream_strength``, ``zoom_speed``) are animatable: keyframe
them like any Blender property; :mod:`.job` bakes their value at every frame into the job.
"""

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty,
                       IntProperty, PointerProperty, StringProperty)

EFFECT_ITEMS = (
    ("STYLE", "Style", "Neural style transfer from the style image(s), temporally coherent"),
    ("DREAM", "Dream", "Deep dream on every frame, carried along Blender's motion vectors"),
    ("DREAM_ZOOM", "Dream Zoom", "Infinite dream zoom starting from the current frame"),
)
OUTPUT_ITEMS = (
    ("MP4", "MP4 (H.264)", "One H.264 video file"),
    ("PNG", "PNG Sequence", "A folder of numbered PNG frames"),
    ("EXR", "OpenEXR Sequence", "A folder of float EXR frames in scene-linear light (the view "
                                "transform undone), for compositing"),
)


class DreamvideoStyleImage(bpy.types.PropertyGroup):
    path: StringProperty(name="Image", subtype="FILE_PATH", description="Style image")
    weight: FloatProperty(name="Weight", default=1.0, min=0.0, soft_max=10.0,
                          description="Share of this image in the style mix")


class DreamvideoSettings(bpy.types.PropertyGroup):
    effect: EnumProperty(name="Effect", items=EFFECT_ITEMS, default="STYLE")
    preset_path: StringProperty(
        name="Preset", subtype="FILE_PATH",
        description="Optional dreamvideo preset (YAML) for settings not shown here; the panel's "
                    "values replace the preset's")
    style_images: CollectionProperty(type=DreamvideoStyleImage)
    style_network: StringProperty(
        name="Style Network", subtype="FILE_PATH",
        description="A style network made by `dreamvideo train-style` (.keras): one fast pass per "
                    "frame instead of optimising each frame; empty = optimise")
    train_steps: IntProperty(name="Steps", default=2000, min=1, soft_max=5000,
                             description="Training steps of Train Style Network (a step is one "
                                         "crop of a frame pair; a few seconds each on a CPU)")
    train_size: IntProperty(name="Crop Size", default=256, min=32, soft_max=512, subtype="PIXEL",
                            description="Side of the square crops the network is trained on")
    style_weight: FloatProperty(name="Style Weight", default=1000.0, min=0.0, soft_max=100000.0,
                                description="How strongly the style is imposed (animatable)")
    dream_strength: FloatProperty(name="Dream Strength", default=1.5, min=0.0, soft_max=5.0,
                                  description="Gradient step size of the dream (animatable)")
    dream_steps: IntProperty(name="Steps", default=10, min=0, soft_max=100,
                             description="Gradient steps per frame")
    zoom_speed: FloatProperty(name="Zoom Speed", default=0.02, soft_min=-0.2, soft_max=0.2,
                              description="Zoom per frame: 0.02 = 2% closer each frame (animatable)")
    use_mask: BoolProperty(name="Mask", default=False,
                           description="Apply the effect only to objects with these pass indices")
    mask_indices: StringProperty(
        name="Pass Indices", default="1",
        description="Object pass indices, comma separated (Object Properties > Relations > "
                    "Pass Index)")
    mask_feather: FloatProperty(name="Feather", default=2.0, min=0.0, soft_max=32.0,
                                subtype="PIXEL", description="Soft edge width of the mask")
    output_format: EnumProperty(name="Format", items=OUTPUT_ITEMS, default="MP4")
    output_name: StringProperty(name="Name", default="dreamvideo",
                                description="File or folder name in the scene's output folder")
    reuse_render: BoolProperty(name="Reuse Cached Render", default=True,
                               description="Skip rendering frames whose EXR is already in the "
                                           "cache folder")
    load_in_sequencer: BoolProperty(name="Load in Sequencer", default=True,
                                    description="Add the result to the Video Sequencer as a strip")


CLASSES = (DreamvideoStyleImage, DreamvideoSettings)


def attach() -> None:
    bpy.types.Scene.dreamvideo = PointerProperty(type=DreamvideoSettings)


def detach() -> None:
    del bpy.types.Scene.dreamvideo
