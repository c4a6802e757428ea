"""`effect: style` with `style.method: network`: a trained style network per frame, at full
resolution, kept coherent the cheap way.

Per frame t: the network's output for the source frame; for t > 0, where the forward/backward
consistency mask between input frames t-1 and t holds, the output is blended toward the previous
*output* warped by the flow (the same flow providers as optimisation: OpenCV DIS/Farneback, or
Blender's Vector pass):

    out = net(frame_t) + blend * mask * (warp(out_{t-1}) - net(frame_t)),
    blend = temporal_weight / (temporal_weight + BLEND_HALF)

so the default ``temporal_weight`` 25 keeps a fifth of the warped previous frame, 50 a third, 100
half, 0 turns it off. A blend of strokes that do not quite line up is paler than either, and the
loss adds up over frames; ``style.blend_detail`` (default on) gives the blend's fine detail back
the local contrast of the network's own frame (:func:`restore_detail`). The previous output is resampled with ``style.warp_interpolation`` (Lanczos by default:
bilinear's blur adds up over frames). Flow is estimated on frames at most ``FLOW_SIDE`` px wide
and scaled up (enough for a
blend mask, and a 1080p DIS flow would cost more than the network).

Style weight: as with ``method: optimize``, ``style_weight`` over its peak in the clip fades the
output toward the source frame (``out = frame + fade * (out - frame)``); 0 gives the source frame
exactly. The blend works on the unfaded previous output (a fading weight does not fade twice);
a previous frame faded below ``UNFADE_FLOOR`` is not blended from (unfading it would multiply
its rounding by 1 / fade: a held keyframe jumping from 0.01 to 1 would amplify it 100x).

Only ``ctx.previous`` and the source frames are read: resume is exact.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..components.flow import flow_for
from ..components.networks import network_dtype
from ..config import Preset, StyleConfig, StyleImage, value_at
from ..errors import UserError
from ..motion.flow import FlowProvider
from ..plan import FramePlan
from ..style.network import StyleNetwork, file_sha256, load_network
from ..videoio import to_uint8
from .base import FrameContext
from .coherence import CarryRule, Coherence, fade_toward

BLEND_HALF = 100.0  # temporal_weight at which the blend is one half
FLOW_SIDE = 960  # flow for the blend is estimated at most this wide
UNFADE_FLOOR = 0.1  # a previous frame faded less than this is not unfaded and blended from
DETAIL_SIGMA = 2.0  # px: the blend's fine detail is the image minus this Gaussian blur
DETAIL_WINDOW = 6.0  # px: its contrast is measured over this Gaussian window


def build(preset: Preset, source, *, frame_size: tuple[int, int], plan: FramePlan | None = None,
          backbone=None) -> NetworkStyleEffect:
    """One work frame per clip frame, whatever ``style.passes`` says (``plan``: not needed)."""
    config = preset.style
    network = load_network(config.network, backbone=preset.model.backbone, dtype=network_dtype(preset))
    check_styles(network.metadata, config)
    return NetworkStyleEffect(network, flow_for(source, config.flow), config=config,
                              frame_size=frame_size)


def check_styles(metadata: dict, config: StyleConfig) -> None:
    """When ``style.images`` are given too, they must be the ones the network learnt."""
    if not config.images:
        return
    paths = [item.path if isinstance(item, StyleImage) else item for item in config.images]
    given = sorted(file_sha256(path) for path in paths)
    trained = sorted(style["sha256"] for style in metadata.get("styles", []))
    if given != trained:
        names = ", ".join(style["name"] for style in metadata.get("styles", []))
        raise UserError(f"style.images: {config.network.name} was trained on other style images "
                        f"({names}); leave style.images out or train a network for these")


def blend_factor(temporal_weight: float) -> float:
    return temporal_weight / (temporal_weight + BLEND_HALF) if temporal_weight > 0 else 0.0


def temporal_blend(new: np.ndarray, warped: np.ndarray, mask: np.ndarray, blend: float, *,
                   keep_detail: bool = True) -> np.ndarray:
    """``new + blend * mask * (warped - new)``, float32 (H, W, 3); with ``keep_detail``, the
    blend's fine detail gets back the local contrast ``new`` has (:func:`restore_detail`)."""
    weight = blend * np.asarray(mask, np.float32)
    new = np.asarray(new, np.float32)
    out = new + weight[..., None] * (np.asarray(warped, np.float32) - new)
    return restore_detail(out, new, weight) if keep_detail else out


def fine_detail(image: np.ndarray) -> np.ndarray:
    """The band of strokes: the image minus its Gaussian blur (sigma ``DETAIL_SIGMA`` px)."""
    return image - cv2.GaussianBlur(image, (0, 0), DETAIL_SIGMA)


def local_energy(detail: np.ndarray) -> np.ndarray:
    """Squared fine detail summed over channels, averaged over ``DETAIL_WINDOW`` px (sigma)."""
    return cv2.GaussianBlur(np.square(detail).sum(-1), (0, 0), DETAIL_WINDOW)


def restore_detail(out: np.ndarray, new: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Scale the fine detail of the blend ``out`` up to the local energy of ``new``'s.

    Averaging two stroke patterns that do not line up (the network is not equivariant to the
    camera's zoom and turn) leaves paler strokes than either, and the loss adds up frame after
    frame. The gain is at least 1 (detail is never damped) and at most what averaging two
    unrelated patterns with ``weight`` w loses, ``1 / sqrt((1 - w)^2 + w^2)``: where the
    patterns agree the blend is left as it is, and a held frame (w near 1) is not sharpened.
    """
    detail_out, detail_new = fine_detail(out), fine_detail(new)
    gain = np.sqrt((local_energy(detail_new) + 1.0) / (local_energy(detail_out) + 1.0))
    cap = 1.0 / np.sqrt(np.square(1.0 - weight) + np.square(weight))
    gain = np.clip(gain, 1.0, cap)
    return out + (gain[..., None] - 1.0) * detail_out


class NetworkStyleEffect:
    """Frames from a :class:`StyleNetwork`, blended along the flow."""

    def __init__(self, network: StyleNetwork, flow: FlowProvider, *, config: StyleConfig,
                 frame_size: tuple[int, int]):
        self.network = network
        self.flow = flow
        self.config = config
        self.frame_size = tuple(frame_size)
        rule = CarryRule(interpolation=config.warp_interpolation, mask="consistency")
        self.coherence = Coherence(flow, config.style_weight, rule=rule, frame_size=frame_size,
                                   flow_side=FLOW_SIDE)

    def render(self, ctx: FrameContext) -> np.ndarray:
        coherence = self.coherence
        content = coherence.take(ctx)
        fade = coherence.fade(ctx.index)
        if fade == 0:  # style weight 0: the source frame, untouched
            return np.array(content, np.uint8)
        out = self.network.stylize_float(content)
        blend = blend_factor(value_at(self.config.temporal_weight, ctx.index))
        before = coherence.fade(ctx.index - 1) if ctx.index > 0 else 0.0
        if ctx.previous is not None and ctx.previous_source is not None and blend > 0 and before >= UNFADE_FLOOR:
            previous = coherence.unfaded(ctx.index - 1, ctx.previous)
            warped, mask = coherence.carry_previous(ctx.index, previous)
            out = temporal_blend(out, warped, mask, blend, keep_detail=self.config.blend_detail)
        if fade < 1:
            out = fade_toward(content, out, fade)
        return to_uint8(out)
