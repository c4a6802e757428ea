"""dreamvideo: deep-dream and neural-style animations from images, videos and Blender renders.

The Python API (``docs/api.md``)::

    import dreamvideo
    path = dreamvideo.render("presets/quickstart.yaml", overrides={"output.frames": 12})
    picture = dreamvideo.dream_image("photo.jpg", steps=20, octaves=4)

Importing is light: TensorFlow loads on the first call that needs the network.
"""

from .api import (dream_frames, dream_image, load_preset, process_frames, render, stylize_frames,
                  stylize_image)
from .errors import InputError, Interrupted, OutputExistsError, PresetError, UserError

__version__ = "0.1.0"

__all__ = ["InputError", "Interrupted", "OutputExistsError", "Preset", "PresetError", "UserError",
           "__version__", "dream_frames", "dream_image", "load_preset", "process_frames", "render",
           "stylize_frames", "stylize_image"]


def __getattr__(name: str):
    """``dreamvideo.Preset`` (the validated preset type) without importing the configuration
    (OpenCV, pydantic) at ``import dreamvideo``."""
    if name == "Preset":
        from .config import Preset

        return Preset
    raise AttributeError(f"module 'dreamvideo' has no attribute {name!r}")
