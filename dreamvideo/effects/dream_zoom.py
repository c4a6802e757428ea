"""``effect: dream_zoom`` — infinite zoom: each frame is the previous one transformed, then dreamt.

Seamless loops (``output.loop``): the clip is rendered ``loop_frames`` (K) frames longer. Over
those K closing frames the dream is cross-faded, frame by frame, toward the *opening* frames
0..K-1 (weight (j+1)/K), using the opening frames' camera parameters, so that the last rendered
frame equals frame K-1 exactly. The output is frames K..N+K-1: its last frame is frame K-1, whose
natural successor — frame K — is the output's first frame. The seam is an ordinary transition.
"""

from __future__ import annotations

import numpy as np

from ..builders import dreamer_for
from ..config import Preset, value_at
from ..dream import DreamSettings, Dreamer
from ..videoio import to_uint8
from ..zoom import ZoomStep
from .base import FrameContext


class DreamZoom:
    def __init__(self, preset: Preset, dreamer: Dreamer):
        self.preset = preset
        self.dreamer = dreamer
        self.closing = preset.output.loop_frames if preset.output.loop else 0
        self.frames = None

    def render_plan(self, frames: int) -> tuple[int, list[int]]:
        self.frames = frames
        if not self.closing:
            return frames, list(range(frames))
        closing = min(self.closing, frames - 1)
        self.closing = closing
        return frames + closing, list(range(closing, frames + closing))

    def render(self, ctx: FrameContext) -> np.ndarray:
        frames = self.frames or ctx.total
        phase = ctx.index - frames if ctx.index >= frames else ctx.index
        zoom, dream = self.preset.zoom, self.preset.dream
        start = np.asarray(ctx.source, np.float32)
        if ctx.previous is not None:
            moved = ZoomStep.at(zoom, phase).apply(np.asarray(ctx.previous, np.float32))
            blend = value_at(zoom.source_blend, phase)
            start = moved if blend <= 0 else (1 - blend) * moved + blend * start
        settings = DreamSettings.from_config(dream, value_at(dream.step_size, phase))
        if ctx.previous is None:
            settings = settings.for_first_frame(dream)
        out = self.dreamer.dream(start, settings, ctx.rng)
        if ctx.index >= frames:
            weight = (phase + 1) / self.closing
            out = (1 - weight) * out + weight * ctx.history(phase).astype(np.float32)
        return to_uint8(out)


def build(preset: Preset, source, *, frame_size) -> DreamZoom:
    return DreamZoom(preset, dreamer_for(preset))


def transition_errors(frames: list[np.ndarray], zoom, *, closing: bool) -> tuple[np.ndarray, float]:
    """Mean absolute difference between each frame moved one camera step and its successor, and
    the same across the seam (last frame -> first), in 0-255 levels. ``closing=True`` treats
    ``frames`` as a loop. The loop is seamless when the seam is no larger than a typical step."""
    def step_error(index_from, frame_from, frame_to):
        moved = ZoomStep.at(zoom, index_from).apply(frame_from.astype(np.float32))
        return float(np.mean(np.abs(moved - frame_to.astype(np.float32))))

    steps = np.array([step_error(i, a, b) for i, (a, b) in enumerate(zip(frames, frames[1:]))])
    seam = step_error(len(frames) - 1, frames[-1], frames[0]) if closing else float("nan")
    return steps, seam
