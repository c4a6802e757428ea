"""Shared pieces of every section: frozen strict models, preset-relative paths, animatable
values (a constant, keyframes, or driven by a music track)."""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator


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


Band = Literal["low", "mid", "high", "full"]


class AudioDriven(Section):
    """An animatable value driven by a track: the energy envelope of one frequency band (or a
    pulse on each beat or onset), followed with ``attack``/``release`` and mapped from 0..1 (silence
    .. the track's loudest moment) onto ``min``..``max``, one value per output frame."""

    audio: PresetPath = Field(description="the track (WAV, FLAC, MP3, AAC, ... anything ffmpeg reads)")
    band: Band = Field(default="full", description="low (20-200 Hz), mid (200-2000 Hz), high (2 kHz and up) or full")
    beats: bool = Field(default=False, description="a pulse on each beat (tracked by librosa) instead of the band's energy")
    onsets: bool = Field(default=False, description="a pulse on each onset (note, hit) instead of the band's energy")
    min: float = Field(default=0.0, description="the value in silence / between pulses")
    max: float = Field(default=1.0, description="the value at the track's loudest moment / on a pulse")
    attack: float = Field(default=0.01, ge=0, le=10, description="seconds to rise to a louder level")
    release: float = Field(default=0.2, ge=0, le=30, description="seconds to fall back (to 1/e) after it")
    offset: float | None = Field(default=None, ge=0, description="seconds into the track at frame 0 "
                                 "(default: output.audio's offset when it is the same track, else 0)")

    @model_validator(mode="after")
    def _consistent(self):
        if self.min > self.max:
            raise ValueError(f"min must be <= max, got min {self.min:g} > max {self.max:g}")
        if self.beats and self.onsets:
            raise ValueError("give beats or onsets, not both")
        return self

    @property
    def pulse(self) -> Literal["beats", "onsets"] | None:
        return "beats" if self.beats else "onsets" if self.onsets else None


Animatable = Union[float, Keyframes, AudioDriven]


def value_at(value: Animatable, frame: float) -> float:
    """Value of a constant or keyframed setting at ``frame``; each key's ``ease`` shapes the
    segment that starts at it (linear, smoothstep ease in/out, or hold). A value driven by a
    track is turned into keyframes when a job opens (:func:`dreamvideo.audio.drive_preset`)."""
    if isinstance(value, AudioDriven):
        raise TypeError("an audio-driven value is read before the job turned it into keyframes")
    if not isinstance(value, list):
        return float(value)
    if frame <= value[0].frame:
        return value[0].value
    after = bisect.bisect_right(value, frame, key=lambda key: key.frame)
    if after == len(value):
        return value[-1].value
    key, nxt = value[after - 1], value[after]
    t = (frame - key.frame) / (nxt.frame - key.frame)
    if key.ease == "hold":
        t = 0.0
    elif key.ease == "ease":
        t = t * t * (3 - 2 * t)
    return key.value + (nxt.value - key.value) * t


def peak_of(value: Animatable) -> float:
    """The largest magnitude a constant, keyframed or driven setting takes (eases stay between
    keys; a driven value stays between its min and max)."""
    return max(abs(v) for v in _extremes(value))


def _extremes(value: Animatable) -> list[float]:
    if isinstance(value, AudioDriven):
        return [value.min, value.max]
    return [key.value for key in value] if isinstance(value, list) else [float(value)]


def _unit_interval(value: Animatable) -> Animatable:
    bad = [v for v in _extremes(value) if not 0 <= v <= 1]
    if bad:
        raise ValueError(f"must be between 0 and 1, got {bad[0]:g}")
    return value
