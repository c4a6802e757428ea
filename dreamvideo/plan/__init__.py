"""What a job renders, declared before anything runs: the frame plan (pure: no TensorFlow, no
OpenCV; computed from the preset and the clip's frame count).

Work frames need not be clip frames. A loop renders closing frames after the clip and drops the
opening ones; a cadenced zoom renders each keyframe before the frames leading up to it
(:mod:`.zoom`); multi-pass style renders the clip once per pass (:mod:`.passes`). A
:class:`FramePlan` says, for every effect, how many work frames there are, which clip frame each
one shows (whose source frame and mask it gets), which of them make the output in playing order,
and what each one is (the work folder's ``plan.json``). The job makes it once when it opens; the
engine, the farm and the progress records read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Preset
from . import passes as multipass
from .zoom import ZoomPlan


@dataclass(frozen=True)
class FramePlan:
    frames: int  # clip frames
    clip_frames: tuple[int, ...]  # the clip frame each work frame shows, in render order
    output: tuple[int, ...]  # the work frames of the output, in playing order
    records: tuple[dict, ...] | None = None  # what each work frame is (``plan.json``), if more than that

    @classmethod
    def identity(cls, frames: int) -> FramePlan:
        """One work frame per clip frame, in order (``dream``, a single style pass, a network)."""
        return cls(frames, tuple(range(frames)), tuple(range(frames)))

    @property
    def total(self) -> int:
        """Work frames rendered."""
        return len(self.clip_frames)

    @property
    def whole(self) -> bool:
        """True when the work frames are the clip frames in order: only such a clip can be cut
        into segments."""
        return self.clip_frames == self.output == tuple(range(self.frames))

    def clip_frame(self, work_frame: int) -> int:
        return self.clip_frames[work_frame]


def zoom_plan(preset: Preset, frames: int) -> ZoomPlan:
    """The zoom's own plan (``output.loop``, ``zoom.cadence``): which work frame is which clip
    frame, keyframe and camera phase."""
    output = preset.output
    return ZoomPlan.of(frames, loop=output.loop, loop_frames=output.loop_frames, cadence=preset.zoom.cadence)


def plan_zoom(preset: Preset, frames: int) -> FramePlan:
    zoom = zoom_plan(preset, frames)
    return FramePlan(frames, zoom.clip_frames, tuple(zoom.output_order()),
                     tuple(zoom.describe()) if zoom.cadence > 1 else None)


def plan_style(preset: Preset, frames: int) -> FramePlan:
    """Optimised style renders every pass (:mod:`.passes`); a style network makes each frame once."""
    if preset.style.method == "network":
        return FramePlan.identity(frames)
    passes = preset.style.passes
    total, order = multipass.plan(frames, passes)
    clips = tuple(multipass.locate(index, total, passes).frame for index in range(total))
    return FramePlan(frames, clips, tuple(order), tuple(multipass.describe(frames, passes)))


def plan_dream(preset: Preset, frames: int) -> FramePlan:
    return FramePlan.identity(frames)


PLANS = {"dream_zoom": plan_zoom, "dream": plan_dream, "style": plan_style}


def plan_for(preset: Preset, frames: int) -> FramePlan:
    """The frame plan of ``preset``'s effect over a clip of ``frames`` frames."""
    return PLANS[preset.effect](preset, frames)


__all__ = ["FramePlan", "PLANS", "ZoomPlan", "plan_for", "zoom_plan"]
