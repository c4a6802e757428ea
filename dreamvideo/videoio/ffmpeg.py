"""The ffmpeg binary bundled with imageio-ffmpeg: encoder settings, the encode command line,
probing video files, and quoting ffmpeg's log in errors."""

from __future__ import annotations

import re
import subprocess
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
    """Read fps, exact frame count (by decoding), size and codec name of a video file."""
    path = existing_file(path, "video")
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin",
                             "-i", str(path)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, check=False)
    header = result.stderr.decode(errors="replace")
    codec, size, fps = parse_video_stream(header, path)
    try:
        frame_count, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    except RuntimeError as err:
        raise UserError(f"cannot decode video {path}: {last_line(str(err))}") from err
    return VideoInfo(fps=fps, frame_count=frame_count, size=size, codec=codec)


_STREAM = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)(.*)")
_SIZE = re.compile(r", (\d+)x(\d+)[ ,\[]")
_FPS = re.compile(r", ([\d.]+) fps")
_TBR = re.compile(r", ([\d.]+)(k?) tbr")
_ROTATION = re.compile(r"rotation of (-?[\d.]+) degrees")


def parse_video_stream(header: str, path: Path) -> tuple[str, tuple[int, int], float]:
    """Codec, display size and fps of the first video stream in ``ffmpeg -i`` output."""
    match = _STREAM.search(header)
    if match is None:
        raise UserError(f"{path} is not a readable video: {last_line(header)}")
    codec, rest = match.group(1), match.group(2) + " "
    size_match = _SIZE.search(rest)
    if size_match is None:
        raise UserError(f"cannot find the frame size of {path}")
    width, height = int(size_match.group(1)), int(size_match.group(2))
    rotation = _ROTATION.search(header[match.end():].split("Stream #", 1)[0])
    if rotation is not None and round(abs(float(rotation.group(1)))) % 180 == 90:
        width, height = height, width
    return codec, (width, height), _stream_fps(rest, path)


def _stream_fps(stream: str, path: Path) -> float:
    """The ``fps`` of a stream line, else its ``tbr``, snapped to the exact rate."""
    fps_match = _FPS.search(stream)
    if fps_match is not None:
        return snap_fps(float(fps_match.group(1)))
    tbr = _TBR.search(stream)
    if tbr is None:
        raise UserError(f"cannot find the frame rate of {path}")
    return snap_fps(float(tbr.group(1)) * (1000 if tbr.group(2) else 1))


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
