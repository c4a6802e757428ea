"""Where frames come from (`source:`), where they go (`output:`) and the network (`model:`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..blender_source import BlenderSourceConfig
from .values import PresetPath, PresetSpec, Section


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


class ModelConfig(Section):
    backbone: Literal["vgg16-hed", "vgg16", "vgg19", "inception_v3"] = Field(
        default="vgg16-hed", description="the network: vgg16-hed ships with the package; the ImageNet "
        "classifiers vgg16, vgg19, inception_v3 need `dreamvideo models download NAME` (or model.weights)")
    weights: PresetPath | None = None
    pooling: Literal["max", "avg"] = "max"
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto", description="network arithmetic; auto: bfloat16 for dreaming where the CPU has it natively, float32 for style")
