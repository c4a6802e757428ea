"""`effect: dream`: deep dream over a video, with the dream carried along the motion.

Frame t starts from the previous *dream* warped by the optical flow of the input frames
(t-1 -> t), blended with the new input frame (``video.blend`` = share of the input frame);
where the flow is unreliable (disocclusions, motion boundaries, pixels entering the frame) it
starts from the input frame alone. Then it is dreamt as usual. So the patterns stay on the
moving things instead of crawling over them, and new content is dreamt fresh.

The carried share fades with the strength: it is scaled by ``step_size`` at this frame over its
peak in the clip (1 for a constant strength), and a frame whose ``step_size`` is 0 is the input
frame itself. So a strength keyframed up from 0 fades the dream in from the untouched frames
(a Blender render stays Blender's render) instead of ghosting the warped previous frame in.

Everything comes from ``ctx.previous`` and the two source frames: a resume gives the same frames.
"""

from __future__ import annotations

import numpy as np

from ..components.flow import flow_for
from ..components.networks import dreamer_for
from ..config import Preset, value_at
from ..dreaming.dreamer import DreamSettings, Dreamer
from ..motion.flow import FlowProvider
from ..plan import FramePlan
from ..videoio import to_uint8
from .base import FrameContext
from .coherence import CarryRule, Coherence

# dream.views: auto means none here. The carried dream is mixed with each new input frame, so the
# network's favourite orientation does not build up into stripes as in a zoom; random views made
# the carried dream change more from frame to frame (a translating 128x80 clip, 24 frames:
# +16 % change per frame at -18 % dream strength).
AUTO_VIEWS = "none"


class DreamVideo:
    def __init__(self, preset: Preset, dreamer: Dreamer, flow: FlowProvider):
        self.preset = preset
        self.dreamer = dreamer
        self.flow = flow
        # the carried share fades with dream.step_size; a plain consistency mask (Blender's
        # depth-based reliability is not used here)
        self.coherence = Coherence(flow, preset.dream.step_size, rule=CarryRule(mask="consistency"))

    def start_image(self, ctx: FrameContext) -> np.ndarray:
        """The input frame, or the warped previous dream blended with it where the flow holds."""
        frame = np.asarray(self.coherence.take(ctx), np.float32)
        carry = self.coherence.fade(ctx.index)
        if ctx.previous is None or ctx.previous_source is None or carry <= 0:
            return frame
        carried, mask = self.coherence.carry_previous(ctx.index, ctx.previous)
        share = value_at(self.preset.video.blend, ctx.index)
        kept = mask[..., None] * (1 - share) * carry
        return kept * carried + (1 - kept) * frame

    def render(self, ctx: FrameContext) -> np.ndarray:
        dream = self.preset.dream
        strength = value_at(dream.step_size, ctx.index)
        if strength == 0:  # no dream: the input frame, untouched
            return np.array(ctx.source, np.uint8)
        settings = DreamSettings.from_config(dream, strength, auto_views=AUTO_VIEWS, frame=ctx.index)
        if ctx.previous is None:
            settings = settings.for_first_frame()
        out = self.dreamer.dream(self.start_image(ctx), settings, ctx.rng)
        return to_uint8(out)


def build(preset: Preset, source, *, frame_size: tuple[int, int], plan: FramePlan | None = None) -> DreamVideo:
    """Uses the source's own flow (e.g. Blender's Vector pass) when it has one."""
    flow = flow_for(source, preset.video.flow)
    return DreamVideo(preset, dreamer_for(preset), flow)
