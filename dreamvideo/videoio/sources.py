"""Frame sources: a still image, a video file, a numbered image sequence, or smooth noise.

Each streams frames one at a time (memory does not grow with clip length).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import imageio_ffmpeg
import numpy as np

from dreamvideo.errors import UserError

from .ffmpeg import DECODE_PARAMS, last_line, probe_video
from .images import IMAGE_SUFFIXES, check_size, fit_to_size, read_image, to_uint8
from .sequences import list_frame_files


@dataclass(frozen=True)
class SourceOffers:
    """What a frame source offers beyond its frames, declared by the source (never probed)."""

    files: tuple[Path, ...] = ()  # the input files (the resume fingerprint stamps them)
    masks: bool = False  # ``mask(index)`` (0..1, where the effect applies) and ``frame(index)``
    to_linear: Callable[[np.ndarray], np.ndarray] | None = None  # display -> scene-linear (EXR output)
    exact_flow: bool = False  # ``flow_pair`` and ``reliability``: flow known, not estimated
    flow_method: str | None = None  # the flow estimator the source asks for (dis, farneback)


PLAIN = SourceOffers()


@runtime_checkable
class FrameSource(Protocol):
    """Where input frames come from. ``fps`` and ``frame_count`` are None when unbounded
    (a still image, noise). Yielded frames may be read-only: copy before changing them.
    ``offers``: what else it gives (:class:`SourceOffers`)."""

    size: tuple[int, int]
    fps: float | None
    frame_count: int | None
    offers: SourceOffers

    def frames(self, start: int = 0) -> Generator[np.ndarray, None, None]:
        """Yield frames from index ``start`` on, one at a time. A generator: ``close()`` on it
        releases what it holds (a video's decoder)."""
        ...


class _StillSource:
    """One read-only frame, repeated forever (``_frame`` is set by the subclass)."""

    fps: float | None = None
    frame_count: int | None = None
    offers: SourceOffers = PLAIN
    _frame: np.ndarray

    def frames(self, start: int = 0) -> Generator[np.ndarray, None, None]:
        while True:
            yield self._frame


class ImageSource(_StillSource):
    """A still image, repeated forever."""

    def __init__(self, path: Path, size: tuple[int, int] | None = None) -> None:
        self.path = Path(path)
        self.offers = SourceOffers(files=(self.path,))
        self._frame = _read_only(read_image(path, size))
        self.size = (self._frame.shape[1], self._frame.shape[0])


class NoiseSource(_StillSource):
    """Smooth coloured noise around mid-grey, the same frame at every index; deterministic
    for ``seed`` (low-resolution uniform noise enlarged with cubic interpolation)."""

    def __init__(self, seed: int, size: tuple[int, int], *, cell: int = 16) -> None:
        self.seed = seed
        self.size = check_size(size)
        self._frame = _read_only(smooth_noise(seed, self.size, cell))


class VideoSource:
    """A video file, decoded by ffmpeg as a stream; ``size=None`` keeps the video's size,
    otherwise frames are fitted by :func:`fit_to_size`."""

    def __init__(self, path: Path, size: tuple[int, int] | None = None) -> None:
        self.path = Path(path)
        self.offers = SourceOffers(files=(self.path,))
        self.info = probe_video(self.path)
        self.fps: float | None = self.info.fps
        self.frame_count: int | None = self.info.frame_count
        self.size = self.info.size if size is None else check_size(size)

    def frames(self, start: int = 0) -> Generator[np.ndarray, None, None]:
        """Yield frames from index ``start``; ffmpeg stops when the iterator is closed."""
        reader = imageio_ffmpeg.read_frames(str(self.path), output_params=list(DECODE_PARAMS))
        try:
            try:
                meta = next(reader)
            except OSError as err:
                raise UserError(f"cannot decode video {self.path}: {last_line(str(err))}") \
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
        self.offers = SourceOffers(files=tuple(self.files))
        self.fps = fps
        self.frame_count: int | None = len(self.files)
        if size is None:
            first = read_image(self.files[0])
            size = (first.shape[1], first.shape[0])
        self.size = check_size(size)

    def frames(self, start: int = 0) -> Generator[np.ndarray, None, None]:
        for file in self.files[start:]:
            yield read_image(file, self.size)


def smooth_noise(seed: int, size: tuple[int, int], cell: int = 16) -> np.ndarray:
    """Uniform noise in [64, 192] on a grid of ``cell``-pixel cells, cubic-upscaled to ``size``."""
    width, height = check_size(size)
    rng = np.random.default_rng(seed)
    grid = rng.uniform(64.0, 192.0, (max(2, -(-height // cell)), max(2, -(-width // cell)), 3))
    smooth = cv2.resize(grid.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    return to_uint8(smooth)


def _list_sequence(spec: str) -> list[Path]:
    files = list_frame_files(spec, IMAGE_SUFFIXES)
    if files is None:
        raise UserError(f"{spec} is neither a folder of images nor a pattern "
                        "like frames/*.png or frames/%05d.png")
    if not files:
        raise UserError(f"no images found for {spec}")
    return files


def _read_only(frame: np.ndarray) -> np.ndarray:
    frame.flags.writeable = False
    return frame
