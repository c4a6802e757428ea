"""dreamvideo: deep-dream and neural-style animations from images, videos and Blender renders."""

__version__ = "0.1.0"
