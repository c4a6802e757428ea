"""The add-on's settings: one PropertyGroup on the Scene, ``scene.dreamvideo``; the add-on
preferences (:mod:`.preferences`) are found with :func:`addon_preferences`.

The strengths (``style_weight``, ``dream_strength``, ``zoom_speed``) are animatable: keyframe
them like any Blender property; :mod:`.job` bakes their value at every frame into the job. Or a
sound file drives Dream Strength / Zoom Speed (``sound_*``): the engine follows the track.
"""

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty,
                       IntProperty, PointerProperty, StringProperty)

EFFECT_ITEMS = (
    ("STYLE", "Style", "Neural style transfer from the style image(s), temporally coherent"),
    ("DREAM", "Dream", "Deep dream on every frame, carried along Blender's motion vectors"),
    ("DREAM_ZOOM", "Dream Zoom", "Infinite dream zoom starting from the current frame"),
)
DEFAULT_CACHE = "//dreamvideo_cache"  # the preferences' Render Cache until one is chosen
OUTPUT_ITEMS = (
    ("MP4", "MP4 (H.264)", "One H.264 video file"),
    ("PNG", "PNG Sequence", "A folder of numbered PNG frames"),
    ("EXR", "OpenEXR Sequence", "A folder of float EXR frames in scene-linear light (the view "
                                "transform undone), for compositing"),
)


SOUND_ITEMS = (
    ("LOW", "Low", "The energy of 20-200 Hz: kick drum, bass"),
    ("MID", "Mid", "The energy of 200-2000 Hz: voice, snare, most instruments"),
    ("HIGH", "High", "The energy above 2 kHz: hats, cymbals, clicks"),
    ("FULL", "Full", "The energy of the whole track"),
    ("BEATS", "Beats", "A pulse on each beat (needs librosa in the engine: dreamvideo[audio])"),
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
    sound_file: StringProperty(
        name="Sound", subtype="FILE_PATH",
        description="A music track (WAV, MP3, FLAC, ...) whose level drives Dream Strength and/or "
                    "Zoom Speed; it starts at the scene's first frame. Empty = none")
    sound_follow: EnumProperty(name="Follow", items=SOUND_ITEMS, default="LOW",
                               description="What of the track the values follow")
    sound_release: FloatProperty(name="Release", default=0.2, min=0.0, soft_max=2.0, unit="TIME_ABSOLUTE",
                                 description="Seconds a value takes to fall back after a loud moment")
    sound_strength: BoolProperty(name="Drive Dream Strength", default=True,
                                 description="Dream Strength rises from its own value (silence) to "
                                             "Peak Strength (the track's loudest moment)")
    sound_strength_peak: FloatProperty(name="Peak Strength", default=3.0, min=0.0, soft_max=10.0,
                                       description="Dream Strength at the track's loudest moment")
    sound_zoom: BoolProperty(name="Drive Zoom Speed", default=False,
                             description="Zoom Speed rises from its own value (silence) to Peak "
                                         "Zoom Speed (the track's loudest moment)")
    sound_zoom_peak: FloatProperty(name="Peak Zoom Speed", default=0.05, soft_min=-0.2, soft_max=0.2,
                                   description="Zoom Speed at the track's loudest moment")
    sound_in_video: BoolProperty(name="Sound in Video", default=True,
                                 description="Put the track, trimmed to the clip, into the MP4")
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


def addon_preferences(context):
    """This add-on's preferences (:class:`.preferences.DreamvideoPreferences`)."""
    return context.preferences.addons[__package__].preferences


def attach() -> None:
    bpy.types.Scene.dreamvideo = PointerProperty(type=DreamvideoSettings)


def detach() -> None:
    del bpy.types.Scene.dreamvideo
