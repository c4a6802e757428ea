"""Frame sinks and sources, through the ffmpeg binary bundled with imageio-ffmpeg.

Frames are ``uint8 (H, W, 3)`` RGB arrays; sizes are ``(width, height)``.

Sinks (:func:`open_sink`) stream frames into H.264 / ProRes / HAP / VP9 files, PNG
sequences, or float EXR sequences (frames converted back to scene-linear light). Output is
written under a ``.partial`` name next to the final one and renamed on ``close()``, so a
half-written file never carries the final name.

Sources (:class:`ImageSource`, :class:`VideoSource`, :class:`SequenceSource`,
:class:`NoiseSource`) stream frames one at a time; memory does not grow with clip length.
"""

from __future__ import annotations

import abc
import difflib
import glob
import os
import re
import shutil
import subprocess
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable

import cv2
import imageio_ffmpeg
import numpy as np

from dreamvideo.colour import srgb_decode
from dreamvideo.errors import UserError

CODECS = ("h264", "prores", "hap", "vp9", "png", "exr")
SEQUENCE_CODECS = {"png": ".png", "exr": ".exr"}  # image-sequence codec -> file suffix
VIDEO_SUFFIXES = {".mp4": ("h264",), ".mov": ("prores", "hap", "h264"), ".webm": ("vp9",)}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")

_PRINTF = re.compile(r"%0?\d*d")
_BT709 = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
_SWS_FLAGS = "bicubic+accurate_rnd+full_chroma_int+full_chroma_inp"  # exact RGB<->YUV rounding
_STDERR_LINES = 12


class FfmpegError(RuntimeError):
    """ffmpeg failed; the message ends with the last lines of its log."""


# --------------------------------------------------------------------------- sinks


@dataclass(frozen=True)
class _Encoder:
    args: tuple[str, ...]  # "{crf}" is replaced by the crf value
    pix_fmt: str
    block: int  # width and height are cropped down to a multiple of this
    crf_max: int | None  # None: the codec takes no crf
    tag_bt709: bool


_ENCODERS = {
    "h264": _Encoder(
        ("-c:v", "libx264", "-preset", "medium", "-crf", "{crf}", "-movflags", "+faststart"),
        "yuv420p", 2, 51, True,
    ),
    "prores": _Encoder(
        ("-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0"), "yuv422p10le", 1, None, True
    ),
    "hap": _Encoder(("-c:v", "hap", "-format", "hap"), "rgba", 4, None, False),
    "vp9": _Encoder(
        ("-c:v", "libvpx-vp9", "-crf", "{crf}", "-b:v", "0", "-cpu-used", "2",
         "-row-mt", "1"),
        "yuv420p", 2, 63, True,
    ),
}


class FrameSink(abc.ABC):
    """Where rendered frames go; use as a context manager (an exception aborts the sink).

    Attributes: ``path`` (final file, or folder for a PNG sequence), ``codec``, ``size``
    (what ``write`` accepts), ``encoded_size`` (what lands in the file, after cropping),
    ``frames_written``.
    """

    def __init__(self, path: Path, partial: Path, codec: str, size: tuple[int, int],
                 encoded_size: tuple[int, int]) -> None:
        self.path = path
        self.codec = codec
        self.size = size
        self.encoded_size = encoded_size
        self.frames_written = 0
        self._partial = partial
        self._state = "open"

    def write(self, frame: np.ndarray) -> None:
        """Append one ``uint8 (H, W, 3)`` RGB frame of ``size``; ValueError otherwise."""
        if self._state != "open":
            raise ValueError(f"sink for {self.path} is already {self._state}")
        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
            raise ValueError(f"frames must be uint8 numpy arrays, got {_describe(frame)}")
        width, height = self.size
        if frame.shape != (height, width, 3):
            raise ValueError(f"frame shape {frame.shape} does not match sink size "
                             f"{width}x{height} (expected {(height, width, 3)})")
        try:
            self._write(np.ascontiguousarray(frame))
        except BaseException:
            if self._state == "open":
                self.abort()
            raise
        self.frames_written += 1

    def close(self) -> None:
        """Finish the output and rename it to its final name; a no-op if already ended."""
        if self._state != "open":
            return
        self._state = "closed"
        try:
            if self.frames_written == 0:
                raise UserError(f"no frames were written, so {self.path} was not created")
            self._finish()
            _publish(self._partial, self.path)
        except BaseException:
            self._discard()
            raise

    def abort(self) -> None:
        """Stop writing and delete the partial output; a no-op if already ended."""
        if self._state != "open":
            return
        self._state = "aborted"
        self._discard()

    def __enter__(self) -> FrameSink:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    @abc.abstractmethod
    def _write(self, frame: np.ndarray) -> None: ...

    @abc.abstractmethod
    def _finish(self) -> None: ...

    @abc.abstractmethod
    def _discard(self) -> None: ...


