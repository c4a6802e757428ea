"""The frame loop: make every frame missing from the work folder, in order. Frames are the only
carried state: the previous output frame is read back from its PNG and the random generator is
seeded from (seed, frame index), so a resumed run produces exactly the frames of an
uninterrupted one."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from ..effects import FrameContext
from ..errors import Interrupted, UserError
from ..plan import FramePlan
from ..progress import Progress
from ..videoio import to_uint8
from .workfolder import WorkFolder


def render_frames(effect, source, work: WorkFolder, plan: FramePlan, *, seed: int, progress: Progress,
                  first: int = 0, stop: int | None = None) -> None:
    """Make every work frame of ``plan`` from ``first`` to ``stop`` (default: all) missing from
    the work folder, in order; frame ``first`` is made as frame 0 would be (no previous output).
    Each gets the mask of the clip frame it shows. Stop cleanly when asked. ``work`` is anything
    with ``first_missing``, ``read``, ``write`` and ``frame_path`` (a segment's view)."""
    total = plan.total
    stop = total if stop is None else stop
    start = work.first_missing(stop, first)
    if start > first:
        progress.message(f"resuming at frame {start}/{stop} from {work.root}")
    progress.start(stop - first, start - first)
    with stop_requests() as requested:
        for index, (previous_source, current_source) in zip(range(start, stop),
                                                            source_pairs(source, start, plan.frames)):
            context = FrameContext(
                index=index, total=total,
                previous=work.read(index - 1) if index > first else None,
                source=current_source, previous_source=previous_source if index > first else None,
                rng=np.random.default_rng([seed, index]),
                history=work.read, first=first,
            )
            frame = check_frame(effect.render(context), source.size, index)
            clip_frame = plan.clip_frame(index)
            work.write(index, apply_mask(source, clip_frame, frame,
                                         current_source if clip_frame == index else None))
            progress.update(index + 1 - first, file=str(work.frame_path(index)), clip_frame=clip_frame)
            if requested[0] and index + 1 < stop:
                raise Interrupted(index + 1, total, work.root)


@contextmanager
def stop_requests() -> Iterator[list[bool]]:
    """While active, the first Ctrl-C / SIGTERM only asks to stop after the current frame; a second
    Ctrl-C stops at once (finished frames are safe on disk either way)."""
    requested = [False]
    if threading.current_thread() is not threading.main_thread():
        yield requested  # a farm worker's thread: its process is stopped by the farm, not by signals
        return

    def handler(signum, frame):
        if requested[0] and signum == signal.SIGINT:
            raise KeyboardInterrupt
        requested[0] = True

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def source_pairs(source, start: int, frames: int):
    """(previous source frame, current source frame) from ``start`` on; the last frame of a
    finite source repeats once it runs out (stills repeat by nature), also when resuming past it."""
    stream = source.frames(max(0, min(start, frames) - 1))
    previous, last = None, None
    if start > 0:
        previous = last = next(stream, None)
    while True:
        current = next(stream, last)
        if current is None:
            raise UserError("source: no frames could be read")
        yield previous, current
        previous = last = current


def apply_mask(source, index: int, frame: np.ndarray, original: np.ndarray | None) -> np.ndarray:
    """Keep the effect only where the source's mask of clip frame ``index`` is (Blender object
    masks, soft edges); ``original`` is that source frame (None: read from the source)."""
    if not source.offers.masks or index >= source.frame_count:
        return frame
    if original is None:
        original = source.frame(index)
    weight = source.mask(index)[..., None]
    mixed = weight * frame.astype(np.float32) + (1 - weight) * original.astype(np.float32)
    return to_uint8(mixed)


def check_frame(frame: np.ndarray, size: tuple[int, int], index: int) -> np.ndarray:
    expected = (size[1], size[0], 3)
    if frame.dtype != np.uint8 or frame.shape != expected:
        raise RuntimeError(f"effect returned {frame.dtype} {frame.shape} for frame {index}, expected uint8 {expected}")
    return frame
