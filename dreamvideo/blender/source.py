"""Frames, optical flow and object masks from a Blender render (multi-part EXR per frame).

``source: blender:`` in a preset reads the EXR sequence the add-on rendered: Combined converted
to what the user saw in Blender (:mod:`dreamvideo.videoio.colour`), the Vector pass as exact optical
flow, the Object Index pass as soft masks, Depth for occlusions.

Blender's Vector pass (Cycles; checked on Blender 5.0, proven by ``tests/test_blender.py``)
------------------------------------------------------------------------------------------
Four channels per pixel, in pixels of the rendered image, **y pointing up** (Blender's image
origin is the bottom-left corner, while our arrays and flows have y pointing down):

* ``X, Y`` = position of this surface point in the **previous** frame minus its position now
  (a motion vector pointing back to frame t-1);
* ``Z, W`` = position now minus its position in the **next** frame (the *negated* motion to
  frame t+1; note the sign).

So, in this project's convention (dx, dy, y down, ``flow_ab[y, x]`` = displacement of pixel
(x, y) of frame a into frame b)::

    flow_fw (t -> t+1) = (-Z_t, +W_t)        from frame t's Vector pass
    flow_bw (t+1 -> t) = (+X_t+1, -Y_t+1)    from frame t+1's Vector pass

``warp(frame_t, flow_bw)`` reproduces frame t+1 (``dreamvideo.motion.flow.warp`` is a backward warp).
The pass is only written without motion blur; the first frame's ``X, Y`` and the last frame's
``Z, W`` point outside the rendered range and are not used. Background (world) pixels carry the
camera motion.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Generator
from pathlib import Path

import cv2
import numpy as np

from ..config.media import BlenderSourceConfig
from ..errors import UserError
from ..motion.flow import depth_reliability, resize_flow
from ..videoio import SourceOffers, list_frame_files
from ..videoio.colour import DisplayTransform
from ..videoio.exr import read_passes, require_pass


class BlenderSource:
    """A Blender EXR sequence as frames, exact flow and masks.

    ``size`` (width, height) resizes everything (flow vectors are scaled with the image); None
    keeps the rendered size. Passes of the two most recent files are cached.
    """

    def __init__(self, config: BlenderSourceConfig | dict, size: tuple[int, int] | None = None) -> None:
        self.config = config if isinstance(config, BlenderSourceConfig) else \
            BlenderSourceConfig.model_validate(config)
        self.files = list_exr_files(self.config.frames)
        self.frame_count: int = len(self.files)
        self.fps: float | None = self.config.fps
        self._cache: OrderedDict[int, dict[str, np.ndarray]] = OrderedDict()
        height, width = self._passes(0)["Combined"].shape[:2]
        self.render_size = (width, height)
        self.size: tuple[int, int] = self.render_size if size is None else (int(size[0]), int(size[1]))
        c = self.config
        self.display = DisplayTransform(c.view_transform, c.look, c.exposure, c.gamma, c.display,
                                        c.ocio_config)
        self.offers = SourceOffers(files=tuple(self.files), masks=c.mask is not None,
                                   to_linear=self.display.to_linear, exact_flow=c.flow == "vector",
                                   flow_method=None if c.flow == "vector" else c.flow)

    def __repr__(self) -> str:
        return f"BlenderSource({self.config.frames!r}, {self.frame_count} frames, size={self.size})"

    # ----- frames

    def frames(self, start: int = 0) -> Generator[np.ndarray, None, None]:
        """Display-referred uint8 RGB frames from index ``start`` on."""
        for index in range(start, self.frame_count):
            yield self.frame(index)

    def frame(self, index: int) -> np.ndarray:
        return self._resize(self.display.to_display(self._pass(index, "Combined")), cv2.INTER_AREA)

    def linear(self, index: int) -> np.ndarray:
        """Scene-linear float32 RGB (H, W, 3) of frame ``index`` (for EXR output)."""
        return self._resize(self._pass(index, "Combined")[..., :3], cv2.INTER_AREA)

    # ----- flow

    def flow_pair(self, index: int, frame_a: np.ndarray | None = None,
                  frame_b: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Forward flow index -> index+1 and backward flow index+1 -> index from the Vector pass
        (the frames are not needed; they only have to match ``size``)."""
        if not 0 <= index < self.frame_count - 1:
            raise UserError(f"no flow after frame {index}: the render has {self.frame_count} frames")
        vec_a = self._pass(index, "Vector")
        vec_b = self._pass(index + 1, "Vector")
        flow_fw = np.stack([-vec_a[..., 2], vec_a[..., 3]], axis=-1)
        flow_bw = np.stack([vec_b[..., 0], -vec_b[..., 1]], axis=-1)
        fw, bw = self._resize_flow(flow_fw), self._resize_flow(flow_bw)
        for frame in (frame_a, frame_b):
            if frame is not None and frame.shape[:2] != fw.shape[:2]:
                raise UserError(f"frame of shape {frame.shape[:2]} does not match the Blender "
                                f"render's flow of shape {fw.shape[:2]}")
        return fw, bw

    def reliability(self, a: int, b: int, flow_ab: np.ndarray, flow_ba: np.ndarray, *,
                    boundary_weight: float = 0.0) -> np.ndarray:
        """Float32 (H, W) in {0, 1}, geometry of frame ``b``: 1 where frame ``a`` warped by
        ``flow_ba`` shows the same surface, from the Depth pass and the Vector pass's own
        forward/backward agreement (:func:`dreamvideo.motion.flow.depth_reliability`): disocclusions
        marked, motion boundaries kept (the Vector pass is exact there; ``boundary_weight``, a
        setting for estimated flows, does not apply). With ``flow: dis | farneback`` the
        source is not the flow provider and this is not used."""
        return depth_reliability(flow_ab, flow_ba, self.depth(a), self.depth(b))

    def depth(self, index: int) -> np.ndarray:
        """Float32 (H, W): the Depth pass of frame ``index`` at ``size`` (nearest, so an
        object's edge does not blend with what lies behind it)."""
        return self._resize(self._pass(index, "Depth"), cv2.INTER_NEAREST)

    # ----- masks

    def mask(self, index: int) -> np.ndarray:
        """Float32 (H, W) in [0, 1]: 1 on the configured objects, soft over ``feather_px``."""
        if self.config.mask is None:
            return np.ones(self.size[::-1], np.float32)
        return object_mask(self._pass(index, "Object Index"), self.config.mask.object_indices,
                           feather_px=self.config.mask.feather_px, invert=self.config.mask.invert,
                           size=self.size)

    # ----- internals

    def _pass(self, index: int, name: str) -> np.ndarray:
        return require_pass(self._passes(index), name, self.files[index])

    def _passes(self, index: int) -> dict[str, np.ndarray]:
        if not 0 <= index < self.frame_count:
            raise IndexError(f"frame {index} out of range 0..{self.frame_count - 1}")
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        passes = self._cache[index] = read_passes(self.files[index], layer=self.config.layer)
        while len(self._cache) > 2:
            self._cache.popitem(last=False)
        return passes

    def _resize(self, image: np.ndarray, interpolation: int) -> np.ndarray:
        if self.size == self.render_size:
            return image
        return cv2.resize(image, self.size, interpolation=interpolation)

    def _resize_flow(self, flow: np.ndarray) -> np.ndarray:
        return resize_flow(flow, self.size)