class _FfmpegSink(FrameSink):
    """Pipes raw RGB frames into an ffmpeg process writing the partial file.

    Not ``imageio_ffmpeg.write_frames``: that one sends ffmpeg's log to the terminal and
    hides its exit status. Here the log goes to a temporary file, quoted on failure.
    """

    def __init__(self, path: Path, partial: Path, codec: str, size: tuple[int, int],
                 encoded_size: tuple[int, int], cmd: list[str]) -> None:
        super().__init__(path, partial, codec, size, encoded_size)
        self._log = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                          stderr=self._log, start_new_session=True)
        except BaseException:
            self._log.close()
            raise
        self._cleanup = weakref.finalize(self, _kill_and_remove, self._proc, self._log, partial)

    def _write(self, frame: np.ndarray) -> None:
        try:
            self._proc.stdin.write(frame.data)
        except OSError as err:  # broken pipe: ffmpeg has quit
            self._proc.wait()
            raise self._error(f"ffmpeg stopped while writing {self.path}") from err

    def _finish(self) -> None:
        try:
            self._proc.stdin.close()
        except OSError:
            pass  # ffmpeg quit early; its exit status tells why
        if self._proc.wait() != 0:
            raise self._error(f"ffmpeg failed writing {self.path}")
        self._cleanup.detach()
        self._log.close()

    def _discard(self) -> None:
        self._cleanup()

    def _error(self, what: str) -> FfmpegError:
        self._log.seek(0)
        text = self._log.read().decode(errors="replace")
        return FfmpegError(f"{what} (exit status {self._proc.returncode}):\n{_tail(text)}")


ToLinear = Callable[[np.ndarray], np.ndarray]


class _SequenceSink(FrameSink):
    """Writes numbered image files into a partial folder, renamed to the final folder on close.

    ``save(frame, path)`` writes one file: PNG as it is, EXR converted to scene-linear floats.
    """

    def __init__(self, folder: Path, partial: Path, template: str, size: tuple[int, int],
                 codec: str, save: Callable[[np.ndarray, Path], None]) -> None:
        super().__init__(folder, partial, codec, size, size)
        self._template = template
        self._save = save
        shutil.rmtree(partial, ignore_errors=True)  # left over from a crashed run
        partial.mkdir(parents=True)

    def _write(self, frame: np.ndarray) -> None:
        self._save(frame, self._partial / (self._template % self.frames_written))

    def _finish(self) -> None:
        pass

    def _discard(self) -> None:
        shutil.rmtree(self._partial, ignore_errors=True)


def _save_png(frame: np.ndarray, path: Path) -> None:
    ok, data = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"OpenCV could not encode {path.name} as PNG")
    path.write_bytes(data.tobytes())


def srgb_to_linear(frame: np.ndarray) -> np.ndarray:
    """sRGB-encoded uint8 RGB -> linear float32 RGB in [0, 1] (the EXR sink's default)."""
    return srgb_decode(frame.astype(np.float32) / np.float32(255.0))


def _exr_saver(to_linear: ToLinear) -> Callable[[np.ndarray, Path], None]:
    from dreamvideo.exr import write_exr  # OpenEXR is only loaded when EXRs are written

    def save(frame: np.ndarray, path: Path) -> None:
        write_exr(path, np.asarray(to_linear(frame), np.float32))

    return save


