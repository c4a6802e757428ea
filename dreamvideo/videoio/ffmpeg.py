"""The ffmpeg binary bundled with imageio-ffmpeg: encoder settings, the encode command line,
probing video files, and quoting ffmpeg's log in errors."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import imageio_ffmpeg

from dreamvideo.errors import UserError

from .images import existing_file

if TYPE_CHECKING:
    from dreamvideo.audio.mux import Soundtrack

BT709 = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
SWS_FLAGS = "bicubic+accurate_rnd+full_chroma_int+full_chroma_inp"  # exact RGB<->YUV rounding
LOG_LINES = 12  # lines of ffmpeg's log quoted in an error
# How a video is decoded to RGB frames: its first video stream, every frame as stored.
DECODE_PARAMS = ("-map", "0:v:0", "-fps_mode", "passthrough", "-sws_flags", SWS_FLAGS)


class FfmpegError(RuntimeError):
    """ffmpeg failed; the message ends with the last lines of its log."""


# --------------------------------------------------------------------------- encoding


@dataclass(frozen=True)
class Encoder:
    """How ffmpeg encodes one video codec."""

    args: tuple[str, ...]  # "{crf}" is replaced by the crf value
    pix_fmt: str
    block: int  # width and height are cropped down to a multiple of this
    crf_max: int | None  # None: the codec takes no crf
    tag_bt709: bool


ENCODERS = {
    "h264": Encoder(
        ("-c:v", "libx264", "-preset", "medium", "-crf", "{crf}", "-movflags", "+faststart"),
        "yuv420p", 2, 51, True,
    ),
    "prores": Encoder(
        ("-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0"), "yuv422p10le", 1, None, True
    ),
    "hap": Encoder(("-c:v", "hap", "-format", "hap"), "rgba", 4, None, False),
    "vp9": Encoder(
        ("-c:v", "libvpx-vp9", "-crf", "{crf}", "-b:v", "0", "-cpu-used", "2",
         "-row-mt", "1"),
        "yuv420p", 2, 63, True,
    ),
}


def encode_command(encoder: Encoder, size: tuple[int, int], encoded: tuple[int, int],
                   fps: float, crf: int, out: Path, soundtrack: Soundtrack | None = None) -> list[str]:
    """ffmpeg reading raw RGB frames of ``size`` from stdin, cropping them to ``encoded``
    and writing ``out`` with ``encoder``; with a ``soundtrack`` muxed beside them."""
    rate = Fraction(fps).limit_denominator(1_000_000)
    filters = []
    if encoded != size:
        filters.append(f"crop={encoded[0]}:{encoded[1]}:0:0")
    if encoder.tag_bt709:
        filters.append(BT709)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-nostdin",
           "-loglevel", "warning", "-y",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}",
           "-framerate", str(rate), "-i", "pipe:0"]
    cmd += ["-an"] if soundtrack is None else [*soundtrack.input_args(), *soundtrack.output_args(out.suffix)]
    if filters:
        cmd += ["-vf", ",".join(filters)]
    cmd += ["-sws_flags", SWS_FLAGS]
    cmd += [arg.format(crf=crf) for arg in encoder.args]
    cmd += ["-pix_fmt", encoder.pix_fmt, str(out)]
    return cmd


# --------------------------------------------------------------------------- probing


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds; ``size`` is the display size (rotation applied)."""

    fps: float
    frame_count: int
    size: tuple[int, int]
    codec: str


def probe_video(path: Path) -> VideoInfo:
    """Fps, exact frame count (by decoding), display size and codec of a video file, from
    imageio-ffmpeg's own metadata."""
    path = existing_file(path, "video")
    meta = stream_metadata(path)
    try:
        frame_count, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    except RuntimeError as err:
        raise UserError(f"cannot decode video {path}: {last_line(str(err))}") from err
    return VideoInfo(fps=_fps(meta["fps"], frame_count, seconds, path), frame_count=frame_count,
                     size=tuple(meta["size"]), codec=meta["codec"])


def stream_metadata(path: Path) -> dict:
    """imageio-ffmpeg's metadata of the stream :data:`DECODE_PARAMS` decode: ``codec``, ``fps``
    (ffmpeg's, 2 decimals; 0 if it states none), ``size`` (as decoded: rotation applied). ffmpeg
    stops after one frame (half the time of stopping it by closing the pipe)."""
    reader = imageio_ffmpeg.read_frames(str(path), output_params=[*DECODE_PARAMS, "-frames:v", "1"])
    try:
        return next(reader)
    except OSError as err:
        raise UserError(f"{path} is not a readable video: {last_line(str(err))}") from None
    finally:
        reader.close()


def _fps(stated: float, frame_count: int, seconds: float, path: Path) -> float:
    """The stream's stated (average) rate, snapped to the exact rate; frames per second of
    its duration where ffmpeg states none."""
    if stated > 0:
        return snap_fps(stated)
    if frame_count > 0 and seconds > 0:
        return snap_fps(frame_count / seconds)
    raise UserError(f"cannot find the frame rate of {path}")


def snap_fps(fps: float) -> float:
    """Undo ffmpeg's 2-decimal rounding for integer and NTSC (n*1000/1001) rates."""
    for exact in (round(fps), round(fps * 1.001) * 1000 / 1001):
        if exact > 0 and abs(fps - exact) < 0.006:
            return float(exact)
    return fps


# --------------------------------------------------------------------------- logs


def _log_lines(text: str) -> list[str]:
    return [line for line in text.strip().splitlines() if line.strip()]


def log_tail(text: str, lines: int = LOG_LINES) -> str:
    """The last non-blank ``lines`` of an ffmpeg log."""
    return "\n".join(_log_lines(text)[-lines:]) or "(ffmpeg printed nothing)"


def last_line(text: str) -> str:
    """The last non-blank line of a log or error message, stripped."""
    lines = _log_lines(text)
    return lines[-1].strip() if lines else "no details"
