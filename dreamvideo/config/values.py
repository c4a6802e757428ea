"""Shared pieces of every section: frozen strict models, preset-relative paths, animatable
(keyframed) values."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo


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


def _unit_interval(value: Animatable) -> Animatable:
    values = [key.value for key in value] if isinstance(value, list) else [value]
    bad = [v for v in values if not 0 <= v <= 1]
    if bad:
        raise ValueError(f"must be between 0 and 1, got {bad[0]:g}")
    return value
