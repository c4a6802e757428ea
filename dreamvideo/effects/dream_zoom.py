"""``effect: dream_zoom`` — infinite zoom: each frame is the previous one transformed, then dreamt.

Per frame: move the previous frame by the camera (``zoom.scale``, ``rotate``, ``pan``); on a
zoom out, fill the border that enters with a blurred continuation plus noise
(``zoom.border: dream``); remove a share of the magnified large-scale structure
(``zoom.flatten``) and re-inject fine noise (``zoom.detail``); dream (plus
``zoom.border_steps`` on the entering border); pull the colour statistics toward the opening
frame's (``zoom.colour_match``) and roll off toward 0 / 255 smoothly (``zoom.soft_range``).
The opening frame's statistics are read from its saved PNG, so resume stays exact.

Seamless loops (``output.loop``): the clip is rendered ``loop_frames`` (K) frames longer. Over
those K closing frames the dream is cross-faded, frame by frame, toward the *opening* frames
0..K-1 (weight (j+1)/K), using the opening frames' camera parameters, so that the last rendered
frame equals frame K-1 exactly. The output is frames K..N+K-1: its last frame is frame K-1, whose
natural successor — frame K — is the output's first frame. The seam is an ordinary transition.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..builders import dreamer_for
from ..config import Preset, value_at
from ..dream import DreamSettings, Dreamer
from ..videoio import to_uint8
from ..zoom import ZoomStep
from ..zoom import stationary as S
from .base import FrameContext

BORDER_MEMORY = 6  # frames over which a zoom out's entering border keeps its extra steps


class DreamZoom:
    def __init__(self, preset: Preset, dreamer: Dreamer):
        self.preset = preset
        self.dreamer = dreamer
        self.closing = preset.output.loop_frames if preset.output.loop else 0
        self.frames = None
        self._reference = None  # (colour stats, band energies) of saved frame 0 only

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
        settings = DreamSettings.from_config(dream, value_at(dream.step_size, phase), frame=phase)
        soft = zoom.soft_range > 0
        if soft:
            settings = replace(settings, clip_pixels=False)
        if ctx.previous is None:
            out = self.dreamer.dream(np.asarray(ctx.source, np.float32), settings.for_first_frame(dream), ctx.rng)
        else:
            out = self._next(ctx, phase, settings)
            out = S.match_colour(out, self.reference(ctx)[0], zoom.colour_match)
        out = S.soft_limit(out, zoom.soft_range) if soft else out
        if ctx.index >= frames:
            weight = (phase + 1) / self.closing
            out = (1 - weight) * out + weight * ctx.history(phase).astype(np.float32)
        return to_uint8(out)

    def _next(self, ctx: FrameContext, phase: int, settings: DreamSettings) -> np.ndarray:
        zoom = self.preset.zoom
        previous = np.asarray(ctx.previous, np.float32)
        height, width = previous.shape[:2]
        camera = ZoomStep.at(zoom, phase)
        moved = camera.apply(previous)
        new = self.entering(phase, (width, height))
        if zoom.border == "dream" and new.any():
            moved = S.fill_entering(moved, new, ctx.rng, rms=zoom.detail)
        moved = S.match_spectrum(moved, self.reference(ctx)[1], zoom.spectrum_match)
        moved = S.counter_scale_shift(moved, camera.scale, zoom.flatten, zoom.flatten_sigma)
        moved = S.add_detail(moved, ctx.rng, zoom.detail, camera.scale)
        blend = value_at(zoom.source_blend, phase)
        start = moved if blend <= 0 else (1 - blend) * moved + blend * np.asarray(ctx.source, np.float32)
        out = self.dreamer.dream(start, settings, ctx.rng)
        if zoom.border_steps and new.any():
            extra = self.dreamer.dream(out, replace(settings, steps=zoom.border_steps), ctx.rng)
            out = out + new[..., None] * (extra - out)
        return out

    def entering(self, phase: int, size: tuple[int, int]) -> np.ndarray:
        """How new each pixel is (1: entered this frame), from the last few camera steps."""
        steps = [ZoomStep.at(self.preset.zoom, phase - k).matrix(size)
                 for k in range(min(BORDER_MEMORY, max(phase, 1)))]
        return S.entering(steps, size)

    def reference(self, ctx: FrameContext) -> tuple[S.ColourStats, tuple[float, ...]]:
        """The opening frame's colour statistics and band energies (frame 0 as saved)."""
        if self._reference is None:
            opening = ctx.history(0).astype(np.float32)
            self._reference = S.ColourStats.of(opening), S.band_energy(opening)
        return self._reference


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