def open_sink(path: Path, *, fps: float, size: tuple[int, int], codec: str | None = None,
              crf: int = 18, overwrite: bool = False,
              to_linear: ToLinear | None = None) -> FrameSink:
    """Open a sink for frames of ``size`` = (width, height) at ``fps``.

    ``codec`` is one of ``CODECS``; None picks it from the path: ``.mp4`` -> h264 (libx264,
    yuv420p, faststart), ``.mov`` -> prores (prores_ks HQ, yuv422p10le; ``hap`` and ``h264``
    may also go in .mov), ``.webm`` -> vp9, and a path without suffix (a folder of
    ``000000.png`` ...) or with a ``%05d``-style pattern (``frames/f_%05d.png``, numbered from
    0) -> png. ``exr`` writes a folder (``000000.exr`` ...) or a ``%05d.exr`` pattern of
    32-bit float RGB EXRs: each display frame is turned back into scene-linear light by
    ``to_linear`` (uint8 RGB -> float32 RGB; e.g. a Blender source's ``display.to_linear``), by
    default the sRGB decode; other codecs ignore it. ``crf`` applies to h264 (0-51) and vp9
    (0-63). YUV files are tagged BT.709.

    Size policy: frames are always written at ``size``; when the codec needs it, ffmpeg crops
    the last column and/or row (right and bottom edges): h264 and vp9 to even sizes (4:2:0
    chroma), hap to multiples of 4 (DXT blocks). Never rescaled. ``sink.encoded_size`` tells the
    result. prores, png and exr keep any size.

    An existing output raises UserError unless ``overwrite``; a PNG (EXR) folder is only
    replaced if it holds nothing but PNG (EXR) files.
    """
    path = Path(path)
    width, height = _check_size(size)
    if not fps or fps <= 0:
        raise UserError(f"fps must be a positive number, got {fps!r}")
    codec = _choose_codec(path, codec)
    if codec in SEQUENCE_CODECS:
        save = _save_png if codec == "png" else _exr_saver(to_linear or srgb_to_linear)
        return _open_sequence_sink(path, (width, height), overwrite, codec, save)

    encoder = _ENCODERS[codec]
    if encoder.crf_max is not None and not 0 <= crf <= encoder.crf_max:
        raise UserError(f"crf for {codec} must be between 0 and {encoder.crf_max}, got {crf}")
    encoded = (width - width % encoder.block, height - height % encoder.block)
    if 0 in encoded:
        raise UserError(f"frame size {width}x{height} is too small for {codec} "
                        f"(needs at least {encoder.block}x{encoder.block})")
    _check_target(path, overwrite, folder=False)
    partial = path.with_name(f"{path.stem}.partial{path.suffix}")
    cmd = _encode_command(encoder, (width, height), encoded, fps, crf, partial)
    return _FfmpegSink(path, partial, codec, (width, height), encoded, cmd)


def output_location(path: Path) -> Path:
    """What an output occupies: the folder of a ``%05d`` pattern (the sink replaces it as a
    whole), else the file or folder ``path`` itself."""
    path = Path(path)
    return Path(os.path.abspath(path.parent)) if _PRINTF.search(path.name) else path


def _choose_codec(path: Path, codec: str | None) -> str:
    is_pattern = bool(_PRINTF.search(path.name))
    suffix = path.suffix.lower()
    if codec is not None and codec not in CODECS:
        hint = difflib.get_close_matches(codec, CODECS, n=1)
        did_you_mean = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise UserError(f"unknown codec '{codec}'{did_you_mean}; choose one of: "
                        f"{', '.join(CODECS)}")
    if is_pattern:
        by_suffix = {ext: name for name, ext in SEQUENCE_CODECS.items()}
        if suffix not in by_suffix:
            raise UserError(f"image-sequence pattern '{path.name}' must end in .png or .exr")
        if codec not in (None, by_suffix[suffix]):
            raise UserError(f"'{path}' is an image-sequence pattern; its codec must be "
                            f"{by_suffix[suffix]} (the file suffix)")
        return by_suffix[suffix]
    if suffix not in VIDEO_SUFFIXES and codec in SEQUENCE_CODECS:
        return codec  # a folder of numbered frames
    if suffix == "":
        if codec is not None:
            raise UserError(f"'{path}' has no suffix (a PNG folder) but codec is '{codec}'; use "
                            f"one of: {', '.join(VIDEO_SUFFIXES)} for {codec}, or codec png or exr")
        return "png"
    if suffix not in VIDEO_SUFFIXES:
        raise UserError(f"cannot write '{path.name}': use one of {', '.join(VIDEO_SUFFIXES)}, "
                        f"a folder name (PNG frames, or EXR with codec exr) or a %05d.png / "
                        f"%05d.exr pattern")
    allowed = VIDEO_SUFFIXES[suffix]
    if codec is None:
        return allowed[0]
    if codec not in allowed:
        raise UserError(f"codec '{codec}' cannot be written to {suffix}; "
                        f"for {suffix} use one of: {', '.join(allowed)}")
    return codec


