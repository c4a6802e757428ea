"""The whole preset and how it is read: YAML (or JSON) file, ``--set`` overrides, validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from ..errors import PresetError
from .dream import DreamConfig, DreamVideoConfig, ZoomConfig
from .media import ModelConfig, NoiseSourceConfig, OutputConfig, SourceConfig
from .messages import format_validation_error
from .style import StyleConfig
from .values import Section


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


def load_preset(path: Path, overrides: list[str] = ()) -> Preset:
    """Read, override and validate a preset file (``.json``: JSON, anything else: YAML); any
    problem is one PresetError line."""
    path = Path(path)
    try:
        raw = _read_mapping(path) or {}
    except FileNotFoundError:
        raise PresetError(f"preset not found: {path}") from None
    if not isinstance(raw, dict):
        raise PresetError(f"{path}: a preset is a mapping of keys (effect, source, output, ...)")
    for item in overrides:
        apply_override(raw, item)
    return parse_preset(raw, base_dir=path.resolve().parent)


def _read_mapping(path: Path):
    """The file's data: JSON for ``.json`` (what the Blender add-on writes), else YAML."""
    text = path.read_text()
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise PresetError(f"{path}: not valid JSON: {err}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PresetError(f"{path}: not valid YAML: {str(err).splitlines()[0]}") from None


def parse_preset(raw: dict, base_dir: Path | None = None) -> Preset:
    try:
        return Preset.model_validate(raw, context={"base_dir": base_dir})
    except ValidationError as err:
        raise PresetError(format_validation_error(err, Preset)) from None


def apply_override(raw: dict, item: str) -> None:
    """Apply ``a.b.c=value`` (value parsed as YAML) to the raw preset mapping."""
    key, sep, text = item.partition("=")
    if not sep or not key:
        raise PresetError(f"--set {item!r}: expected KEY.PATH=VALUE, e.g. output.frames=48")
    *parents, leaf = key.strip().split(".")
    _check_source_swap(raw, [*parents, leaf], text)
    node = raw
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise PresetError(f"--set {key}: '{part}' is not a section")
        node = child
    node[leaf] = yaml.safe_load(text)


def _check_source_swap(raw: dict, path: list[str], text: str) -> None:
    """``--set source.image=x.png`` on a preset whose source is another kind would leave two
    sources: say how to replace the whole source instead."""
    if len(path) < 2 or path[0] != "source" or path[1] not in SourceConfig.model_fields:
        return
    source = raw.get("source")
    present = [kind for kind in SourceConfig.model_fields
               if isinstance(source, dict) and source.get(kind) is not None and kind != path[1]]
    if not present:
        return
    value = text.strip()
    for part in reversed(path[2:]):
        value = f"{{{part}: {value}}}"
    raise PresetError(f"--set {'.'.join(path)}: the preset's source is {present[0]}; replace the whole "
                    f"source instead: --set 'source={{{path[1]}: {value}}}'")
