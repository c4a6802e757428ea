"""Optical flow: providers, backward warping, consistency masks and the warping error.

Conventions (see CONVENTIONS.md): a flow is ``float32 (H, W, 2)``, channel 0 = dx, channel 1 = dy,
in pixels; ``flow_ab[y, x]`` is the displacement of pixel (x, y) of frame a to its position in
frame b. Forward flow is t -> t+1, backward flow is t+1 -> t.

Warping is *backward* (gather): ``warp(image_a, flow_ba)`` samples ``image_a`` at
``x + flow_ba(x)`` and so brings frame a into frame b's geometry. Pixels whose source lies
outside frame a are filled by the ``border`` rule (replicate by default) and are reported as
invalid by :func:`source_inside`; :func:`consistency_mask` gives them weight 0.

Everything is vectorised numpy plus ``cv2.remap`` (bilinear); no per-pixel Python loops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, Protocol, runtime_checkable

import cv2
import numpy as np

from dreamvideo.errors import UserError
from dreamvideo.videoio import to_uint8

FlowPair = tuple[np.ndarray, np.ndarray]
Border = Literal["replicate", "constant", "reflect"]

_BORDERS = {
    "replicate": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
}
_DIS_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
    "fine": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,  # medium down to the full-size pyramid level
}
_METHODS = ("dis", "farneback")
_INTERPOLATIONS = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC,
                   "lanczos": cv2.INTER_LANCZOS4}
# Source pixels on each side of its sample point whose values reach a warped pixel visibly
# (OpenCV reads 2x2, 4x4, 8x8; a 170-level edge rings 20, 8, 3, 0 levels into pixels 1-4 px
# beside it through Lanczos's lobes: 2 px holds all but 3 levels).
INTERPOLATION_REACH = {"linear": 1, "cubic": 2, "lanczos": 2}


@runtime_checkable
class FlowProvider(Protocol):
    """Something that gives the optical flow between two consecutive frames."""

    def flow_pair(self, index: int, frame_a: np.ndarray, frame_b: np.ndarray) -> FlowPair:
        """Forward flow a->b and backward flow b->a, float32 (H, W, 2) each.

        ``index`` is the frame index of ``frame_a`` (lets precomputed providers look up data).
        """
        ...

    def reliability(self, a: int, b: int, flow_ab: np.ndarray, flow_ba: np.ndarray, *,
                    boundary_weight: float = 0.0) -> np.ndarray:
        """Weights float32 (H, W) in frame b's geometry: where frame a warped by ``flow_ba``
        (frames ``a`` and ``b`` any distance apart, flows possibly chained) shows the same
        surface. Estimated flows: :func:`consistency_mask`; a renderer's exact flow can do
        better (its depth, :func:`depth_reliability`)."""
        ...


class OpenCVFlow:
    """Flow estimated by OpenCV on grayscale frames: DIS (default) or Farneback.

    ``preset`` only applies to DIS: ``"medium"`` (default), ``"fine"`` (medium down to the
    full-size pyramid level: 0.09 instead of 0.11 px mean error, 1.0 instead of 1.3 px at
    motion boundaries at 320 px, for ~2x medium's time), ``"fast"``, ``"ultrafast"``.
    ``edges="median"`` moves the flow's motion boundaries onto the frame's colour edges
    (:mod:`dreamvideo.motion.edges`; the style effect's default).
    ``upscale`` > 1 estimates on frames enlarged by that factor (bicubic) and scales the flow
    back: on a realistic camera clip at 320 px, 2 halves DIS's end-point error (0.19 -> 0.11 px
    mean, 0.25 -> 0.09 px at the 90th percentile; ``bench/bench_style.py``) for ~3.5x its time,
    but follows sensor noise more on a still shot (mean flow 0.054 instead of 0.036 px).
    """

    def __init__(self, method: str = "dis", *, preset: str = "medium",
                 upscale: float = 1.0, camera_snap: float = 0.0, edges: str = "off") -> None:
        method, preset = method.lower(), preset.lower()
        if method not in _METHODS:
            raise UserError(
                f"unknown optical flow method {method!r}; use one of {', '.join(_METHODS)}"
            )
        if preset not in _DIS_PRESETS:
            raise UserError(
                f"unknown DIS optical flow preset {preset!r}; use one of {', '.join(_DIS_PRESETS)}"
            )
        if not 1 <= upscale <= 4:
            raise UserError(f"optical flow upscale must be between 1 and 4, got {upscale:g}")
        self.method = method
        self.preset = preset
        self.upscale = float(upscale)
        self.camera_snap = float(camera_snap)  # px; see :mod:`dreamvideo.motion.camera`
        self.edges = edges  # "median" | "off"; see :mod:`dreamvideo.motion.edges`
        if edges == "median":
            from .edges import require

            require("style.flow_edges")
        self._dis = cv2.DISOpticalFlow_create(_DIS_PRESETS[preset]) if method == "dis" else None
        if preset == "fine" and self._dis is not None:
            self._dis.setFinestScale(0)

    def __repr__(self) -> str:
        return (f"OpenCVFlow({self.method!r}, preset={self.preset!r}, upscale={self.upscale:g}, "
                f"camera_snap={self.camera_snap:g}, edges={self.edges!r})")

    def flow_pair(self, index: int, frame_a: np.ndarray, frame_b: np.ndarray) -> FlowPair:
        """Forward flow a->b and backward flow b->a; ``index`` is unused."""
        if frame_a.shape[:2] != frame_b.shape[:2]:
            raise UserError(
                f"frame {index} is {_size(frame_a)} but frame {index + 1} is {_size(frame_b)}; "
                "all frames of a clip must have the same size"
            )
        gray_a, gray_b = self._enlarged(_gray_u8(frame_a)), self._enlarged(_gray_u8(frame_b))
        pair = (self._back(self._flow(gray_a, gray_b), frame_a),
                self._back(self._flow(gray_b, gray_a), frame_a))
        if self.edges == "median":
            from .edges import snap_to_edges

            pair = (snap_to_edges(pair[0], _rgb_u8(frame_a)), snap_to_edges(pair[1], _rgb_u8(frame_b)))
        if self.camera_snap > 0:
            from .camera import snap_to_camera

            pair = tuple(snap_to_camera(flow, self.camera_snap) for flow in pair)
        return pair

    def _enlarged(self, gray: np.ndarray) -> np.ndarray:
        if self.upscale == 1:
            return gray
        return cv2.resize(gray, None, fx=self.upscale, fy=self.upscale,
                          interpolation=cv2.INTER_CUBIC)

    def _back(self, flow: np.ndarray, frame: np.ndarray) -> np.ndarray:
        if self.upscale == 1:
            return flow
        return resize_flow(flow, (frame.shape[1], frame.shape[0]), interpolation=cv2.INTER_AREA)

    def _flow(self, gray_a: np.ndarray, gray_b: np.ndarray) -> np.ndarray:
        if self._dis is not None:
            flow = self._dis.calc(gray_a, gray_b, None)
        else:
            flow = cv2.calcOpticalFlowFarneback(
                gray_a, gray_b, None, pyr_scale=0.5, levels=4, winsize=15,
                iterations=3, poly_n=5, poly_sigma=1.1, flags=0,
            )
        return np.ascontiguousarray(flow, dtype=np.float32)

    def reliability(self, a: int, b: int, flow_ab: np.ndarray, flow_ba: np.ndarray, *,
                    boundary_weight: float = 0.0) -> np.ndarray:
        """:func:`consistency_mask` (``a`` and ``b`` are unused)."""
        return consistency_mask(flow_ab, flow_ba, boundary_weight=boundary_weight)


class PrecomputedFlow:
    """Flow looked up by frame index from a sequence of ``(fw, bw)`` pairs or a callable.

    ``source[index]`` / ``source(index)`` must give the forward flow index -> index+1 and the
    backward flow index+1 -> index, each (H, W, 2) in this module's convention (dx, dy in pixels,
    y pointing down). Used e.g. for Blender's Vector pass, converted by the add-on.
    """

    def __init__(self, source: Sequence[FlowPair] | Callable[[int], FlowPair]) -> None:
        self._source = source

    def flow_pair(self, index: int, frame_a: np.ndarray, frame_b: np.ndarray) -> FlowPair:
        """The stored pair for ``index`` as float32, checked against the frame size."""
        if callable(self._source):
            pair = self._source(index)
        elif 0 <= index < len(self._source):
            pair = self._source[index]
        else:
            raise UserError(
                f"no precomputed optical flow for frame {index} (have {len(self._source)} pairs)"
            )
        fw, bw = pair
        return (_checked_flow(fw, frame_a, index, "forward"),
                _checked_flow(bw, frame_a, index, "backward"))

    def reliability(self, a: int, b: int, flow_ab: np.ndarray, flow_ba: np.ndarray, *,
                    boundary_weight: float = 0.0) -> np.ndarray:
        """:func:`consistency_mask` (``a`` and ``b`` are unused)."""
        return consistency_mask(flow_ab, flow_ba, boundary_weight=boundary_weight)


def warp(image: np.ndarray, flow: np.ndarray, *, border: Border = "replicate",
         interpolation: Literal["linear", "cubic", "lanczos"] = "linear") -> np.ndarray:
    """Backward-warp ``image`` by ``flow``: ``out[y, x] = image[y + flow[y,x,1], x + flow[y,x,0]]``.

    Bilinear (``cv2.remap``; sub-pixel positions are quantised to 1/32 px), bicubic, which
    blurs less at sub-pixel shifts, or Lanczos (8x8), which blurs least (both may overshoot the
    input's range). To bring frame t
    into frame t+1's geometry pass the backward flow (t+1 -> t). ``image`` is (H, W) or
    (H, W, C) with any C, dtype uint8, uint16, float32 or float64 (result has the same dtype and
    shape); bool masks are warped as float32 and returned as float32 in [0, 1].
    Sources outside the image follow ``border``: ``"replicate"`` (default, nearest edge pixel),
    ``"constant"`` (0) or ``"reflect"``; use :func:`source_inside` to know which pixels those are.
    """
    _check_flow(flow, image.shape[:2])
    if border not in _BORDERS:
        raise ValueError(f"unknown border {border!r}; use one of {', '.join(_BORDERS)}")
    src = image.astype(np.float32) if image.dtype == np.bool_ else image
    map_x, map_y = _sample_maps(flow)

    def remap(channels: np.ndarray) -> np.ndarray:
        out = cv2.remap(np.ascontiguousarray(channels), map_x, map_y,
                        _INTERPOLATIONS[interpolation],
                        borderMode=_BORDERS[border], borderValue=0)
        return out.reshape(channels.shape)

    if src.ndim == 3 and src.shape[2] > 4:  # cv2 mishandles very many channels: 4 at a time
        return np.concatenate([remap(src[..., i:i + 4]) for i in range(0, src.shape[2], 4)], axis=2)
    return remap(src)


def resize_flow(flow: np.ndarray, size: tuple[int, int], *,
                interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """A flow field resized to ``size`` (width, height), its vectors scaled with it; float32."""
    flow = np.asarray(flow, np.float32)
    if flow.shape[1::-1] == tuple(size):
        return np.ascontiguousarray(flow)
    ratio = np.array([size[0] / flow.shape[1], size[1] / flow.shape[0]], np.float32)
    return np.ascontiguousarray(cv2.resize(flow, tuple(size), interpolation=interpolation) * ratio)


def source_inside(flow: np.ndarray) -> np.ndarray:
    """Bool (H, W): True where ``x + flow(x)`` lies inside the image (sample needs no border)."""
    _check_flow(flow, flow.shape[:2])
    map_x, map_y = _sample_maps(flow)
    h, w = flow.shape[:2]
    return (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)


def consistency_mask(
    flow_fw: np.ndarray, flow_bw: np.ndarray, *, mark_outside: bool = True,
    boundary_weight: float = 0.0,
) -> np.ndarray:
    """Reliability weights float32 (H, W) in [0, 1], in the geometry of frame t+1.

    ``flow_fw`` is t -> t+1 and ``flow_bw`` is t+1 -> t. Following Ruder et al. (2016), with
    ``w~ = warp(flow_fw, flow_bw)`` (forward flow brought into t+1), a pixel gets 0 where
      - the forward/backward check fails (disocclusion):
        ``|w~ + w_bw|^2 > 0.01 (|w~|^2 + |w_bw|^2) + 0.5``,
      - it lies on a motion boundary: ``|grad u_bw|^2 + |grad v_bw|^2 > 0.01 |w_bw|^2 + 0.002``
        (central differences), the gradient taken **relative to its median over the image**:
        Ruder's test on the raw gradient marks the centre of any camera roll of 2 degrees per
        frame or more as a boundary (a rotation's gradient is that large everywhere, and the
        flow is ~0 at its centre), while a camera's pan, zoom or roll has one constant
        gradient (its Jacobian) that the median recovers,
      - and, if ``mark_outside``, its source ``x + w_bw(x)`` falls outside frame t;
    1 elsewhere. Pixels that fail only the boundary test get ``boundary_weight`` instead of 0
    (their flow is off by about half a pixel, not their match: the object's edge smeared).
    """
    _check_flow(flow_bw, flow_fw.shape[:2])
    _check_flow(flow_fw, flow_bw.shape[:2])
    bw = flow_bw.astype(np.float32, copy=False)
    fw_warped = warp(flow_fw.astype(np.float32, copy=False), bw)
    bw_sq = _sq_norm(bw)
    disoccluded = _sq_norm(fw_warped + bw) > 0.01 * (_sq_norm(fw_warped) + bw_sq) + 0.5
    boundary = _boundary_strength(bw) > 0.01 * bw_sq + 0.002
    unmatched = disoccluded | ~source_inside(bw) if mark_outside else disoccluded
    weights = np.where(boundary, np.float32(boundary_weight), np.float32(1))
    return np.where(unmatched, np.float32(0), weights).astype(np.float32)


def depth_reliability(flow_ab: np.ndarray, flow_ba: np.ndarray, depth_a: np.ndarray,
                      depth_b: np.ndarray, *, depth_tolerance: float = 0.05,
                      flow_tolerance: float = 0.25) -> np.ndarray:
    """Reliability float32 (H, W) in {0, 1}, frame b's geometry, from **exact** flows (a
    renderer's motion vectors) and depth: 0 where the surface seen at a pixel of b is hidden in
    frame a, or its source falls outside frame a; 1 elsewhere, motion boundaries included (an
    exact flow is as right at an object's edge as inside it, so :func:`consistency_mask`'s
    boundary test, made for estimated flows, would only drop good pixels).

    Hidden means either: what frame a shows at the source ``x + flow_ba(x)`` is nearer than
    this pixel by more than ``depth_tolerance`` (relative; the point's own depth changes a
    little between the frames), or the forward and backward motion disagree there by more than
    ``flow_tolerance`` px plus 1 % of the motion (another surface, moving otherwise, covers it:
    an occluder at nearly the same depth). Depths are distances from the camera (> 0; the world
    background may be huge)."""
    _check_flow(flow_ba, flow_ab.shape[:2])
    _check_flow(flow_ab, flow_ba.shape[:2])
    bw = flow_ba.astype(np.float32, copy=False)
    near = warp(np.asarray(depth_a, np.float32), bw)
    nearer = near < np.asarray(depth_b, np.float32) * (1.0 - depth_tolerance)
    fw_warped = warp(flow_ab.astype(np.float32, copy=False), bw)
    mismatch = np.sqrt(_sq_norm(fw_warped + bw)) > flow_tolerance + 0.01 * np.sqrt(_sq_norm(bw))
    hidden = nearer | mismatch | ~source_inside(bw)
    return np.where(hidden, np.float32(0), np.float32(1)).astype(np.float32)


def footprint_reliability(flow_ab: np.ndarray, flow_ba: np.ndarray, reach: int) -> np.ndarray:
    """Reliability float32 (H, W) in {0, 1}, frame b's geometry: 0 where the pixels frame a's
    warp reads for a pixel (its interpolation footprint, ``reach`` px each side of the sample
    point) do not all move with it. :func:`consistency_mask` checks the sample point only; a
    Lanczos warp beside a disocclusion also reads the moving object a few pixels away (its edge
    ringing, 20 levels at 1 px, 8 at 2, 3 at 3 for a 170-level edge), which the mask then keeps
    as background (and ``temporal_fine_weight`` holds as a wake of stripes). Tolerance as
    :func:`consistency_mask`'s: ``0.5 + 1 %`` of the motion, squared."""
    _check_flow(flow_ba, flow_ab.shape[:2])
    _check_flow(flow_ab, flow_ba.shape[:2])
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    fw = flow_ab.astype(np.float32, copy=False)
    bw = flow_ba.astype(np.float32, copy=False)
    low, high = (warp(extreme(fw, kernel), bw) for extreme in (cv2.erode, cv2.dilate))
    spread = np.maximum(np.abs(low + bw), np.abs(high + bw))  # the worst component either way
    inconsistent = _sq_norm(spread) > 0.01 * (2 * _sq_norm(bw)) + 0.5
    return np.where(inconsistent, np.float32(0), np.float32(1)).astype(np.float32)


def chain_flows(flow_ab: np.ndarray, flow_bc: np.ndarray) -> np.ndarray:
    """Compose a->b and b->c into a->c: ``flow_ac(x) = flow_ab(x) + flow_bc(x + flow_ab(x))``.

    For long-term consistency with backward flows: ``flow_20 = chain_flows(flow_21, flow_10)``,
    so that ``warp(frame_0, flow_20)`` brings frame 0 into frame 2's geometry. Where the path
    leaves frame b, ``flow_bc`` is replicated from the edge (check with :func:`source_inside`).
    """
    _check_flow(flow_bc, flow_ab.shape[:2])
    ab = flow_ab.astype(np.float32, copy=False)
    return ab + warp(flow_bc.astype(np.float32, copy=False), ab)


def long_term_weights(masks: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Ruder et al.'s long-term weights from consistency masks ordered nearest frame first.

    ``c_long[j] = max(c[j] - sum(c[k] for k < j), 0)``: each pixel is constrained only by the
    closest previous frame in which it was reliable.
    """
    weights, covered = [], None
    for mask in masks:
        m = np.asarray(mask, dtype=np.float32)
        weights.append(m if covered is None else np.maximum(m - covered, 0.0))
        covered = m.copy() if covered is None else covered + m
    return weights


def warping_error(
    out_a: np.ndarray, out_b: np.ndarray, flow_ba: np.ndarray, mask: np.ndarray | None = None
) -> float:
    """Temporal warping error of Lai et al. (2018) between consecutive outputs.

    Mask-weighted mean over pixels and channels of ``(out_b - warp(out_a, flow_ba))^2`` with
    images scaled to [0, 1] (inputs uint8, or float in [0, 255]). ``flow_ba`` is the backward
    flow b -> a; ``mask`` (H, W) weights pixels in b's geometry, e.g. :func:`consistency_mask`
    (None = all pixels). Returns 0.0 when the mask is empty.
    """
    if out_a.shape != out_b.shape:
        raise ValueError(f"outputs differ in shape: {out_a.shape} vs {out_b.shape}")
    warped = warp(np.asarray(out_a, dtype=np.float32), flow_ba) / 255.0
    diff = np.asarray(out_b, dtype=np.float32) / 255.0 - warped
    sq = diff**2 if diff.ndim == 2 else np.mean(diff**2, axis=2)
    weights = np.ones(sq.shape, np.float32) if mask is None else np.asarray(mask, dtype=np.float32)
    if weights.shape != sq.shape:
        raise ValueError(f"mask shape {weights.shape} does not match image shape {sq.shape}")
    total = float(weights.sum(dtype=np.float64))
    return float((weights * sq).sum(dtype=np.float64) / total) if total > 0 else 0.0


def _sample_maps(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = flow.shape[:2]
    map_x = np.arange(w, dtype=np.float32)[None, :] + flow[..., 0].astype(np.float32, copy=False)
    map_y = np.arange(h, dtype=np.float32)[:, None] + flow[..., 1].astype(np.float32, copy=False)
    return map_x, map_y


def _boundary_strength(flow: np.ndarray) -> np.ndarray:
    """``|grad u|^2 + |grad v|^2`` of the flow minus the camera's part: the gradient's median
    over the image (the Jacobian of a global pan, zoom or roll, which the moving objects,
    a minority of pixels, do not shift). Zero on a camera-only motion, large where objects
    move (including the smooth ramps an estimator draws around them)."""
    grads = np.concatenate(np.gradient(flow, axis=(0, 1)), axis=2)  # du/dy dv/dy du/dx dv/dx
    return np.sum((grads - np.median(grads, axis=(0, 1))) ** 2, axis=2)


def _sq_norm(vectors: np.ndarray) -> np.ndarray:
    return vectors[..., 0] ** 2 + vectors[..., 1] ** 2


def _check_flow(flow: np.ndarray, hw: tuple[int, ...]) -> None:
    if flow.ndim != 3 or flow.shape[2] != 2 or flow.shape[:2] != tuple(hw):
        raise ValueError(f"flow must have shape {(*hw, 2)}, got {flow.shape}")


def _checked_flow(flow, frame: np.ndarray, index: int, name: str) -> np.ndarray:
    flow = np.asarray(flow, dtype=np.float32)
    h, w = frame.shape[:2]
    if flow.shape != (h, w, 2):
        raise UserError(
            f"precomputed {name} flow for frame {index} has shape {flow.shape}, "
            f"expected {(h, w, 2)}"
        )
    return flow


def _gray_u8(frame: np.ndarray) -> np.ndarray:
    if frame.dtype != np.uint8:
        frame = to_uint8(frame)
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[..., 0]
    if frame.ndim == 3 and frame.shape[2] in (3, 4):
        return cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2GRAY)
    raise UserError(f"expected an RGB or grayscale frame, got an array of shape {frame.shape}")


def _rgb_u8(frame: np.ndarray) -> np.ndarray:
    frame = frame if frame.dtype == np.uint8 else to_uint8(frame)
    return frame[..., :3] if frame.ndim == 3 else frame


def _size(frame: np.ndarray) -> str:
    return f"{frame.shape[1]}x{frame.shape[0]}"