def _encode_command(encoder: _Encoder, size: tuple[int, int], encoded: tuple[int, int],
                    fps: float, crf: int, out: Path) -> list[str]:
    rate = Fraction(fps).limit_denominator(1_000_000)
    filters = []
    if encoded != size:
        filters.append(f"crop={encoded[0]}:{encoded[1]}:0:0")
    if encoder.tag_bt709:
        filters.append(_BT709)
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-nostdin",
           "-loglevel", "warning", "-y",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}",
           "-framerate", str(rate), "-i", "pipe:0", "-an"]
    if filters:
        cmd += ["-vf", ",".join(filters)]
    cmd += ["-sws_flags", _SWS_FLAGS]
    cmd += [arg.format(crf=crf) for arg in encoder.args]
    cmd += ["-pix_fmt", encoder.pix_fmt, str(out)]
    return cmd


def _open_sequence_sink(path: Path, size: tuple[int, int], overwrite: bool, codec: str,
                        save: Callable[[np.ndarray, Path], None]) -> _SequenceSink:
    suffix = SEQUENCE_CODECS[codec]
    if _PRINTF.search(path.name):
        folder, template = path.parent, path.name
    else:
        folder, template = path, f"%06d{suffix}"
    _check_target(folder, overwrite, folder=True, frame_suffix=suffix)
    absolute = Path(os.path.abspath(folder))
    partial = absolute.with_name(absolute.name + ".partial")
    try:
        return _SequenceSink(folder, partial, template, size, codec, save)
    except OSError as err:
        raise UserError(f"cannot create folder {partial}: {err.strerror}") from err


def _check_target(path: Path, overwrite: bool, *, folder: bool, frame_suffix: str = ".png") -> None:
    """Refuse to replace an existing output unless ``overwrite``; create the parent folder.
    A folder is only replaced if it holds nothing but ``frame_suffix`` files."""
    kind = frame_suffix.lstrip(".").upper()
    if path.exists() or path.is_symlink():
        if folder and not path.is_dir():
            raise UserError(f"{path} exists and is not a folder; choose a folder for {kind} frames")
        if not folder and path.is_dir():
            raise UserError(f"{path} is a folder; choose a file name for the video")
        if not folder or any(path.iterdir()):
            if not overwrite:
                raise UserError(f"{path} exists; pass --overwrite to replace it")
            if folder and not all(p.is_file() and p.suffix.lower() == frame_suffix
                                  for p in path.iterdir()):
                raise UserError(f"{path} holds more than {kind} frames; "
                                "it will not be replaced, choose another folder")
    try:
        path.absolute().parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create folder {path.absolute().parent}: {err.strerror}") from err


