"""`style:` Gatys style transfer (optimised or by a trained network) and its video coherence."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, Field, model_validator

from .values import Animatable, PresetPath, Section

NETWORK_TEMPORAL_WEIGHT = 25.0  # style.method: network's default blend weight (a fifth)


class StyleImage(Section):
    path: PresetPath
    weight: float = Field(default=1.0, gt=0, description="blend weight; Gram targets are the weighted mean")


class StyleLayer(Section):
    layer: str
    weight: float = Field(default=1.0, ge=0, description="share of this layer in the style loss")


class IterationsConfig(Section):
    first: int = Field(default=300, ge=1, description="frames optimised from scratch (content or noise)")
    next: int = Field(default=100, ge=1, description="frames that start from the warped previous output")


def _long_term_offsets(offsets: list[int]) -> list[int]:
    if len(set(offsets)) != len(offsets):
        raise ValueError("long_term offsets must be distinct")
    return sorted(offsets)


class StyleConfig(Section):
    """`effect: style` and `dreamvideo stylize`: Gatys style transfer, made coherent with flow.

    Losses are normalised (content and style as relative feature/Gram errors, tv and temporal on
    pixels scaled to [0, 1]) so the weights below do not depend on frame size.
    """

    images: list[Union[PresetPath, StyleImage]] = Field(default_factory=list)
    content_weight: Animatable = 1.0
    style_weight: Animatable = 10.0
    tv_weight: Animatable = 1.0
    temporal_weight: Animatable = Field(default=200.0, description="0 turns temporal coherence "
                                        "off; default 200 (optimize), 25 (network)")
    temporal_fine_weight: Animatable = Field(
        default=1000.0, description="optimize: a second temporal weight on the fine band "
        "of the change only (detail above ~0.2 cycles/px): holds the painting's grain where "
        "the previous frame is carried, so it is not re-made each frame (a speckle field); 0 = off")
    temporal_momentum: float = Field(
        default=0.9, ge=0, lt=1, description="optimize: the previous frame's change along the "
        "flow is carried on into the next frame's start and temporal target at this share "
        "(the painting keeps evolving the way it was evolving): a held painting restores the "
        "style's fine detail that a zoom or roll takes away, instead of settling softer "
        "(sharpness kept 0.98 after 100 frames, 0.73 at 0); 0 = off (a locked-off noisy shot)")
    reveal_frames: int = Field(
        default=8, ge=0, le=8, description="optimize: pixels revealed within the last N frames "
        "(by the camera at the frame's edge, or behind a moving object) are held by the temporal "
        "terms at (frames since revealed) / N only, so they go on being painted for N frames "
        "instead of keeping the few iterations of the frame that revealed them (a soft band along "
        "a pan's entering edge); 0 = off")
    reveal_start: Literal["content", "painted"] = Field(
        default="painted", description="optimize: what a pixel the camera brings into view at the "
        "frame's edge starts from: the content frame, or a quick independent painting of the frame "
        "at a quarter of its size (+7 % a 1080p following frame's time: the strip a pan brings in "
        "is painted to the frame's edge instead of a soft band)")
    content_layers: list[str] = Field(default_factory=lambda: ["block4_conv2"], min_length=1)
    style_layers: list[Union[str, StyleLayer]] = Field(
        default_factory=lambda: ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
                                 "block5_conv1"], min_length=1)
    init: Literal["content", "noise", "warped"] = "warped"
    iterations: IterationsConfig = IterationsConfig()
    optimizer: Literal["lbfgs", "adam"] = "lbfgs"
    learning_rate: float = Field(default=4.0, gt=0, le=255, description="Adam step, in pixel levels")
    tolerance: float = Field(default=1e-3, ge=0, description="stop when the loss falls by less than "
                             "this fraction per iteration (after at least 10 iterations)")
    scale: float = Field(default=1.0, gt=0, le=8, description="style image seen with its long side "
                         "at scale x 512 px of the output, whatever the frame or style file size")
    preserve_colors: bool = Field(default=False, description="transfer luminance only (keep the "
                                  "content's chroma)")
    flow: Literal["dis", "farneback"] = "dis"
    flow_upscale: float = Field(default=2.0, ge=1, le=4, description="estimate optical flow on "
                                "frames enlarged by this factor (sub-pixel accuracy)")
    flow_preset: Literal["fine", "medium", "fast", "ultrafast"] = Field(
        default="fine", description="DIS quality: fine = medium down to full size (sharper "
        "motion boundaries, ~2x medium's time), fast and ultrafast for long 1080p shots")
    flow_edges: Literal["median", "off"] = Field(
        default="median", description="median: move the flow's motion boundaries onto the "
        "frame's edges (a weighted median guided by the frame; needs opencv-contrib), so the "
        "mask keeps, and the warm start holds, the pixels around moving objects; off = as DIS "
        "gives it")
    flow_camera_snap: float = Field(default=0.5, ge=0, le=2, description="px: where the "
                                    "estimated flow is this close to the camera's own motion "
                                    "(one homography fitted to the frame), use the camera's; 0 = "
                                    "off (default 0.5: the fine preset follows sensor noise)")
    boundary_weight: float = Field(default=0.0, ge=0, le=1, description="mask weight (temporal "
                                   "loss and warped start) of pixels that only the motion-boundary "
                                   "test marks unreliable; 0 = restyle them from the content")
    warp_interpolation: Literal["linear", "cubic", "lanczos"] = Field(
        default="lanczos", description="how earlier outputs are resampled along the flow (every "
        "warm start resamples the painting, and its blur adds up over frames)")
    band_limit: float = Field(default=0.4, ge=0.25, le=0.5, description="finest detail the "
                              "painting holds, cycles per pixel (0.5 = all): detail finer than a "
                              "sub-pixel warp carries is re-made every frame (shimmer) or fades "
                              "(the clip softens); a low-pass halves this frequency in every frame")
    blend_detail: bool = Field(default=True, description="method network: give the flow blend's "
                               "fine detail back the contrast the network's own frame has (a blend "
                               "of strokes that do not line up is paler than either)")
    long_term: Annotated[list[Annotated[int, Field(ge=2, le=32)]], AfterValidator(_long_term_offsets)] = \
        Field(default_factory=list, description="earlier frames (offsets, e.g. [2, 4]) that also "
              "constrain each frame; the previous frame always does")
    resolutions: int = Field(default=1, ge=1, le=4, description="pyramid levels, coarse (1/2 per "
                             "level) to full size, for frames optimised from scratch")
    passes: int = Field(default=1, ge=1, le=16, description="multi-pass (Ruder et al. 2016): "
                        "alternate forward and backward passes over the clip; 1 = one forward pass")
    pass_blend: float = Field(default=0.5, ge=0, le=1, description="share of the warped neighbour "
                              "in the start image of a frame in a later pass (Ruder's delta)")
    method: Literal["optimize", "network"] = Field(
        default="optimize", description="optimize each frame (Gatys), or run a style network made "
        "by `dreamvideo train-style` (style.network)")
    network: PresetPath | None = Field(default=None, description="the .keras file of "
                                       "`dreamvideo train-style`, for method: network")

    @model_validator(mode="before")
    @classmethod
    def _temporal_default(cls, data: Any) -> Any:
        """The two methods use ``temporal_weight`` differently: the optimiser's temporal loss
        holds flicker to 0.07x the independent render's and noise to 0.56x at 200 (50: 0.10x,
        0.79x; bench/bench_style.py), the network's blend keeps a fifth of the previous frame
        at 25 (its default: a third at 50 softened the strokes, style loss 2.1x instead of 1.7x the
        optimised frames' over 12 frames; bench/bench_fast_style.py)."""
        if isinstance(data, dict) and "temporal_weight" not in data and data.get("method") == "network":
            return {**data, "temporal_weight": NETWORK_TEMPORAL_WEIGHT}
        return data

    @model_validator(mode="after")
    def _network_given(self):
        if self.method == "network" and self.network is None:
            raise ValueError("method 'network' needs network: PATH.keras (made by "
                             "`dreamvideo train-style`)")
        return self
