"""Temporal coherence for the video effects: the fade by strength, the source frames and their
flows (cached), and earlier outputs carried into the current frame along the flow with a mask.

Optimised style (:mod:`.style`), network style (:mod:`.style_network`) and dreamed video
(:mod:`.dream_video`) are policies on top: what a carried output becomes (a start image, a
temporal loss's target, a blend) is theirs; how it is faded, warped and masked is here.

Everything is derived from the source and the outputs the engine saved: the caches only save
time, and after a resume they are filled again from the source, giving the same frames.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from ..config import Animatable, peak_of, value_at
from ..errors import UserError
from ..motion.flow import (INTERPOLATION_REACH, FlowPair, FlowProvider, OpenCVFlow, chain_flows,
                           consistency_mask, footprint_reliability, resize_flow, source_inside, warp)
from ..videoio import fit_to_size
from .base import FrameContext

SOURCE_BLOCK = 16  # source frames read at once when a backward pass needs earlier frames


class Fade:
    """A strength (``style.style_weight``, ``dream.step_size``) at a frame over its peak in the
    clip: 0 = the source frame untouched, 1 = the full effect. Below 1 an effect fades its result
    toward the source frame (:func:`fade_toward`); carrying that output on, the next frame undoes
    the fade first (:func:`unfade`), so a fading strength does not fade twice."""

    def __init__(self, strength: Animatable):
        self.strength = strength
        self.peak = peak_of(strength)

    def __call__(self, frame: int) -> float:
        weight = abs(value_at(self.strength, frame))
        return min(1.0, weight / self.peak) if self.peak > 0 else 0.0


def fade_toward(base: np.ndarray, image: np.ndarray, amount: float) -> np.ndarray:
    """``base + amount * (image - base)``: ``image`` faded toward ``base`` (0 = ``base``)."""
    return base + amount * (image - base)


def unfade(base: np.ndarray, output: np.ndarray, amount: float) -> np.ndarray:
    """The image :func:`fade_toward` faded by ``amount`` into ``output``: ``base + (output -
    base) / amount``."""
    return base + (output - base) / amount


@dataclass(frozen=True)
class CarryRule:
    """How an earlier output is carried into a frame.

    ``interpolation``: the warp's resampling (``style.warp_interpolation``); ``clip``: clip the
    warped output to [0, 255] (Lanczos and bicubic overshoot); ``mask``: ``"provider"`` asks the
    flow provider (:meth:`FlowProvider.reliability`: the consistency of estimated flows, the
    Depth pass for a Blender render's exact flow), ``"consistency"`` always checks the flows'
    forward-backward consistency (:func:`consistency_mask`); ``boundary_weight``: the weight of
    pixels that fail only the motion-boundary test; ``footprint``: also drop pixels whose
    interpolation footprint reads another motion (:func:`footprint_reliability`: a Lanczos warp
    carries a moving object's edge into the background beside a disocclusion, and an effect
    that holds the carried frame's fine detail keeps it as a wake)."""

    interpolation: Literal["linear", "cubic", "lanczos"] = "linear"
    clip: bool = False
    mask: Literal["provider", "consistency"] = "provider"
    boundary_weight: float = 0.0
    footprint: bool = False


class Coherence:
    """One effect's temporal coherence: its fade, its source frames and flows, its carried outputs.

    ``frame_size``: source frames are fitted to it (None: taken as they are). ``source`` (a
    FrameSource) is read only for frames the contexts did not bring (a later pass, or earlier
    frames after a resume). ``reach``: how many frames back outputs are carried from (cached
    frames and flows farther away are dropped). ``flow_side``: an OpenCV flow is estimated on
    copies at most this wide, scaled back up (None: at the frames' size).
    """

    def __init__(self, flow: FlowProvider, strength: Animatable, *, rule: CarryRule = CarryRule(),
                 frame_size: tuple[int, int] | None = None, source=None, reach: int = 1,
                 flow_side: int | None = None):
        self.flow = flow
        self.fade = Fade(strength)
        self.rule = rule
        self.frame_size = tuple(frame_size) if frame_size is not None else None
        self.source = source
        self.reach = reach
        self.flow_side = flow_side
        self._frames: dict[int, np.ndarray] = {}  # source frames by index
        self._pairs: dict[int, FlowPair] = {}  # flows between source frames i and i+1

    # -- the fade

    def unfaded(self, frame: int, output: np.ndarray) -> np.ndarray:
        """Output of clip ``frame`` before its fade toward the source frame, float32."""
        base = self.frame(frame).astype(np.float32)
        return unfade(base, self.fit(output).astype(np.float32), self.fade(frame))

    # -- carrying earlier outputs along the flow

    def carry(self, output: np.ndarray, a: int, b: int, flow_ab: np.ndarray,
              flow_ba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The output of frame ``a`` warped into frame ``b`` (float32 (H, W, 3)) and its mask
        (float32 (H, W)): where the warped pixels show the same surface."""
        warped = warp(np.asarray(output, np.float32), flow_ba, interpolation=self.rule.interpolation)
        if self.rule.clip:
            warped = np.clip(warped, 0, 255)
        return warped, self.mask(a, b, flow_ab, flow_ba)

    def mask(self, a: int, b: int, flow_ab: np.ndarray, flow_ba: np.ndarray) -> np.ndarray:
        """Float32 (H, W) in frame ``b``: where frame ``a`` warped along ``flow_ba`` shows the
        same surface (the rule's mask, and its footprint check)."""
        if self.rule.mask == "provider":
            mask = self.flow.reliability(a, b, flow_ab, flow_ba,
                                         boundary_weight=self.rule.boundary_weight)
        else:
            mask = consistency_mask(flow_ab, flow_ba, boundary_weight=self.rule.boundary_weight)
        if self.rule.footprint:
            reach = INTERPOLATION_REACH[self.rule.interpolation]
            mask = mask * footprint_reliability(flow_ab, flow_ba, reach)
        return mask

    def entered(self, index: int) -> np.ndarray:
        """Bool (H, W): the pixels of frame ``index`` that frame ``index - 1`` does not show
        because they were outside it (brought into view at the frame's edge by the camera), not
        hidden behind something. (Every mask is 0 there too.)"""
        _, bw = self.pair(index - 1)
        return ~source_inside(bw)

    def carry_back(self, index: int, offsets: Iterable[int],
                   output_of: Callable[[int], np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Outputs ``output_of(index - j)`` carried into frame ``index`` for each of ``offsets``
        (ascending, >= 1), the flows chained frame by frame (Ruder's long-term consistency)."""
        offsets = list(offsets)
        return [self.carry(self.fit(output_of(index - j)), index - j, index, fw_chain, bw_chain)
                for j, fw_chain, bw_chain in self._chains(index, offsets[-1]) if j in offsets]

    def masks_back(self, index: int, span: int) -> list[np.ndarray]:
        """The masks of frames ``index - j`` carried into frame ``index``, j = 1 .. ``span``
        (the flows chained as in :meth:`carry_back`), without warping any output."""
        return [self.mask(index - j, index, fw_chain, bw_chain)
                for j, fw_chain, bw_chain in self._chains(index, span)]

    def _chains(self, index: int, span: int):
        """(j, flow t-j -> t, flow t -> t-j) for j = 1 .. ``span``, chained frame by frame."""
        fw_chain, bw_chain = None, None
        for j in range(1, span + 1):
            fw, bw = self.pair(index - j)  # frame t-j <-> t-j+1
            fw_chain = fw if j == 1 else chain_flows(fw, fw_chain)  # t-j -> t
            bw_chain = bw if j == 1 else chain_flows(bw_chain, bw)  # t -> t-j
            yield j, fw_chain, bw_chain

    def carry_previous(self, index: int, previous: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The previous frame's output carried into frame ``index``."""
        return self.carry_back(index, (1,), lambda _: previous)[0]

    def carry_change(self, change: np.ndarray, index: int) -> np.ndarray:
        """A signed float image of frame ``index - 1`` (a change between outputs) warped into
        frame ``index``, unclipped and unmasked."""
        _, bw = self.pair(index - 1)
        return warp(np.asarray(change, np.float32), bw, interpolation=self.rule.interpolation)

    def carry_neighbour(self, output: np.ndarray, neighbour: int,
                        frame: int) -> tuple[np.ndarray, np.ndarray]:
        """The output of an adjacent frame (``frame`` +- 1, either way) carried into ``frame``."""
        if neighbour == frame - 1:
            fw, bw = self.pair(neighbour)
            to_neighbour, from_neighbour = bw, fw
        else:
            to_neighbour, from_neighbour = self.pair(frame)
        return self.carry(output, neighbour, frame, from_neighbour, to_neighbour)

    # -- source frames and their flows (cached)

    def fit(self, frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame)
        return frame if self.frame_size is None else fit_to_size(frame, self.frame_size)

    def take(self, ctx: FrameContext) -> np.ndarray:
        """Cache the context's source frames, drop what is out of reach; the current frame."""
        self._frames[ctx.index] = self.fit(ctx.source)
        if ctx.previous_source is not None and ctx.index > 0:
            self._frames[ctx.index - 1] = self.fit(ctx.previous_source)
        for cache in (self._frames, self._pairs):
            for old in [i for i in cache if i < ctx.index - self.reach]:
                del cache[old]
        return self._frames[ctx.index]

    def forget_far_from(self, frame: int) -> None:
        """Later passes run both ways: keep cached frames and flows near ``frame`` only."""
        for cache, keep in ((self._frames, SOURCE_BLOCK + self.reach), (self._pairs, self.reach)):
            for old in [i for i in cache if abs(i - frame) > keep]:
                del cache[old]

    def pair(self, index: int) -> FlowPair:
        """Forward and backward flow between source frames ``index`` and ``index + 1``."""
        if index not in self._pairs:
            a, b = self.frame(index), self.frame(index + 1)
            if self.flow_side is None:
                self._pairs[index] = self.flow.flow_pair(index, a, b)
            else:
                self._pairs[index] = flow_at(self.flow, index, a, b, self.flow_side)
        return self._pairs[index]

    def frame(self, index: int) -> np.ndarray:
        """Source frame ``index`` (fitted to the frame size)."""
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
                self._frames[index] = self.fit(next(frames))
                index += 1
        except StopIteration:
            if index <= needed:
                raise UserError(f"style: the source ended before frame {index}") from None
        finally:
            frames.close()


def flow_at(flow: FlowProvider, index: int, a: np.ndarray, b: np.ndarray,
            max_side: int) -> FlowPair:
    """Forward and backward flow between frames a and b at their size; OpenCV estimates it on
    copies at most ``max_side`` wide, scaled back up (a renderer's exact flow comes at the
    source's size)."""
    height, width = a.shape[:2]
    factor = min(1.0, max_side / width)
    if factor < 1.0 and isinstance(flow, OpenCVFlow):
        size = (round(width * factor), round(height * factor))
        a, b = (cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in (a, b))
    pair = flow.flow_pair(index, a, b)
    return tuple(resize_flow(f, (width, height)) for f in pair)
