"""A preset's audio-driven values as curves, one value per output frame, and the preset with
those curves as keyframes (what the engine renders, fingerprints and sends to a farm)."""

from __future__ import annotations

import math
from pathlib import Path

from ..config import Preset
from ..config.driven import driven_values, with_keyframes
from ..config.values import AudioDriven
from ..plan import zoom_plan
from .bands import HOP, band_level
from .decode import Track, read_track
from .envelope import follow, mapped, normalised, per_frame
from .events import event_times, pulses


class Tracks:
    """Each track decoded once, however many values it drives (lives for one call)."""

    def __init__(self) -> None:
        self._decoded: dict[Path, Track] = {}

    def get(self, path: Path, key: str) -> Track:
        if path not in self._decoded:
            self._decoded[path] = read_track(path, key=f"{key}.audio")
        return self._decoded[path]


def driven_curves(preset: Preset, fps: float, frames: int) -> dict[str, list[float]]:
    """Key path -> the value at each of ``frames`` output frames, for every driven value."""
    tracks = Tracks()
    return {key: curve(value, tracks.get(value.audio, key), fps, frames,
                       offset=offset_of(preset, value), key=key)
            for key, value in driven_values(preset)}


def drive_preset(preset: Preset, fps: float, frames: int) -> Preset:
    """``preset`` with every driven value replaced by one keyframe per animation frame, so that
    each output frame shows the value of the music heard with it."""
    curves = driven_curves(preset, fps, frames)
    if not curves:
        return preset
    heard = output_frame_of_phase(preset, frames)
    return with_keyframes(preset, lambda key, value: [curves[key][i] for i in heard])


def output_frame_of_phase(preset: Preset, frames: int) -> list[int]:
    """The output frame that shows each animation frame: itself, but a zoom loop's output starts
    at its K-th frame (:mod:`dreamvideo.plan.zoom`), so phase p is output frame (p - K) mod F."""
    if not (preset.effect == "dream_zoom" and preset.output.loop):
        return list(range(frames))
    closing = zoom_plan(preset, frames).closing
    return [(phase - closing) % frames for phase in range(frames)]


def offset_of(preset: Preset, value: AudioDriven) -> float:
    """The value's own offset, else output.audio's when it plays the same track, else 0."""
    if value.offset is not None:
        return value.offset
    muxed = preset.output.audio
    return muxed.offset if muxed is not None and Path(muxed.path) == Path(value.audio) else 0.0


def curve(value: AudioDriven, track: Track, fps: float, frames: int, *, offset: float,
          key: str) -> list[float]:
    """The driven value at each output frame: the band's level (or the pulses), followed,
    over the track's loudest moment, each frame's peak, mapped onto min..max."""
    rate = track.rate / HOP
    if value.pulse is None:
        level = band_level(track, value.band)
    else:
        steps = math.ceil(len(track.samples) / HOP)
        level = pulses(event_times(track, value.pulse, key=key), steps, rate, value.attack)
    envelope = normalised(follow(level, rate, value.attack, value.release))
    return mapped(per_frame(envelope, rate, fps, frames, offset), value.min, value.max)

