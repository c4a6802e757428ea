"""dreamvideo for Blender: render the animation's passes, stylise or dream them with the
dreamvideo engine (its own Python process, with TensorFlow), get the result back in the Video
Sequencer. Blender 4.2+ extension (blender_manifest.toml) that also installs as a legacy add-on.
"""

import bpy

from . import install_op, panel, preferences, properties, render_op, train_op

bl_info = {  # legacy add-on installs only; extensions read blender_manifest.toml
    "name": "dreamvideo",
    "author": "dreamvideo contributors",
    "version": (0, 1, 0),
    "blender": (4, 2, 0),
    "location": "Properties > Output > dreamvideo",
    "description": "Neural style and deep dream animations from your renders, using Blender's "
                   "motion vectors",
    "category": "Render",
}

CLASSES = (
    *properties.CLASSES,
    *preferences.CLASSES,
    *install_op.CLASSES,
    *render_op.CLASSES,
    *train_op.CLASSES,
    *panel.CLASSES,
)


def register():
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    properties.attach()


def unregister():
    install_op.DREAMVIDEO_OT_install_engine.stop_active()
    train_op.DREAMVIDEO_OT_train_network.stop_active()
    properties.detach()
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