def _publish(partial: Path, final: Path) -> None:
    """Rename the finished ``partial`` to ``final``, replacing what is there."""
    if not partial.is_dir():
        os.replace(partial, final)
        return
    old = None
    if final.is_dir():
        if any(final.iterdir()):
            old = Path(os.path.abspath(final))
            old = old.with_name(f"{old.name}.old-{os.getpid()}")
            os.replace(final, old)
        else:
            final.rmdir()
    os.replace(partial, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _kill_and_remove(proc: subprocess.Popen, log, partial: Path) -> None:
    """Stop ``proc`` for good and delete ``partial`` (finalizer; must not reference a sink)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, log):
        try:
            stream.close()
        except OSError:
            pass
    partial.unlink(missing_ok=True)


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
    path = _existing_file(path, "video")
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin",
                             "-i", str(path)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, check=False)
    header = result.stderr.decode(errors="replace")
    codec, size, fps = _parse_video_stream(header, path)
    try:
        frame_count, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    except RuntimeError as err:
        raise UserError(f"cannot decode video {path}: {_last_line(str(err))}") from err
    return VideoInfo(fps=fps, frame_count=frame_count, size=size, codec=codec)


_STREAM = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)(.*)")
_SIZE = re.compile(r", (\d+)x(\d+)[ ,\[]")
_FPS = re.compile(r", ([\d.]+) fps")
_TBR = re.compile(r", ([\d.]+)(k?) tbr")
_ROTATION = re.compile(r"rotation of (-?[\d.]+) degrees")


def _parse_video_stream(header: str, path: Path) -> tuple[str, tuple[int, int], float]:
    """Codec, display size and fps of the first video stream in ``ffmpeg -i`` output."""
    match = _STREAM.search(header)
    if match is None:
        raise UserError(f"{path} is not a readable video: {_last_line(header)}")
    codec, rest = match.group(1), match.group(2) + " "
    size_match = _SIZE.search(rest)
    if size_match is None:
        raise UserError(f"cannot find the frame size of {path}")
    width, height = int(size_match.group(1)), int(size_match.group(2))
    rotation = _ROTATION.search(header[match.end():].split("Stream #", 1)[0])
    if rotation is not None and round(abs(float(rotation.group(1)))) % 180 == 90:
        width, height = height, width
    fps_match = _FPS.search(rest)
    if fps_match is not None:
        fps = float(fps_match.group(1))
    else:
        tbr = _TBR.search(rest)
        if tbr is None:
            raise UserError(f"cannot find the frame rate of {path}")
        fps = float(tbr.group(1)) * (1000 if tbr.group(2) else 1)
    return codec, (width, height), _snap_fps(fps)


def _snap_fps(fps: float) -> float:
    """Undo ffmpeg's 2-decimal rounding for integer and NTSC (n*1000/1001) rates."""
    for exact in (round(fps), round(fps * 1.001) * 1000 / 1001):
        if exact > 0 and abs(fps - exact) < 0.006:
            return float(exact)
    return fps


# --------------------------------------------------------------------------- images


def read_image(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """Load an image as ``uint8 (H, W, 3)`` RGB (alpha dropped, 16-bit reduced to 8-bit).

    With ``size``, the image is fitted to it by :func:`fit_to_size`. A missing or
    unreadable file raises UserError.
    """
    path = _existing_file(path, "image")
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as err:
        raise UserError(f"cannot read image {path}: {err.strerror}") from err
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise UserError(f"{path} is not a readable image (PNG, JPEG, TIFF, BMP, WebP)")
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return rgb if size is None else fit_to_size(rgb, size)


def fit_to_size(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Fit ``frame`` to ``size`` = (width, height) by "cover": scale keeping the aspect
    ratio until the frame fills ``size``, then crop the overflow equally on both sides.

    Area interpolation when shrinking, cubic when enlarging; same-size frames are returned
    as they are.
    """
    width, height = _check_size(size)
    frame_h, frame_w = frame.shape[:2]
    if (frame_w, frame_h) == (width, height):
        return frame
    scale = max(width / frame_w, height / frame_h)
    scaled_w = max(width, round(frame_w * scale))
    scaled_h = max(height, round(frame_h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(frame, (scaled_w, scaled_h), interpolation=interpolation)
    x0, y0 = (scaled_w - width) // 2, (scaled_h - height) // 2
    return np.ascontiguousarray(scaled[y0:y0 + height, x0:x0 + width])


# --------------------------------------------------------------------------- sources


@runtime_checkable
class FrameSource(Protocol):
    """Where input frames come from. ``fps`` and ``frame_count`` are None when unbounded
    (a still image, noise). Yielded frames may be read-only: copy before changing them."""

    size: tuple[int, int]
    fps: float | None
    frame_count: int | None

    def frames(self, start: int = 0) -> Iterator[np.ndarray]:
        """Yield frames from index ``start`` on, one at a time."""
        ...


class ImageSource:
    """A still image, repeated forever."""

    fps: float | None = None
    frame_count: int | None = None

    def __init__(self, path: Path, size: tuple[int, int] | None = None) -> None:
        self.path = Path(path)
        self._frame = _read_only(read_image(path, size))
        self.size = (self._frame.shape[1], self._frame.shape[0])

    def frames(self, start: int = 0) -> Iterator[np.ndarray]:
        while True:
            yield self._frame


class VideoSource:
    """A video file, decoded by ffmpeg as a stream; ``size=None`` keeps the video's size,
    otherwise frames are fitted by :func:`fit_to_size`."""

    def __init__(self, path: Path, size: tuple[int, int] | None = None) -> None:
        self.path = Path(path)
        self.info = probe_video(self.path)
        self.fps: float | None = self.info.fps
        self.frame_count: int | None = self.info.frame_count
        self.size = self.info.size if size is None else _check_size(size)

    def frames(self, start: int = 0) -> Iterator[np.ndarray]:
        """Yield frames from index ``start``; ffmpeg stops when the iterator is closed."""
        reader = imageio_ffmpeg.read_frames(
            str(self.path),
            output_params=["-map", "0:v:0", "-fps_mode", "passthrough", "-sws_flags", _SWS_FLAGS])
        try:
            try:
                meta = next(reader)
            except OSError as err:
                raise UserError(f"cannot decode video {self.path}: {_last_line(str(err))}") \
                    from err
            width, height = meta["size"]
            for index, data in enumerate(reader):
                if index < start:
                    continue
                frame = np.frombuffer(data, np.uint8).reshape(height, width, 3)
                yield fit_to_size(frame, self.size)
        finally:
            reader.close()


class SequenceSource:
    """Numbered images: a folder, a glob (``frames/*.png``) or a printf pattern
    (``frames/%05d.png``), in natural order (``f2`` before ``f10``). ``size=None`` takes the
    first image's size; others are fitted by :func:`fit_to_size`."""

    def __init__(self, path_or_pattern: Path | str, size: tuple[int, int] | None = None,
                 fps: float | None = None) -> None:
        self.files = _list_sequence(str(path_or_pattern))
        self.fps = fps
        self.frame_count: int | None = len(self.files)
        if size is None:
            first = read_image(self.files[0])
            size = (first.shape[1], first.shape[0])
        self.size = _check_size(size)

    def frames(self, start: int = 0) -> Iterator[np.ndarray]:
        for file in self.files[start:]:
            yield read_image(file, self.size)


class NoiseSource:
    """Smooth coloured noise around mid-grey, the same frame at every index; deterministic
    for ``seed`` (low-resolution uniform noise enlarged with cubic interpolation)."""

    fps: float | None = None
    frame_count: int | None = None

    def __init__(self, seed: int, size: tuple[int, int]) -> None:
        self.seed = seed
        self.size = _check_size(size)
        self._frame = _read_only(smooth_noise(seed, self.size))

    def frames(self, start: int = 0) -> Iterator[np.ndarray]:
        while True:
            yield self._frame


def smooth_noise(seed: int, size: tuple[int, int], cell: int = 16) -> np.ndarray:
    """Uniform noise in [64, 192] on a grid of ``cell``-pixel cells, cubic-upscaled to ``size``."""
    width, height = _check_size(size)
    rng = np.random.default_rng(seed)
    grid = rng.uniform(64.0, 192.0, (max(2, -(-height // cell)), max(2, -(-width // cell)), 3))
    smooth = cv2.resize(grid.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    return to_uint8(smooth)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """A float image in [0, 255] as a uint8 frame (rounded, clipped)."""
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _list_sequence(spec: str) -> list[Path]:
    files = list_frame_files(spec, IMAGE_SUFFIXES)
    if files is None:
        raise UserError(f"{spec} is neither a folder of images nor a pattern "
                        "like frames/*.png or frames/%05d.png")
    if not files:
        raise UserError(f"no images found for {spec}")
    return files


def list_frame_files(spec: str, suffixes: tuple[str, ...]) -> list[Path] | None:
    """Files of a numbered sequence in natural (frame number) order: a folder (files with one of
    ``suffixes``), a glob (``frames/*.png``), a printf pattern (``frame_%04d.exr``) or one file.
    None when ``spec`` is none of these."""
    path = Path(spec)
    if path.is_dir():
        files = [p for p in path.iterdir() if p.suffix.lower() in suffixes]
    elif glob.has_magic(spec):
        files = [Path(p) for p in glob.glob(spec)]
    elif _PRINTF.search(path.name):
        prefix, suffix = _PRINTF.split(path.name, maxsplit=1)
        name = re.compile(re.escape(prefix) + r"\d+" + re.escape(suffix))
        files = [p for p in path.parent.iterdir() if name.fullmatch(p.name)] if path.parent.is_dir() else []
    elif path.is_file():
        files = [path]
    else:
        return None
    return sorted((p for p in files if p.is_file()), key=_natural_key)


def _natural_key(path: Path) -> tuple:
    parts = re.split(r"(\d+)", str(path))
    return tuple(int(part) if i % 2 else part.lower() for i, part in enumerate(parts))


# --------------------------------------------------------------------------- helpers


def _check_size(size) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in size)
        valid = (width, height) == tuple(size) and width > 0 and height > 0
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise UserError(f"size must be two positive integers (width, height), got {size!r}")
    return width, height


def _existing_file(path, kind: str) -> Path:
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{kind} {path} is a folder, not a file")
    if not path.is_file():
        raise UserError(f"{kind} not found: {path}")
    return path


def _read_only(frame: np.ndarray) -> np.ndarray:
    frame.flags.writeable = False
    return frame


def _tail(text: str, lines: int = _STDERR_LINES) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:]) or "(ffmpeg printed nothing)"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no details"


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array"
    return type(value).__name__
