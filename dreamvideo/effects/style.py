"""`effect: style`: video style transfer made coherent with optical flow (Ruder et al. 2016).

Per frame t > 0: optical flow between the **input** frames t-1 and t (forward and backward), a
mask of the pixels the flow matches (the flow provider's: forward-backward consistency for
estimated flow, the Depth pass for a Blender render), the previous stylised frame warped into
frame t; the optimisation starts from that warped frame (pixels without a reliable match come
from the content, ``init: warped``) and a temporal loss pulls it toward the warped frame where
the mask is on. ``style.long_term`` adds earlier frames t-j (flows chained, Ruder's long-term weights).

Frames that start from the warped previous output run ``iterations.next`` at full size only;
frames optimised from scratch (the first, or ``init: content | noise``) run ``iterations.first``
on the ``style.resolutions`` pyramid (a coarse pass on an already stylised start only blurs it).
A frame whose ``style_weight`` is 0 is the content frame itself; below the clip's peak weight the
stylised frame is mixed with the content by weight / peak, so a keyframed weight fades smoothly
(the next frame's warped start and temporal target undo that mix, so the style is not faded twice).

``style.passes: N`` > 1 renders the clip N times, alternating forward and backward (Ruder et
al. 2016, section 3.3; :mod:`dreamvideo.plan.passes`, :mod:`dreamvideo.style.passes`): the job's
plan has ``frames x N`` work frames (the work folder's ``plan.json`` says which pass and clip
frame each one is) and encodes the last pass. A later pass reads its source frames itself (``ctx.source`` follows the first).

Everything comes from ``ctx.previous`` / ``ctx.history`` and the source frames. Source frames and
flows of the last few frames are cached only to save time; after a resume they are read back
from the source and recomputed, giving the same frames.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..components.flow import flow_for
from ..components.networks import backbone_for
from ..config import Preset, StyleConfig, StyleImage, value_at
from ..errors import UserError
from ..motion.flow import FlowProvider, long_term_weights
from ..plan import FramePlan
from ..plan import passes as multipass
from ..style import StyleResult, Stylizer, TemporalTarget, initial_image
from ..style.passes import blend_start
from ..videoio import read_image, to_uint8
from .base import FrameContext
from .coherence import CarryRule, Coherence, fade_toward


def build(preset: Preset, source, *, frame_size: tuple[int, int], plan: FramePlan | None = None,
          backbone=None) -> StyleEffect:
    """The style effect for ``preset``: style images loaded, network and Grams ready.

    Uses the source's own flow (e.g. Blender's Vector pass) when it has ``flow_pair``.
    ``style.method: network`` runs a trained network instead (:mod:`.style_network`)."""
    config = preset.style
    if config.method == "network":
        from .style_network import build as build_network

        return build_network(preset, source, frame_size=frame_size, plan=plan)
    flow = flow_for(source, config.flow, upscale=config.flow_upscale,
                    camera_snap=config.flow_camera_snap, preset=config.flow_preset,
                    edges=config.flow_edges)
    stylizer = Stylizer(read_styles(config), config,
                        backbone=backbone if backbone is not None else backbone_for(preset))
    return StyleEffect(stylizer, flow, source=source, frame_size=frame_size)


def read_styles(config: StyleConfig) -> list[tuple[np.ndarray, float]]:
    """``(uint8 RGB image, blend weight)`` for each of ``style.images``."""
    if not config.images:
        raise UserError("style.images: give at least one style image (a path or {path, weight})")
    styles = []
    for index, item in enumerate(config.images):
        path, weight = (item.path, item.weight) if isinstance(item, StyleImage) else (item, 1.0)
        try:
            styles.append((read_image(path), weight))
        except UserError as err:
            raise UserError(f"style.images[{index}]: {err}") from err
    return styles


class StyleEffect:
    """Renders frames with a :class:`Stylizer`, coherent over time through ``flow``.

    ``source`` (a FrameSource) is only read for source frames the contexts do not bring (later
    passes, long-term consistency after a resume). ``last`` is the :class:`StyleResult` of the
    last frame (for reports; rendering never reads it).
    """

    def __init__(self, stylizer: Stylizer, flow: FlowProvider, *, source=None,
                 frame_size: tuple[int, int]):
        config = stylizer.config
        self.stylizer = stylizer
        self.flow = flow
        self.frame_size = tuple(frame_size)
        self.last: StyleResult | None = None
        # Every warm start resamples the painting and the blur adds up over frames: after 7
        # frames (bench_style.py, 160x96) the painting keeps 0.74x the independent render's
        # sharpness bicubic, 0.80x Lanczos, at the same warping error (bilinear: 0.62x).
        # The fine temporal term holds what the warm start carries: no pixel whose Lanczos
        # footprint reads a moving object's edge (issue 19's wake behind moving objects).
        rule = CarryRule(interpolation=config.warp_interpolation, clip=True, mask="provider",
                         boundary_weight=config.boundary_weight, footprint=True)
        reach = max((1, *config.long_term, 2 if config.temporal_momentum > 0 else 1,  # momentum: t-2
                     config.reveal_frames))
        self.coherence = Coherence(flow, config.style_weight, rule=rule, frame_size=frame_size,
                                   source=source, reach=reach)

    @property
    def config(self) -> StyleConfig:
        return self.stylizer.config

    def render(self, ctx: FrameContext) -> np.ndarray:
        if self.config.passes > 1 and ctx.index >= ctx.total // self.config.passes:
            where = multipass.locate(ctx.index, ctx.total, self.config.passes)
            return self._render_later_pass(where, ctx)
        content = self.coherence.take(ctx)
        config, frame = self.config, ctx.index
        fade = self.coherence.fade(frame)
        if fade == 0:  # style weight 0: the content frame, untouched
            self.last = None
            return np.array(content, np.uint8)
        temporal_on = value_at(config.temporal_weight, frame) > 0
        coherent = ctx.index > 0 and ctx.previous is not None and (temporal_on or config.init == "warped")
        target, init = None, None
        if coherent:
            unfaded = self._unfaded(ctx)
            target = self.temporal_target(unfaded)
            push = self.momentum(unfaded)
            if push is not None:
                target = target.pushed(push)
            hold = self.revealed_hold(unfaded)
            if hold is not None:
                target = target.held(hold)
            if config.init == "warped":
                init = self.warm_start(ctx.index, content, target)
        if init is None:
            init = initial_image(config.init, content, ctx.rng)
        warm = coherent and config.init == "warped"
        self.last = self.stylizer.stylize(
            content, init=init, frame=frame, temporal=target if temporal_on else None,
            iterations=config.iterations.next if warm else config.iterations.first,
            levels=1 if warm else config.resolutions)
        return self._faded(frame, content, fade)

    def warm_start(self, frame: int, content: np.ndarray, target: TemporalTarget) -> np.ndarray:
        """The start of a following frame: the previous output carried where it is reliable;
        elsewhere the content, or with ``style.reveal_start: painted`` a quick independent
        painting (:meth:`Stylizer.sketch`) where the camera brought the surface into view.
        (Painting what a moving object uncovers too made that crescent change from frame to
        frame: E_warp 0.17x on the 320-px photo clip, docs/design/style-coherence.md.)"""
        content = content.astype(np.float32)
        start = np.where(target.weights[0][..., None] > 0, target.warped[0], content)
        if self.config.reveal_start == "content":
            return start
        entered = self.coherence.entered(frame)
        if not entered.any():
            return start
        sketch = self.stylizer.sketch(content, frame=frame)
        return np.where(entered[..., None], sketch, start)

    def _faded(self, frame: int, content: np.ndarray, fade: float) -> np.ndarray:
        """The last stylisation, faded toward the content below the clip's peak style weight."""
        if fade < 1:
            return to_uint8(fade_toward(content, self.last.image.astype(np.float32), fade))
        return self.last.image

    def _unfaded(self, ctx: FrameContext) -> FrameContext:
        """``ctx`` whose earlier outputs are their stylisations before the fade toward the content,
        so a fading weight does not fade twice."""
        fade = self.coherence.fade
        if all(fade(i) >= 1 for i in range(max(0, ctx.index - self.coherence.reach), ctx.index)):
            return ctx
        return replace(ctx, previous=self._unfade(ctx.index - 1, ctx.previous),
                       history=lambda index: self._unfade(index, ctx.history(index)))

    def _unfade(self, frame: int, output: np.ndarray) -> np.ndarray:
        """The stylisation of clip ``frame`` before its fade, rounded as outputs are saved."""
        fade = self.coherence.fade(frame)
        if fade <= 0 or fade >= 1:
            return output
        return to_uint8(self.coherence.unfaded(frame, output))

    def temporal_target(self, ctx: FrameContext) -> TemporalTarget:
        """Earlier outputs warped into frame ``ctx.index``, nearest first, with their weights
        (masks; Ruder's long-term weights when there are several). Offsets that reach before
        frame 0 are padded with zero weights."""
        self.coherence.take(ctx)
        offsets = sorted(j for j in (1, *self.config.long_term) if j <= ctx.index - ctx.first)
        warped, masks = map(list, zip(*self.coherence.carry_back(ctx.index, offsets, _earlier_outputs(ctx))))
        weights = long_term_weights(masks)
        for _ in range(len(self.config.long_term) + 1 - len(offsets)):  # same K every frame:
            warped.append(np.zeros_like(warped[0]))  # no retracing near the start of the clip
            weights.append(np.zeros_like(weights[0]))
        return TemporalTarget(np.stack(warped), np.stack(weights))

    def momentum(self, ctx: FrameContext) -> np.ndarray | None:
        """``style.temporal_momentum`` x the previous frame's change along the flow (its output
        minus the output before it carried into it, where carried), carried into frame
        ``ctx.index``: float32 (H, W, 3). None when off, or before two earlier frames exist.

        A held painting drifts from the style where the camera magnifies or turns it (the
        strokes grow or rotate with the surface); each frame restores a little of what the
        style asks for, as far as the temporal terms let it. Carrying that restoration on makes
        it add up over frames, so the clip does not settle softer (docs/design/style-coherence.md,
        item 5)."""
        share = self.config.temporal_momentum
        if share <= 0 or ctx.index - ctx.first < 2:
            return None
        before = ctx.history(ctx.index - 2)
        carried, mask = self.coherence.carry_back(ctx.index - 1, (1,), lambda _: before)[0]
        change = (self.coherence.fit(ctx.previous).astype(np.float32) - carried) * mask[..., None]
        return share * self.coherence.carry_change(change, ctx.index)

    def revealed_hold(self, ctx: FrameContext) -> np.ndarray | None:
        """``style.reveal_frames`` N: float32 (H, W), the share of the temporal hold per pixel,
        (frames it has been carried) / N for pixels revealed within the last N frames, 1 for the
        rest. None when off, or before two earlier frames exist.

        A revealed pixel starts from the content and gets one frame's ``iterations.next``; the
        next frames' hold would keep it half painted. Its age is read from the masks of the N
        earlier frames with the flows chained (Ruder's long-term masks; no output is warped):
        rebuilt from the source, so a resumed render is exact."""
        frames = self.config.reveal_frames
        span = min(frames, ctx.index - ctx.first)
        if frames <= 0 or span < 2:
            return None
        self.coherence.take(ctx)
        masks = np.stack(self.coherence.masks_back(ctx.index, span))
        age = np.cumprod(masks > 0, axis=0).sum(axis=0)  # frames carried without a break
        return np.where(age >= span, 1.0, age / frames).astype(np.float32)

    def _render_later_pass(self, where: multipass.PassFrame, ctx: FrameContext) -> np.ndarray:
        """Frame ``where.frame`` in pass >= 1: start from the previous pass's frame blended
        with the warped neighbour done in this pass; temporal loss toward both neighbours."""
        config, frame, d, coherence = self.config, where.frame, where.direction, self.coherence
        coherence.forget_far_from(frame)
        content = coherence.frame(frame)
        fade = coherence.fade(frame)
        if fade == 0:  # style weight 0: the content frame, untouched (as in the first pass)
            self.last = None
            return np.array(content, np.uint8)
        previous_pass = coherence.fit(ctx.history(where.work_index(where.pass_ - 1, frame)))
        previous_pass = self._unfade(frame, previous_pass).astype(np.float32)
        warped, masks = [], []
        for neighbour, index in ((frame - d, ctx.index - 1), (frame + d, None)):
            if not 0 <= neighbour < where.frames:  # a pass starts at an end of the clip
                warped.append(np.zeros_like(previous_pass))  # same K every frame: no retracing
                masks.append(np.zeros(previous_pass.shape[:2], np.float32))
                continue
            if index is None:  # the frame ahead, from the previous pass
                index = where.work_index(where.pass_ - 1, neighbour)
            earlier = self._unfade(neighbour, coherence.fit(ctx.history(index)))
            carried, mask = coherence.carry_neighbour(earlier, neighbour, frame)
            warped.append(carried)
            masks.append(mask)
        init = previous_pass if where.first_of_pass else \
            blend_start(previous_pass, warped[0], masks[0], config.pass_blend)
        temporal_on = value_at(config.temporal_weight, frame) > 0
        self.last = self.stylizer.stylize(
            content, init=init, frame=frame, iterations=config.iterations.next, levels=1,
            temporal=TemporalTarget(np.stack(warped), np.stack(masks)) if temporal_on else None)
        return self._faded(frame, content, fade)


def _earlier_outputs(ctx: FrameContext):
    """Output of an earlier frame by index: the previous one as given, the others from history."""
    return lambda index: ctx.previous if index == ctx.index - 1 else ctx.history(index)
