"""A loop a whole number of beats long: the frame count the arithmetic gives, and the frame
rate nudged when the beats do not fill a whole number of frames."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Preset
from ..config.audio import TrackTempo
from .decode import read_track
from .events import tempo

EXACT = 1e-6  # frames: closer than this to a whole number counts as whole


@dataclass(frozen=True)
class BeatLoop:
    frames: int
    fps: float
    note: str | None  # what was changed and why, for the user; None when nothing was


def beat_loop(fps: float, bpm: float, beats: int) -> BeatLoop:
    """``beats`` at ``bpm`` as frames at ``fps``: ``fps * 60 / bpm * beats`` when it is whole;
    else the nearest whole number of frames, at the frame rate that makes them last exactly the
    beats (the loop stays in time; the rate moves by less than half a frame over the loop)."""
    seconds = beats * 60.0 / bpm
    exact = fps * seconds
    frames = max(2, round(exact))
    if abs(exact - frames) < EXACT:
        return BeatLoop(frames, fps, None)
    nudged = frames / seconds
    note = (f"output.loop_beats: {beats} beats at {bpm:g} bpm last {seconds:g} s = {exact:.3f} frames "
            f"at {fps:g} fps; rendering {frames} frames at {nudged:.6g} fps")
    return BeatLoop(frames, nudged, note)


def in_beats(preset: Preset, fps: float) -> tuple[Preset, str | None]:
    """``preset`` with ``output.loop_beats`` turned into a loop's frames and fps (the tempo read
    from a track when bpm is one), and the note to show; the preset itself without loop_beats."""
    output = preset.output
    if output.loop_beats is None:
        return preset, None
    if output.frames is not None:  # e.g. --set output.frames=3 for a quick look
        return preset, f"output.frames: {output.frames} given, so output.loop_beats ({output.loop_beats}) is not used"
    notes = []
    bpm = output.bpm
    if isinstance(bpm, TrackTempo):
        bpm = tempo(read_track(bpm.audio, key="output.bpm.audio"), key="output.bpm")
        notes.append(f"output.bpm: {bpm:g} bpm read from {Path(output.bpm.audio).name}")
    loop = beat_loop(output.fps or fps, bpm, output.loop_beats)
    notes += [loop.note] if loop.note else []
    timed = output.model_copy(update={"frames": loop.frames, "fps": loop.fps, "loop": True})
    return preset.model_copy(update={"output": timed}), "; ".join(notes) or None
