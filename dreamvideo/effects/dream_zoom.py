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

Cadence (``zoom.cadence`` N, :mod:`..plan.zoom`, :mod:`..zoom.cadence`): only every N-th frame is
dreamt — from the previous keyframe moved along the camera path of the N frames between, the
steady-keeping amounts compounded over them — and the frames between are the two keyframes
moved along the camera and cross-faded. Larger than its design size (``dream.design_width``,
:mod:`..zoom.refine`), a keyframe's structure is dreamt at the design size and its detail above it;
the opening frame's detail is grown over the keyframes a running zoom's detail has lived through
(:func:`..zoom.refine.grow`), and the keyframes refine in proportion to the camera's rate, so that
a detail gets the same number of steps over its lifetime at every speed
(:func:`..zoom.refine.refine_credit`).
"""


from __future__ import annotations

from functools import cached_property

import cv2
import numpy as np

from ..components.networks import dreamer_for
from ..config import Preset, value_at
from ..dreaming.dreamer import DreamSettings, Dreamer
from ..plan import FramePlan, ZoomPlan, zoom_plan
from ..videoio import to_uint8
from ..zoom import ZoomStep
from ..zoom import stationary as S
from ..zoom.cadence import camera_path, in_between
from ..zoom.refine import (Ladder, down, grow, growth_keyframes, growth_steps, refine, refine_credit,
                           steps_between)
from .base import FrameContext

BORDER_MEMORY = 6  # frames over which a zoom out's entering border keeps its extra steps
KEPT_FRAMES = 4  # saved frames kept in memory (cache only: resume reads them back)


class DreamZoom:
    """The zoom over the work frames of ``plan`` (which clip frame each one is, which are keyframes)."""

    def __init__(self, preset: Preset, dreamer: Dreamer, frame_size: tuple[int, int], plan: ZoomPlan):
        self.preset = preset
        self.dreamer = dreamer
        self.ladder = Ladder.of(frame_size, preset.dream.design_width)
        self.plan = plan
        self._reference = None  # (colour stats, band energies) of saved frame 0 only
        self._kept: dict[int, np.ndarray] = {}  # saved frames read lately, by work frame

    @property
    def pan_scale(self) -> float:
        """Output pixels per design pixel (pans are given in design pixels)."""
        return self.ladder.scale if self.ladder else 1.0

    def render(self, ctx: FrameContext) -> np.ndarray:
        plan = self.plan
        clip = plan.clip_frames[ctx.index]
        phase = plan.phase(clip)
        if clip == 0:
            out = self._opening(ctx)
        elif plan.is_key(clip):
            out = self._keyframe(ctx, clip)
        else:
            out = self._between(ctx, clip)
        if clip >= plan.frames:  # a loop's closing frame: fade into the opening frame of its phase
            weight = (phase + 1) / plan.closing
            out = (1 - weight) * out + weight * self._history(ctx, phase)
        return to_uint8(out)

    def _history(self, ctx: FrameContext, clip: int) -> np.ndarray:
        """Saved clip frame ``clip``, float32; the last few are kept (a keyframe is read by every
        frame that leads up to it and by the next keyframe; the saved file never changes)."""
        work = self.plan.work_index[clip]
        if work not in self._kept:
            self._kept[work] = ctx.history(work).astype(np.float32)
            while len(self._kept) > KEPT_FRAMES:
                self._kept.pop(next(iter(self._kept)))
        return self._kept[work]

    def _settings(self, phase: int) -> DreamSettings:
        dream = self.preset.dream
        settings = DreamSettings.from_config(dream, value_at(dream.step_size, phase), frame=phase)
        return settings.model_copy(update={"clip_pixels": False}) if self.preset.zoom.soft_range > 0 else settings

    def _finish(self, image: np.ndarray) -> np.ndarray:
        knee = self.preset.zoom.soft_range
        return S.soft_limit(image, knee) if knee > 0 else image

    def _opening(self, ctx: FrameContext) -> np.ndarray:
        first = self._settings(0).for_first_frame()
        source = np.asarray(ctx.source, np.float32)
        if self.ladder is None:
            return self._finish(self.dreamer.dream(source, first, ctx.rng))
        structure = self._finish(self.dreamer.dream(down(source, self.ladder.design), first, ctx.rng))
        zoom = self.preset.zoom  # the preset's cadence, not a short clip's: frame 0 is kept when the clip grows
        moves = range(1, zoom.cadence + 1)  # the first keyframe's camera, repeated back in time
        scale = float(np.exp(np.mean([np.log(ZoomStep.at(zoom, phase).scale) for phase in moves])))
        keyframes = growth_keyframes(scale, zoom.cadence)
        steps = growth_steps(self.preset.dream.refine_steps, scale, keyframes, zoom.cadence)
        return grow(self.dreamer, source, structure, self.ladder, self._grown_settings(keyframes), ctx.rng, steps,
                    camera=camera_path(zoom, moves, self.ladder.full, self.pan_scale),
                    design_camera=camera_path(zoom, moves, self.ladder.design), finish=self._finish)

    def _grown_settings(self, keyframes: int) -> DreamSettings:
        """The settings the opening's detail is grown with: a running zoom's past, so the first
        keyframe's, not the opening dream's (often a stronger step: 2.7x preview's overshot), at
        the step size the running zoom has on average over the ``keyframes`` the grown detail
        stands for (an audio-driven step's first frame is one instant of the track: music_video's
        1.2 against 2.0 after, and its detail filled in over 30 frames)."""
        cadence = self.preset.zoom.cadence
        phases = range(cadence, (keyframes + 1) * cadence, cadence)
        step = float(np.mean([value_at(self.preset.dream.step_size, phase) for phase in phases]))
        return self._settings(cadence).model_copy(update={"step_size": step})

    def _keyframe(self, ctx: FrameContext, clip: int) -> np.ndarray:
        plan = self.plan
        earlier = clip - 1 - (clip - 1) % plan.cadence
        phases = [plan.phase(c) for c in range(earlier + 1, clip + 1)]
        previous = self._history(ctx, earlier)
        settings = self._settings(phases[-1])
        if self.ladder is None:
            return self._finish(self._dream_on(previous, phases, settings, ctx))
        structure = self._finish(self._dream_on(down(previous, self.ladder.design), phases, settings, ctx))
        moved = warp(previous, camera_path(self.preset.zoom, phases, self.ladder.full, self.pan_scale))
        return self._full_size(moved, structure, settings, ctx.rng, steps_between(self._credit, earlier, clip))

    def _full_size(self, start, structure, settings, rng, steps: int) -> np.ndarray:
        return self._finish(refine(self.dreamer, start, structure, self.ladder, settings, rng, steps))

    @cached_property
    def _credit(self) -> np.ndarray:
        """Refinement steps earned up to each clip frame (:func:`..zoom.refine.refine_credit`)."""
        zoom = self.preset.zoom
        scales = [ZoomStep.at(zoom, self.plan.phase(clip)).scale for clip in range(self.plan.total)]
        return refine_credit(self.preset.dream.refine_steps, scales, self.plan.cadence)

    def _between(self, ctx: FrameContext, clip: int) -> np.ndarray:
        plan = self.plan
        earlier, later = plan.keys_around(clip)
        return in_between(self._history(ctx, earlier), self._history(ctx, later), zoom=self.preset.zoom,
                          before=[plan.phase(c) for c in range(earlier + 1, clip + 1)],
                          after=[plan.phase(c) for c in range(clip + 1, later + 1)],
                          pan_scale=self.pan_scale)

    def _dream_on(self, previous: np.ndarray, phases: list[int], settings: DreamSettings,
                  ctx: FrameContext) -> np.ndarray:
        """The next dreamt frame at ``previous``'s size: moved by the camera steps ``phases``,
        kept steady (amounts compounded over the steps), dreamt, colours pulled to the opening's."""
        zoom, steps = self.preset.zoom, len(phases)
        height, width = previous.shape[:2]
        moved = warp(previous, camera_path(zoom, phases, (width, height)))
        new = self.entering(phases[-1], (width, height))
        if zoom.border == "dream" and new.any():
            moved = S.fill_entering(moved, new, ctx.rng, rms=zoom.detail)
        colours, energies = self.reference(ctx)
        moved = S.match_spectrum(moved, energies, compound(zoom.spectrum_match, steps))
        scale = float(np.prod([ZoomStep.at(zoom, phase).scale for phase in phases]))
        moved = S.counter_scale_shift(moved, scale, zoom.flatten, zoom.flatten_sigma)
        moved = S.add_detail(moved, ctx.rng, zoom.detail / np.sqrt(steps), scale)  # N frames' noise: sqrt(N)x one's
        blend = value_at(zoom.source_blend, phases[-1])
        if blend > 0:
            source = np.asarray(ctx.source, np.float32)
            moved = (1 - blend) * moved + blend * (down(source, (width, height)) if self.ladder else source)
        out = self.dreamer.dream(moved, settings.model_copy(update={"steps": keyframe_steps(settings.steps, steps)}),
                                 ctx.rng)
        if zoom.border_steps and new.any():
            extra = self.dreamer.dream(out, settings.model_copy(update={"steps": zoom.border_steps}), ctx.rng)
            out = out + new[..., None] * (extra - out)
        return S.match_colour(out, colours, compound(zoom.colour_match, steps))

    def entering(self, phase: int, size: tuple[int, int]) -> np.ndarray:
        """How new each pixel is (1: entered with this keyframe), from the last few camera moves
        between keyframes."""
        cadence = self.plan.cadence
        memory = max(1, BORDER_MEMORY // cadence)
        moves = []
        for k in range(min(memory, max(-(-phase // cadence), 1))):
            newest = phase - k * cadence
            moves.append(camera_path(self.preset.zoom, range(newest - cadence + 1, newest + 1), size)[:2])
        return S.entering(moves, size)

    def reference(self, ctx: FrameContext) -> tuple[S.ColourStats, tuple[float, ...]]:
        """The opening frame's colour statistics and band energies (frame 0 as saved, seen at the
        design size)."""
        if self._reference is None:
            opening = ctx.history(0).astype(np.float32)
            if self.ladder is not None:
                opening = down(opening, self.ladder.design)
            self._reference = S.ColourStats.of(opening), S.band_energy(opening)
        return self._reference


def keyframe_steps(steps: int, frames: int) -> int:
    """Dream steps of a keyframe ``frames`` camera steps after the last one: sqrt(N) times the
    preset's (at 320 px, cadence 4 with the preset's steps grows streaks — anisotropy 0.44 after
    300 frames — and with twice as many looks like cadence 1: 0.12 against 0.32;
    docs/design/size.md)."""
    return steps if frames == 1 else round(steps * np.sqrt(frames))


def compound(amount: float, steps: int) -> float:
    """A per-frame share applied once for ``steps`` frames: 1 - (1 - amount) ** steps."""
    return amount if steps == 1 else 1.0 - (1.0 - amount) ** steps


def warp(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Move an image by a 3x3 camera matrix, as :meth:`ZoomStep.apply` does one step."""
    height, width = image.shape[:2]
    return cv2.warpAffine(image, matrix[:2], (width, height), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REFLECT_101)


def build(preset: Preset, source, *, frame_size, plan: FramePlan) -> DreamZoom:
    return DreamZoom(preset, dreamer_for(preset), frame_size, zoom_plan(preset, plan.frames))


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
