"""The music of ``output:``: the track muxed into the output (``output.audio``) and a tempo read
from a track (``output.bpm: {audio: track.wav}``). Values driven by a track are animatable values
(:class:`~dreamvideo.config.values.AudioDriven`)."""

from __future__ import annotations

from pydantic import Field

from .values import PresetPath, Section


class OutputAudio(Section):
    """``output.audio``: the track muxed into the video (AAC in MP4, PCM in MOV, Opus in WebM),
    trimmed to the clip."""

    path: PresetPath
    offset: float = Field(default=0.0, ge=0, description="seconds into the track at frame 0")


class TrackTempo(Section):
    """``output.bpm: {audio: track.wav}``: the tempo read from a track (librosa's beat tracker)."""

    audio: PresetPath
