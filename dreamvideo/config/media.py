"""Where frames come from (`source:`), where they go (`output:`) and the network (`model:`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .audio import OutputAudio, TrackTempo
from .values import PresetPath, PresetSpec, Section


class MaskConfig(BaseModel):
    """Apply the effect only where these objects are (their ``pass_index``), with soft edges."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    object_indices: list[int] = Field(min_length=1)
    feather_px: float = Field(default=2.0, ge=0, le=256, description="soft edge width, pixels")
    invert: bool = False

    @field_validator("object_indices")
    @classmethod
    def _positive(cls, indices: list[int]) -> list[int]:
        if any(i <= 0 for i in indices):
            raise ValueError("object pass indices are >= 1 (0 means 'no object')")
        return indices


class BlenderSourceConfig(BaseModel):
    """``source: blender:`` — EXR frames rendered by Blender and how to display them.

    ``frames`` is a folder, a glob (``cache/*.exr``) or a printf pattern (``cache/frame_%04d.exr``);
    relative paths resolve against the preset's folder. The view settings are the scene's
    (Render Properties > Color Management); ``ocio_config`` is Blender's ``config.ocio``, needed
    for every view but Standard.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    frames: str
    layer: str | None = Field(default=None, description="view layer; default: the first")
    view_transform: str = "Standard"
    look: str = "None"
    exposure: float = Field(default=0.0, ge=-32, le=32)
    gamma: float = Field(default=1.0, gt=0, le=5)
    display: str = "sRGB"
    ocio_config: str | None = None
    fps: float | None = Field(default=None, gt=0, le=240)
    frame_start: int = Field(default=1, description="Blender frame number of the first file")
    flow: Literal["vector", "dis", "farneback"] = Field(
        default="vector", description="'vector': Blender's Vector pass; or estimate with OpenCV")
    mask: MaskConfig | None = None

    @field_validator("frames", "ocio_config")
    @classmethod
    def _resolve(cls, value: str | None, info: ValidationInfo) -> str | None:
        base = (info.context or {}).get("base_dir")
        if value is None or base is None:
            return value
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else Path(base) / path)


class NoiseSourceConfig(Section):
    seed: int = 0
    cell: int = Field(default=16, ge=1, le=512, description="px between the noise's random values "
                      "(smaller: finer colour grain)")


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
    bpm: Annotated[float, Field(gt=0, le=1000)] | TrackTempo | None = Field(
        default=None, description="the music's tempo, for loop_beats: a number, or {audio: track.wav} to read it")
    loop_beats: int | None = Field(default=None, ge=1, le=4096, description="a loop this many beats "
                                   "long at bpm (sets frames; fps is nudged when the beats do not "
                                   "fill a whole number of frames; frames, when given, wins)")
    audio: OutputAudio | None = Field(default=None, description="a track muxed into the video, "
                                      "trimmed to the clip: a path, or {path, offset}")

    @field_validator("audio", mode="before")
    @classmethod
    def _audio_path(cls, value):
        return {"path": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _beats_need_tempo(self):
        if self.loop_beats is not None and self.bpm is None:
            raise ValueError("loop_beats needs bpm (a number, or {audio: track.wav} to read it)")
        if self.bpm is not None and self.loop_beats is None:
            raise ValueError("bpm is used by loop_beats; give loop_beats too")
        return self


class ModelConfig(Section):
    backbone: Literal["vgg16-hed", "vgg16", "vgg19", "inception_v3"] = Field(
        default="vgg16-hed", description="the network: vgg16-hed ships with the package; the ImageNet "
        "classifiers vgg16, vgg19, inception_v3 need `dreamvideo models download NAME` (or model.weights)")
    weights: PresetPath | None = None
    pooling: Literal["max", "avg"] = "max"
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto", description="network arithmetic; auto: bfloat16 for dreaming where the CPU has it natively, float32 for style")
