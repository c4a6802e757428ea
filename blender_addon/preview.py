"""Live preview: each frame the engine finishes, shown in the Image datablock ``dreamvideo
preview`` (open it in an Image Editor), so a long render can be judged, and cancelled, early.

The engine's progress record of every finished frame names its file and the clip frame it shows
(``blender_addon.engine_process``); the add-on runs it with ``--keep-work`` so the last frame is
still there when the run ends, and removes the work folder the final record names afterwards.
"""

from __future__ import annotations

from pathlib import Path

import bpy
import numpy as np

PREVIEW_NAME = "dreamvideo preview"
FRAME_PROP = "dreamvideo_frame"  # custom property: the Blender frame the preview shows


def show(path: Path, frame: int):
    """Copy the PNG at ``path`` into the preview image (made or resized as needed); returns it."""
    loaded = bpy.data.images.load(str(path), check_existing=False)
    try:
        width, height = loaded.size
        pixels = np.empty(width * height * 4, np.float32)
        loaded.pixels.foreach_get(pixels)
    finally:
        bpy.data.images.remove(loaded)
    image = bpy.data.images.get(PREVIEW_NAME)
    if image is not None and tuple(image.size) != (width, height):
        bpy.data.images.remove(image)
        image = None
    if image is None:
        image = bpy.data.images.new(PREVIEW_NAME, width, height, alpha=False)
    image.pixels.foreach_set(pixels)
    image.update()
    image[FRAME_PROP] = frame
    return image
