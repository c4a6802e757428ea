"""`dream:` (the objective and its steps), `zoom:` (the camera and what keeps a long zoom
steady) and `video:` (dreaming a video)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .values import Animatable, PresetPath, Section, _unit_interval


class NeuronConfig(Section):
    channel: int = Field(ge=0)
    x: float = Field(default=0.5, ge=0, le=1, description="fraction of the frame width")
    y: float = Field(default=0.5, ge=0, le=1, description="fraction of the frame height")


class ObjectiveTerm(Section):
    """One term: a layer's mean activation, or one channel, one neuron, a guide image, a class."""

    layer: str | None = None
    channel: int | None = Field(default=None, ge=0)
    neuron: NeuronConfig | None = None
    guide: PresetPath | None = None
    class_index: int | None = Field(default=None, ge=0)
    weight: float = 1.0

    @model_validator(mode="after")
    def _needs_layer(self):
        if self.class_index is None and self.layer is None:
            raise ValueError("needs a layer (or class_index)")
        picked = [n for n in ("channel", "neuron", "guide", "class_index") if getattr(self, n) is not None]
        if len(picked) > 1:
            raise ValueError(f"combine {' and '.join(picked)} as separate terms")
        return self


class DreamConfig(Section):
    objective: list[ObjectiveTerm] = Field(default_factory=lambda: [ObjectiveTerm(layer="block4_conv2")],
                                           min_length=1)
    steps: int = Field(default=10, ge=0, le=10000)
    first_frame_steps: int | None = Field(default=None, ge=0, le=10000,
                                          description="steps for the first frame (default: steps)")
    step_size: Animatable = 1.5
    octaves: int = Field(default=1, ge=1, le=12)
    octave_scale: float = Field(default=1.4, gt=1, le=4)
    normalize: Literal["std", "laplacian", "none"] = "laplacian"
    laplacian_levels: int = Field(default=4, ge=1, le=8)
    decay: float = Field(default=0.0, ge=0, lt=1, description="pull toward mid-grey per step")
    blur_sigma: float = Field(default=0.0, ge=0, le=20)
    blur_every: int = Field(default=1, ge=1)
    blur_target: Literal["gradient", "image"] = "gradient"
    grad_clip_percentile: float | None = Field(default=None, gt=0, le=100)
    clip_pixels: bool = True
    tile_size: int = Field(default=1024, ge=32, le=8192)
    jitter: int = Field(default=32, ge=0, le=1024)
    views: Literal["auto", "rotate", "flip", "none"] = Field(
        default="auto", description="each step the network sees the frame turned (any angle) and "
        "mirrored at random, so no orientation wins (flip: quarter turns and mirrors only; none: as "
        "is; auto: rotate, but none for effect: dream, where the carried dream would flicker)")
    colour_decorrelate: Annotated[Animatable, AfterValidator(_unit_interval)] = Field(
        default=0.0, description="step along natural colour directions (ImageNet's "
        "colour covariance to this power, as in lucid): 0 plain RGB steps, 1 colour-opponent steps "
        "~13-55x smaller than light")
    design_width: int | None = Field(
        default=None, ge=32, le=8192, description="frame width (px) the look was designed at: a "
        "larger output dreams its structure at this width and refines it up to full size, so it "
        "shows the same picture as a render at this width (None: dream at the output size)")
    refine_steps: int = Field(
        default=2, ge=0, le=100, description="dream steps at each octave above design_width "
        "(factor 2 apart, up to the output size) per dreamt frame of a larger output whose camera "
        "zooms 2.9 %/frame (an octave of scale in 24 frames); in proportion to the camera's rate "
        "otherwise (x2 at 6 %/frame, every third frame at 1 %), so the fine detail neither piles "
        "up nor thins out")


class ZoomConfig(Section):
    scale: Animatable = 1.02
    rotate: Animatable = 0.0
    pan: tuple[Animatable, Animatable] = (0.0, 0.0)
    center: tuple[Animatable, Animatable] = (0.5, 0.5)
    source_blend: Animatable = 0.0
    # What keeps a long zoom steady (dreamvideo/zoom/stationary.py); 0 turns each off.
    flatten: float = Field(default=0.2, ge=0, le=1, description="share of the structure larger "
                           "than flatten_sigma removed per frame")
    flatten_sigma: float = Field(default=12.0, gt=0, le=512, description="px")
    detail: float = Field(default=4.0, ge=0, le=64, description="fine noise re-injected per frame, "
                          "RMS levels")
    spectrum_match: float = Field(default=0.5, ge=0, le=1, description="pull the structure of "
                                  "each octave of scale toward the opening frame's per frame")
    colour_match: float = Field(default=0.25, ge=0, le=1, description="pull toward the opening frame's "
                                "colour mean and spread per frame")
    soft_range: float = Field(default=24.0, ge=0, le=64, description="levels of smooth roll-off "
                              "before 0 and 255 (0: hard clip)")
    border: Literal["dream", "reflect"] = Field(default="dream", description="zoom out: what fills "
                                                "the entering border before it is dreamt")
    border_steps: int = Field(default=4, ge=0, le=1000, description="extra dream steps on the "
                              "entering border (zoom out)")
    cadence: int = Field(default=1, ge=1, le=32, description="dream every N-th frame (the "
                         "keyframes); the frames between come from the two keyframes moved along "
                         "the camera path and cross-faded")


class DreamVideoConfig(Section):
    """`effect: dream`: carry-over of the flow-warped previous dream."""

    blend: Annotated[Animatable, AfterValidator(_unit_interval)] = Field(
        default=0.5, description="share of the new input frame in the start image, 0..1")
    flow: Literal["dis", "farneback"] = "dis"
