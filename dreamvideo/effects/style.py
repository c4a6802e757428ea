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
from ..config import Preset, StyleConfig, StyleImage, peak_of, value_at
from ..errors import UserError
from ..motion.flow import FlowPair, FlowProvider, chain_flows, long_term_weights, warp
from ..plan import FramePlan
from ..plan import passes as multipass
from ..style import StyleResult, Stylizer, TemporalTarget, initial_image
from ..style.passes import blend_start
from ..videoio import fit_to_size, read_image, to_uint8
from .base import FrameContext

SOURCE_BLOCK = 16  # source frames read at once when a backward pass needs earlier frames


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


def warp_output(output: np.ndarray, flow: np.ndarray, interpolation: str = "lanczos") -> np.ndarray:
    """An earlier output warped into this frame, float32 [0, 255] (``style.warp_interpolation``).
    Every warm start resamples the painting and the blur adds up over frames: after 7 frames
    (bench_style.py, 160x96) the painting keeps 0.74x the independent render's sharpness
    bicubic, 0.80x Lanczos, at the same warping error (bilinear: 0.62x at 192x108)."""
    return np.clip(warp(output.astype(np.float32), flow, interpolation=interpolation), 0, 255)


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

    ``source`` (a FrameSource) is only read after a resume, for earlier source frames that
    long-term consistency needs. ``last`` is the :class:`StyleResult` of the last frame (for
    reports; rendering never reads it).
    """

    def __init__(self, stylizer: Stylizer, flow: FlowProvider, *, source=None,
                 frame_size: tuple[int, int]):
        self.stylizer = stylizer
        self.flow = flow
        self.source = source
        self.frame_size = tuple(frame_size)
        self.last: StyleResult | None = None
        self._frames: dict[int, np.ndarray] = {}  # source frames by index (cache)
        self._pairs: dict[int, FlowPair] = {}  # flows between source frames i and i+1 (cache)

    @property
    def config(self) -> StyleConfig:
        return self.stylizer.config

    def render(self, ctx: FrameContext) -> np.ndarray:
        if self.config.passes > 1 and ctx.index >= ctx.total // self.config.passes:
            where = multipass.locate(ctx.index, ctx.total, self.config.passes)
            return self._render_later_pass(where, ctx)
        content = self._take_sources(ctx)
        config, frame = self.config, ctx.index
        fade = self.fade(frame)
        if fade == 0:  # style weight 0: the content frame, untouched
            self.last = None
            return np.array(content, np.uint8)
        temporal_on = value_at(config.temporal_weight, frame) > 0
        coherent = ctx.index > 0 and ctx.previous is not None and (temporal_on or config.init == "warped")
        target, init = None, None
        if coherent:
            target = self.temporal_target(self._unfaded(ctx))
            if config.init == "warped":
                reliable = target.weights[0][..., None] > 0
                init = np.where(reliable, target.warped[0], content.astype(np.float32))
        if init is None:
            init = initial_image(config.init, content, ctx.rng)
        warm = coherent and config.init == "warped"
        self.last = self.stylizer.stylize(
            content, init=init, frame=frame, temporal=target if temporal_on else None,
            iterations=config.iterations.next if warm else config.iterations.first,
            levels=1 if warm else config.resolutions)
        if fade < 1:  # below the clip's peak style weight the style fades toward the content
            mixed = content + fade * (self.last.image.astype(np.float32) - content)
            return to_uint8(mixed)
        return self.last.image

    def fade(self, frame: int) -> float:
        """Style weight at ``frame`` over its peak in the clip: 0 = the content, 1 = full style."""
        peak = peak_of(self.config.style_weight)
        weight = abs(value_at(self.config.style_weight, frame))
        return min(1.0, weight / peak) if peak > 0 else 0.0

    def _unfaded(self, ctx: FrameContext) -> FrameContext:
        """``ctx`` whose earlier outputs are their stylisations before the fade toward the content
        (content + (output - content) / fade), so a fading weight does not fade twice."""
        unfade = self._unfade
        if all(self.fade(i) >= 1 for i in range(max(0, ctx.index - self._reach()), ctx.index)):
            return ctx
        return replace(ctx, previous=unfade(ctx.index - 1, ctx.previous),
                       history=lambda index: unfade(index, ctx.history(index)))

    def _unfade(self, frame: int, output: np.ndarray) -> np.ndarray:
        """The stylisation of clip ``frame`` before its fade toward the content."""
        fade = self.fade(frame)
        if fade <= 0 or fade >= 1:
            return output
        content = self._source_frame(frame).astype(np.float32)
        return to_uint8(content + (self._fit(output).astype(np.float32) - content) / fade)

    def temporal_target(self, ctx: FrameContext) -> TemporalTarget:
        """Earlier outputs warped into frame ``ctx.index``, nearest first, with their weights
        (consistency masks; Ruder's long-term weights when there are several). Offsets that
        reach before frame 0 are padded with zero weights."""
        self._take_sources(ctx)
        offsets = sorted(j for j in (1, *self.config.long_term) if j <= ctx.index - ctx.first)
        warped, masks, fw_chain, bw_chain = [], [], None, None
        for j in range(1, offsets[-1] + 1):
            fw, bw = self._pair(ctx.index - j)  # frame t-j <-> t-j+1
            fw_chain = fw if j == 1 else chain_flows(fw, fw_chain)  # t-j -> t
            bw_chain = bw if j == 1 else chain_flows(bw_chain, bw)  # t -> t-j
            if j in offsets:
                earlier = ctx.previous if j == 1 else ctx.history(ctx.index - j)
                warped.append(warp_output(self._fit(earlier), bw_chain,
                                          self.config.warp_interpolation))
                masks.append(self.flow.reliability(ctx.index - j, ctx.index, fw_chain, bw_chain,
                                                   boundary_weight=self.config.boundary_weight))
        weights = long_term_weights(masks)
        for _ in range(len(self.config.long_term) + 1 - len(offsets)):  # same K every frame:
            warped.append(np.zeros_like(warped[0]))  # no retracing near the start of the clip
            weights.append(np.zeros_like(weights[0]))
        return TemporalTarget(np.stack(warped), np.stack(weights))

    def _render_later_pass(self, where: multipass.PassFrame, ctx: FrameContext) -> np.ndarray:
        """Frame ``where.frame`` in pass >= 1: start from the previous pass's frame blended
        with the warped neighbour done in this pass; temporal loss toward both neighbours."""
        config, frame, d = self.config, where.frame, where.direction
        self._forget_far_from(frame)
        content = self._source_frame(frame)
        fade = self.fade(frame)
        if fade == 0:  # style weight 0: the content frame, untouched (as in the first pass)
            self.last = None
            return np.array(content, np.uint8)
        previous_pass = self._fit(ctx.history(where.work_index(where.pass_ - 1, frame)))
        previous_pass = self._unfade(frame, previous_pass).astype(np.float32)
        warped, masks = [], []
        for neighbour, index in ((frame - d, ctx.index - 1), (frame + d, None)):
            if not 0 <= neighbour < where.frames:  # a pass starts at an end of the clip
                warped.append(np.zeros_like(previous_pass))  # same K every frame: no retracing
                masks.append(np.zeros(previous_pass.shape[:2], np.float32))
                continue
            if index is None:  # the frame ahead, from the previous pass
                index = where.work_index(where.pass_ - 1, neighbour)
            to_neighbour, from_neighbour = self._flows_between(frame, neighbour)
            earlier = self._unfade(neighbour, self._fit(ctx.history(index)))
            warped.append(warp_output(earlier, to_neighbour, self.config.warp_interpolation))
            masks.append(self.flow.reliability(neighbour, frame, from_neighbour, to_neighbour,
                                               boundary_weight=self.config.boundary_weight))
        init = previous_pass if where.first_of_pass else \
            blend_start(previous_pass, warped[0], masks[0], config.pass_blend)
        temporal_on = value_at(config.temporal_weight, frame) > 0
        self.last = self.stylizer.stylize(
            content, init=init, frame=frame, iterations=config.iterations.next, levels=1,
            temporal=TemporalTarget(np.stack(warped), np.stack(masks)) if temporal_on else None)
        if fade < 1:
            return to_uint8(content + fade * (self.last.image.astype(np.float32) - content))
        return self.last.image

    # -- source frames and flows (cached; rebuilt from the source after a resume)

    def _flows_between(self, frame: int, neighbour: int) -> FlowPair:
        """(flow frame -> neighbour, flow neighbour -> frame) for adjacent frames."""
        if neighbour == frame - 1:
            fw, bw = self._pair(neighbour)
            return bw, fw
        return self._pair(frame)

    def _forget_far_from(self, frame: int) -> None:
        """Later passes run both ways: keep cached frames and flows near ``frame`` only."""
        reach = self._reach()
        for cache, keep in ((self._frames, SOURCE_BLOCK + reach), (self._pairs, reach)):
            for old in [i for i in cache if abs(i - frame) > keep]:
                del cache[old]

    def _reach(self) -> int:
        return max((1, *self.config.long_term))

    def _fit(self, frame: np.ndarray) -> np.ndarray:
        return fit_to_size(np.asarray(frame), self.frame_size)

    def _take_sources(self, ctx: FrameContext) -> np.ndarray:
        """Cache the context's source frames, drop what is out of reach; the current frame."""
        self._frames[ctx.index] = self._fit(ctx.source)
        if ctx.previous_source is not None and ctx.index > 0:
            self._frames[ctx.index - 1] = self._fit(ctx.previous_source)
        for cache in (self._frames, self._pairs):
            for old in [i for i in cache if i < ctx.index - self._reach()]:
                del cache[old]
        return self._frames[ctx.index]

    def _pair(self, index: int) -> FlowPair:
        if index not in self._pairs:
            a, b = self._source_frame(index), self._source_frame(index + 1)
            self._pairs[index] = self.flow.flow_pair(index, a, b)
        return self._pairs[index]

    def _source_frame(self, index: int) -> np.ndarray:
        if index not in self._frames:
            self._read_source(index)
        return self._frames[index]

    def _read_source(self, needed: int) -> None:
        """Read source frame ``needed`` and its neighbours up to SOURCE_BLOCK frames away: before
        it when going backward (a video decodes from its start), after it otherwise, stopping
        at frames already cached."""
        if self.source is None:
            raise UserError(f"style: source frame {needed} is needed for temporal consistency "
                            "but the effect has no frame source")
        backward = needed + 1 in self._frames
        start = max(0, needed - SOURCE_BLOCK) if backward else needed
        frames, index = self.source.frames(start), start
        try:
            while index <= needed or (index not in self._frames and index < needed + SOURCE_BLOCK
                                      and not backward):
                self._frames[index] = self._fit(next(frames))
                index += 1
        except StopIteration:
            if index <= needed:
                raise UserError(f"style: the source ended before frame {index}") from None
        finally:
            getattr(frames, "close", lambda: None)()
