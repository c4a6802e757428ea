"""Frames in, frames out: a preset's effect run over frames the caller brings, in memory, one at a
time (the Python API's ``dream_frames``, ``stylize_frames``, ``process_frames``).

The same effect and the same per-frame context as a render (previous output as uint8, the random
generator seeded from (seed, frame index)), without a work folder or an encoder: frame ``i`` of a
stream equals frame ``i`` of rendering the same frames from a file. Only what an effect may still
look back at is kept (the previous frames, ``style.long_term``'s reach).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sized
from itertools import chain

import numpy as np

from ..config import Preset
from ..config.driven import refuse_driven
from ..effects import FrameContext, build_effect
from ..errors import InputError, UserError
from ..videoio import PLAIN, fit_to_size, to_uint8
from .frames import check_frame
from .tfsetup import configure_tensorflow


class FedSource:
    """A frame source the caller feeds frame by frame; keeps the last ``keep`` frames for effects
    that read earlier source frames again (style's long-term and faded frames)."""

    fps = None
    frame_count = None
    offers = PLAIN

    def __init__(self, size: tuple[int, int], keep: int):
        self.size = size
        self.keep = keep
        self._frames: dict[int, np.ndarray] = {}

    def push(self, index: int, frame: np.ndarray) -> None:
        self._frames[index] = frame
        self._frames.pop(index - self.keep, None)

    def frames(self, start: int = 0) -> Generator[np.ndarray, None, None]:
        index = start
        while index in self._frames:
            yield self._frames[index]
            index += 1

    def frame(self, index: int) -> np.ndarray:
        if index not in self._frames:
            raise UserError(f"frame {index} is no longer kept (streams keep the last {self.keep} frames)")
        return self._frames[index]


def check_streamable(preset: Preset) -> None:
    """Effects that need more than the frames so far cannot stream."""
    if preset.effect == "dream_zoom":
        raise UserError("effect dream_zoom makes its own frames from one picture: use "
                        "dreamvideo.render (frames you bring need effect: dream or style)")
    if preset.effect == "style" and preset.style.passes > 1:
        raise UserError("style.passes > 1 goes over the whole clip more than once: use dreamvideo.render")
    refuse_driven(preset, "frames you bring have no clip length to follow it (dreamvideo.render has)")


def as_frame(frame, index: int, fit: tuple[int, int] | None) -> np.ndarray:
    """A caller's frame as uint8 RGB (H, W, 3): floats in [0, 255] are rounded; fitted to ``fit``
    (``output.size``) when given."""
    array = np.asarray(frame)
    if array.ndim != 3 or array.shape[2] != 3:
        raise InputError(f"frame {index}: expected an RGB array of shape (height, width, 3), got {array.shape}")
    array = array if array.dtype == np.uint8 else to_uint8(array.astype(np.float32))
    return array if fit is None else fit_to_size(array, fit)


def stream_frames(preset: Preset, frames: Iterable) -> Iterator[np.ndarray]:
    """Run ``preset``'s effect over ``frames`` (uint8 or float RGB arrays), yielding each output
    frame (uint8 RGB) as soon as it is made. TensorFlow and the network load at the first frame."""
    check_streamable(preset)
    incoming = iter(frames)
    first = next(incoming, None)
    if first is None:
        return
    first = as_frame(first, 0, preset.output.size)
    size = (first.shape[1], first.shape[0])
    keep = 2 + max(preset.style.long_term, default=0)
    source = FedSource(size, keep)
    configure_tensorflow()
    effect = build_effect(preset, source, None)
    total = len(frames) if isinstance(frames, Sized) else None
    outputs: dict[int, np.ndarray] = {}
    previous_source = None
    for index, frame in enumerate(chain([first], incoming)):
        frame = as_frame(frame, index, preset.output.size)
        if frame.shape != first.shape:
            raise InputError(f"frame {index}: {frame.shape[1]}x{frame.shape[0]}, but the first frame is "
                             f"{size[0]}x{size[1]} (give output.size to fit every frame to one size)")
        source.push(index, frame)
        context = FrameContext(index=index, total=total or index + 1, previous=outputs.get(index - 1),
                               source=frame, previous_source=previous_source,
                               rng=np.random.default_rng([preset.seed, index]), history=outputs.__getitem__)
        output = check_frame(effect.render(context), size, index)
        outputs[index] = output
        outputs.pop(index - keep, None)
        previous_source = frame
        yield output.copy()
