"""Blender renders as a source: EXR passes (colour, Vector, Depth) shown as Blender showed them,
with the Vector pass as exact optical flow."""
