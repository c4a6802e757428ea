"""Presets: YAML files parsed into typed, validated, frozen configuration objects.

Errors name the key path and what is allowed (``output.fps: must be > 0, got -3``). Relative
paths resolve against the preset file's folder. ``--set key.path=value`` overrides are applied to
the raw YAML before validation, so they are validated the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo,
                      field_validator, model_validator)

from .blender_source import BlenderSourceConfig
from .errors import UserError


def _resolve(path: Path, info: ValidationInfo) -> Path:
    base = (info.context or {}).get("base_dir")
    path = path.expanduser()
    return path if path.is_absolute() or base is None else (Path(base) / path).resolve()


PresetPath = Annotated[Path, AfterValidator(_resolve)]


def _resolve_spec(spec: str, info: ValidationInfo) -> str:
    """A folder, glob or ``%05d`` pattern, relative to the preset's folder like any path."""
    return str(_resolve(Path(spec), info))


PresetSpec = Annotated[str, AfterValidator(_resolve_spec)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----- animatable values ---------------------------------------------------------------------

class Keyframe(Section):
    frame: int = Field(ge=0)
    value: float
    ease: Literal["linear", "ease", "hold"] = "linear"


def _sorted_keys(keys: list[Keyframe]) -> list[Keyframe]:
    if not keys:
        raise ValueError("needs at least one keyframe")
    frames = [key.frame for key in keys]
    if len(set(frames)) != len(frames):
        raise ValueError("keyframes must have distinct frames")
    return sorted(keys, key=lambda key: key.frame)


Keyframes = Annotated[list[Keyframe], AfterValidator(_sorted_keys)]
Animatable = Union[float, Keyframes]


def value_at(value: Animatable, frame: float) -> float:
    """Value of a constant or keyframed setting at ``frame``; each key's ``ease`` shapes the
    segment that starts at it (linear, smoothstep ease in/out, or hold)."""
    if not isinstance(value, list):
        return float(value)
    if frame <= value[0].frame:
        return value[0].value
    for key, nxt in zip(value, value[1:]):
        if frame < nxt.frame:
            t = (frame - key.frame) / (nxt.frame - key.frame)
            if key.ease == "hold":
                t = 0.0
            elif key.ease == "ease":
                t = t * t * (3 - 2 * t)
            return key.value + (nxt.value - key.value) * t
    return value[-1].value


def peak_of(value: Animatable) -> float:
    """The largest magnitude a constant or keyframed setting takes (eases stay between keys)."""
    return abs(float(value)) if not isinstance(value, list) else max(abs(k.value) for k in value)


# ----- sections ------------------------------------------------------------------------------

class NoiseSourceConfig(Section):
    seed: int = 0


class SourceConfig(Section):
    """Exactly one of: image, noise, video, sequence, blender."""

    image: PresetPath | None = None
    noise: NoiseSourceConfig | None = None
    video: PresetPath | None = None
    sequence: PresetSpec | None = None
    blender: BlenderSourceConfig | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        chosen = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(chosen) != 1:
            allowed = ", ".join(type(self).model_fields)
            raise ValueError(f"give exactly one of {allowed}; got {', '.join(chosen) or 'none'}")
        return self

    @property
    def kind(self) -> str:
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)


Codec = Literal["h264", "prores", "hap", "vp9", "png", "exr"]  # exr: scene-linear float frames
Dimension = Annotated[int, Field(ge=16, le=16384)]


class OutputConfig(Section):
    path: PresetPath = Path("out.mp4")
    fps: float | None = Field(default=None, gt=0, le=240)
    frames: int | None = Field(default=None, ge=1)
    size: tuple[Dimension, Dimension] | None = None
    codec: Codec | None = None
    crf: int = Field(default=18, ge=0, le=51)
    loop: bool = False
    loop_frames: int = Field(default=24, ge=2, description="frames over which a loop closes")