def object_mask(object_index: np.ndarray, indices: list[int], *, feather_px: float = 2.0,
                invert: bool = False, size: tuple[int, int] | None = None) -> np.ndarray:
    """Soft mask float32 (H, W) of the pixels whose Object Index is one of ``indices``.

    The hard mask is blurred with a Gaussian of sigma ``feather_px / 2`` (the edge ramps over
    about ``feather_px`` pixels on each side); ``feather_px=0`` keeps it hard.
    """
    hard = np.isin(np.rint(object_index).astype(np.int32), list(indices)).astype(np.float32)
    if invert:
        hard = 1.0 - hard
    if size is not None and (hard.shape[1], hard.shape[0]) != tuple(size):
        hard = cv2.resize(hard, tuple(size), interpolation=cv2.INTER_AREA)
    if feather_px > 0:
        hard = cv2.GaussianBlur(hard, (0, 0), sigmaX=feather_px / 2.0, borderType=cv2.BORDER_REPLICATE)
    return np.clip(hard, 0.0, 1.0).astype(np.float32)


def list_exr_files(spec: str) -> list[Path]:
    """EXR files of a folder, glob or printf pattern, in natural (frame number) order."""
    files = list_frame_files(spec, (".exr",))
    if files is None:
        raise UserError(f"Blender frames {spec!r}: not a folder, an EXR file, or a pattern like "
                        "renders/*.exr or renders/frame_%04d.exr")
    if not files:
        raise UserError(f"no EXR files found for Blender frames {spec!r}; render the animation first")
    return files
