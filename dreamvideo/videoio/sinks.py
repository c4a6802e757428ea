"""Frame sinks: stream frames into an ffmpeg-encoded video or a folder of PNG / EXR files.

Output is written under a ``.partial`` name next to the final one and renamed on ``close()``,
so a half-written file never carries the final name.
"""

from __future__ import annotations

import abc
import errno
import os
import shutil
import subprocess
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from dreamvideo.errors import UserError

from .ffmpeg import ENCODERS, FfmpegError, encode_command, log_tail
from .images import check_size, srgb_to_linear, write_png
from .outputs import SEQUENCE_CODECS, check_target, choose_codec, publish
from .sequences import is_pattern

if TYPE_CHECKING:
    from dreamvideo.audio.mux import Soundtrack

ToLinear = Callable[[np.ndarray], np.ndarray]
SaveFrame = Callable[[np.ndarray, Path], None]


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
        self._check_frame(frame)
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
            publish(self._partial, self.path)
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

    def _check_frame(self, frame) -> None:
        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
            raise ValueError(f"frames must be uint8 numpy arrays, got {_describe(frame)}")
        width, height = self.size
        if frame.shape != (height, width, 3):
            raise ValueError(f"frame shape {frame.shape} does not match sink size "
                             f"{width}x{height} (expected {(height, width, 3)})")

    @abc.abstractmethod
    def _write(self, frame: np.ndarray) -> None: ...

    @abc.abstractmethod
    def _finish(self) -> None: ...

    @abc.abstractmethod
    def _discard(self) -> None: ...


class FfmpegSink(FrameSink):
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

    def _error(self, what: str) -> Exception:
        """FfmpegError quoting ffmpeg's log; an OSError naming the file when the disk is full."""
        self._log.seek(0)
        text = self._log.read().decode(errors="replace")
        if "No space left on device" in text:
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self._partial))
        return FfmpegError(f"{what} (exit status {self._proc.returncode}):\n{log_tail(text)}")


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


class SequenceSink(FrameSink):
    """Writes numbered image files into a partial folder, renamed to the final folder on close.

    ``save(frame, path)`` writes one file: PNG as it is, EXR converted to scene-linear floats.
    """

    def __init__(self, folder: Path, partial: Path, template: str, size: tuple[int, int],
                 codec: str, save: SaveFrame) -> None:
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


def _exr_saver(to_linear: ToLinear) -> SaveFrame:
    from dreamvideo.videoio.exr import write_exr  # OpenEXR is only loaded when EXRs are written

    def save(frame: np.ndarray, path: Path) -> None:
        write_exr(path, np.asarray(to_linear(frame), np.float32))

    return save


def open_sink(path: Path, *, fps: float, size: tuple[int, int], codec: str | None = None,
              crf: int = 18, overwrite: bool = False,
              to_linear: ToLinear | None = None, soundtrack: Soundtrack | None = None) -> FrameSink:
    """Open a sink for frames of ``size`` = (width, height) at ``fps``.

    ``codec`` is one of ``CODECS``; None picks it from the path: ``.mp4`` -> h264 (libx264,
    yuv420p, faststart), ``.mov`` -> prores (prores_ks HQ, yuv422p10le; ``hap`` and ``h264``
    may also go in .mov), ``.webm`` -> vp9, and a path without suffix (a folder of
    ``000000.png`` ...) or with a ``%05d``-style pattern (``frames/f_%05d.png``, numbered from
    0) -> png. ``exr`` writes a folder (``000000.exr`` ...) or a ``%05d.exr`` pattern of
    32-bit float RGB EXRs: each display frame is turned back into scene-linear light by
    ``to_linear`` (uint8 RGB -> float32 RGB; e.g. a Blender source's ``display.to_linear``), by
    default the sRGB decode; other codecs ignore it. ``crf`` applies to h264 (0-51) and vp9
    (0-63). YUV files are tagged BT.709. A ``soundtrack`` (:mod:`dreamvideo.audio.mux`) is muxed
    into a video file; frame folders take none (UserError).

    Size policy: frames are always written at ``size``; when the codec needs it, ffmpeg crops
    the last column and/or row (right and bottom edges): h264 and vp9 to even sizes (4:2:0
    chroma), hap to multiples of 4 (DXT blocks). Never rescaled. ``sink.encoded_size`` tells the
    result. prores, png and exr keep any size.

    An existing output raises UserError unless ``overwrite``; a PNG (EXR) folder is only
    replaced if it holds nothing but PNG (EXR) files.
    """
    path = Path(path)
    size = check_size(size)
    if not fps or fps <= 0:
        raise UserError(f"fps must be a positive number, got {fps!r}")
    codec = choose_codec(path, codec)
    if codec in SEQUENCE_CODECS:
        if soundtrack is not None:
            raise UserError(f"{codec.upper()} frames have no sound track; write a .mp4, .mov or .webm for audio")
        save = write_png if codec == "png" else _exr_saver(to_linear or srgb_to_linear)
        return _open_sequence_sink(path, size, overwrite, codec, save)
    return _open_video_sink(path, size, fps, codec, crf, overwrite, soundtrack)


def _open_video_sink(path: Path, size: tuple[int, int], fps: float, codec: str, crf: int,
                     overwrite: bool, soundtrack: Soundtrack | None = None) -> FfmpegSink:
    encoder = ENCODERS[codec]
    if encoder.crf_max is not None and not 0 <= crf <= encoder.crf_max:
        raise UserError(f"crf for {codec} must be between 0 and {encoder.crf_max}, got {crf}")
    width, height = size
    encoded = (width - width % encoder.block, height - height % encoder.block)
    if 0 in encoded:
        raise UserError(f"frame size {width}x{height} is too small for {codec} "
                        f"(needs at least {encoder.block}x{encoder.block})")
    check_target(path, overwrite, folder=False)
    partial = path.with_name(f"{path.stem}.partial{path.suffix}")
    cmd = encode_command(encoder, size, encoded, fps, crf, partial, soundtrack)
    return FfmpegSink(path, partial, codec, size, encoded, cmd)


def _open_sequence_sink(path: Path, size: tuple[int, int], overwrite: bool, codec: str,
                        save: SaveFrame) -> SequenceSink:
    suffix = SEQUENCE_CODECS[codec]
    if is_pattern(path):
        folder, template = path.parent, path.name
    else:
        folder, template = path, f"%06d{suffix}"
    check_target(folder, overwrite, folder=True, frame_suffix=suffix)
    absolute = Path(os.path.abspath(folder))
    partial = absolute.with_name(absolute.name + ".partial")
    try:
        return SequenceSink(folder, partial, template, size, codec, save)
    except OSError as err:
        raise UserError(f"cannot create folder {partial}: {err.strerror}") from err


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array"
    return type(value).__name__