class ModelConfig(Section):
    backbone: Literal["vgg16-hed", "vgg19", "inception_v3"] = "vgg16-hed"
    weights: PresetPath | None = None
    pooling: Literal["max", "avg"] = "max"
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto", description="network arithmetic; auto: bfloat16 for dreaming where the CPU has it natively, float32 for style")


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
                                        "off; default 200 (optimize), 50 (network)")
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
        0.79x; bench/bench_style.py), the network's blend keeps a third of the previous frame
        at 50."""
        if isinstance(data, dict) and "temporal_weight" not in data and data.get("method") == "network":
            return {**data, "temporal_weight": 50.0}
        return data

    @model_validator(mode="after")
    def _network_given(self):
        if self.method == "network" and self.network is None:
            raise ValueError("method 'network' needs network: PATH.keras (made by "
                             "`dreamvideo train-style`)")
        return self


def _unit_interval(value: Animatable) -> Animatable:
    values = [key.value for key in value] if isinstance(value, list) else [value]
    bad = [v for v in values if not 0 <= v <= 1]
    if bad:
        raise ValueError(f"must be between 0 and 1, got {bad[0]:g}")
    return value


class DreamVideoConfig(Section):
    """`effect: dream`: carry-over of the flow-warped previous dream."""

    blend: Annotated[Animatable, AfterValidator(_unit_interval)] = Field(
        default=0.5, description="share of the new input frame in the start image, 0..1")
    flow: Literal["dis", "farneback"] = "dis"


class SegmentsConfig(Section):
    """`segments:` split a long shot into segments rendered in parallel (``render --workers``).
    Each segment starts ``overlap`` frames early (warm-up, made as frame 0 would be); where two
    segments overlap their frames are cross-faded so the seam does not show."""

    frames: int = Field(ge=2, description="frames each segment owns")
    overlap: int = Field(default=8, ge=0, description="warm-up frames, cross-faded with the previous segment")

    @model_validator(mode="after")
    def _overlap_shorter(self):
        if self.overlap >= self.frames:
            raise ValueError(f"overlap must be smaller than frames, got {self.overlap} >= {self.frames}")
        return self


class Preset(Section):
    effect: Literal["dream_zoom", "dream", "style"] = "dream_zoom"
    source: SourceConfig = SourceConfig(noise=NoiseSourceConfig())
    output: OutputConfig = OutputConfig()
    model: ModelConfig = ModelConfig()
    dream: DreamConfig = DreamConfig()
    zoom: ZoomConfig = ZoomConfig()
    style: StyleConfig = StyleConfig()
    video: DreamVideoConfig = DreamVideoConfig()
    seed: int = 0
    segments: SegmentsConfig | None = None

    @field_validator("segments")
    @classmethod
    def _segmentable(cls, value: SegmentsConfig | None, info: ValidationInfo):
        if value is not None and info.data.get("effect") == "dream_zoom":
            raise ValueError("dream_zoom cannot be segmented (each frame is the previous one moved); "
                             "several jobs still render in parallel")
        style = info.data.get("style")
        if value is not None and info.data.get("effect") == "style" and style is not None and style.passes > 1:
            raise ValueError("not with style.passes > 1 (a later pass runs over the whole clip); render it whole")
        return value


# ----- loading -------------------------------------------------------------------------------

def load_preset(path: Path, overrides: list[str] = ()) -> Preset:
    """Read, override and validate a preset file; any problem is one UserError line."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise UserError(f"preset not found: {path}") from None
    except yaml.YAMLError as err:
        raise UserError(f"{path}: not valid YAML: {str(err).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: a preset is a mapping of keys (effect, source, output, ...)")
    for item in overrides:
        apply_override(raw, item)
    return parse_preset(raw, base_dir=path.resolve().parent)


def parse_preset(raw: dict, base_dir: Path | None = None) -> Preset:
    try:
        return Preset.model_validate(raw, context={"base_dir": base_dir})
    except ValidationError as err:
        raise UserError(format_validation_error(err)) from None


def apply_override(raw: dict, item: str) -> None:
    """Apply ``a.b.c=value`` (value parsed as YAML) to the raw preset mapping."""
    key, sep, text = item.partition("=")
    if not sep or not key:
        raise UserError(f"--set {item!r}: expected KEY.PATH=VALUE, e.g. output.frames=48")
    *parents, leaf = key.strip().split(".")
    node = raw
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise UserError(f"--set {key}: '{part}' is not a section")
        node = child
    node[leaf] = yaml.safe_load(text)


_TYPE_LABELS = {"float", "int", "str", "list", "tuple", "dict", "bool"}
_TYPE_MISMATCH = {"float_type", "float_parsing", "int_type", "int_parsing", "list_type", "tuple_type",
                  "is_instance_of", "path_type", "model_type", "dict_type", "string_type"}


def _loc(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not str(part).isidentifier() or not str(part).islower() or part in _TYPE_LABELS:
            continue  # pydantic's labels of union branches, not keys
        else:
            text += ("." if text else "") + str(part)
    return text or "preset"


def _describe(error: dict) -> str:
    kind, ctx, got = error["type"], error.get("ctx", {}), error.get("input")
    shown = repr(got) if isinstance(got, str) else got
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()))
        return f"must be {op} {bound}, got {shown}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {shown}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown!s:.60}"


def format_validation_error(err: ValidationError) -> str:
    """One line per the most specific error: ``key.path: what is allowed, got X``."""
    errors = err.errors(include_url=False)
    best = _most_specific(errors)
    line = f"{_loc(best['loc'])}: {_describe(best)}"
    if best["type"] == "extra_forbidden":
        line += _allowed_keys_hint(best["loc"])
    return line


def _most_specific(errors: list[dict]) -> dict:
    # Each union branch reports an error: prefer a real complaint over "wrong type for this
    # branch", then the one that got deepest into the structure.
    return max(errors, key=lambda e: (e["type"] not in _TYPE_MISMATCH, e["type"] != "missing", len(e["loc"])))


def _allowed_keys_hint(loc: tuple) -> str:
    model: Any = Preset
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return ""
        model = _model_of(field.annotation)
        if model is None:
            return ""
    keys = getattr(model, "model_fields", None)
    return f"; allowed: {', '.join(keys)}" if keys else ""


def _model_of(annotation) -> type | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None

