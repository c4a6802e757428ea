"""Effect registry: ``effect:`` name -> factory ``build(preset, source, *, frame_size, plan)``.

What an effect renders (how many work frames, which clip frame each one is, the output order) is
not asked of the effect: it is the job's :class:`~dreamvideo.plan.FramePlan`, declared from the
preset alone. The factory receives it (None: frames streamed one by one, one work frame each).
Modules are imported lazily so a run loads only what its effect needs.
"""

from __future__ import annotations

from importlib import import_module

from ..plan import FramePlan
from .base import Effect, FrameContext

EFFECT_MODULES = {
    "dream_zoom": "dreamvideo.effects.dream_zoom",
    "dream": "dreamvideo.effects.dream_video",
    "style": "dreamvideo.effects.style",
}


def build_effect(preset, source, plan: FramePlan | None) -> Effect:
    """``preset``'s effect over ``source``'s frames (at the source's size), following ``plan``."""
    return import_module(EFFECT_MODULES[preset.effect]).build(preset, source, frame_size=source.size, plan=plan)


__all__ = ["Effect", "FrameContext", "build_effect", "EFFECT_MODULES"]
