"""The track muxed into the output video: a stretch of it as long as the clip, in the codec the
container takes (AAC in MP4, 16-bit PCM in MOV, Opus in WebM)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Preset

AUDIO_CODECS = {  # container suffix -> ffmpeg's audio codec arguments
    ".mp4": ("-c:a", "aac", "-b:a", "192k"),
    ".mov": ("-c:a", "pcm_s16le"),
    ".webm": ("-c:a", "libopus", "-b:a", "160k"),
}


@dataclass(frozen=True)
class Soundtrack:
    """``seconds`` of ``path`` from ``start`` on (silence past the file's end)."""

    path: Path
    start: float
    seconds: float

    def input_args(self) -> list[str]:
        """ffmpeg's second input: the stretch of the track, decoded from ``start``."""
        return ["-ss", f"{self.start:.6f}", "-t", f"{self.seconds:.6f}", "-i", str(self.path)]

    def output_args(self, suffix: str) -> list[str]:
        """Map the video and this audio, encoded for the container, padded to the clip's length."""
        return ["-map", "0:v:0", "-map", "1:a:0", *AUDIO_CODECS[suffix.lower()],
                "-af", f"apad=whole_dur={self.seconds:.6f}"]


def soundtrack_of(preset: Preset, frames: int, fps: float) -> Soundtrack | None:
    """The stretch of ``output.audio`` that plays with a clip of ``frames`` at ``fps``, or None."""
    audio = preset.output.audio
    if audio is None:
        return None
    return Soundtrack(Path(audio.path), audio.offset, frames / fps)
