"""Effect registry: ``effect:`` name -> factory ``build(preset, source, *, frame_size)``.

Modules are imported lazily so a run loads only what its effect needs.
"""

from __future__ import annotations

from importlib import import_module

from .base import Effect, FrameContext

EFFECT_MODULES = {
    "dream_zoom": "dreamvideo.effects.dream_zoom",
    "dream": "dreamvideo.effects.dream_video",
    "style": "dreamvideo.effects.style",
}


def build_effect(preset, source, *, frame_size: tuple[int, int]) -> Effect:
    return import_module(EFFECT_MODULES[preset.effect]).build(preset, source, frame_size=frame_size)


def render_plan(effect, frames: int) -> tuple[int, list[int]]:
    """How many frames to render and which of them, in order, make the output.

    Effects may render extra frames (a loop renders its closing frames after the clip and drops
    the opening ones); the default is one output frame per rendered frame.
    """
    plan = getattr(effect, "render_plan", None)
    return plan(frames) if plan else (frames, list(range(frames)))


__all__ = ["Effect", "FrameContext", "build_effect", "render_plan", "EFFECT_MODULES"]
