"""Multi-pass video style transfer (Ruder et al. 2016, section 3.3): which frame, which way
(pure: no TensorFlow).

A clip of ``frames`` frames rendered in ``passes`` passes is ``frames * passes`` work frames in
render order: pass 0 runs forward (today's single pass), pass 1 backward, pass 2 forward again…
Work frame ``index`` is frame :func:`locate` of pass ``index // frames``; a pass starts where the
previous one ended, so the work frame before the first frame of a pass is the same clip frame
from the previous pass. The output is the last pass. How a later pass starts and what its
temporal loss looks at: :mod:`dreamvideo.style.passes`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PassFrame:
    """Where a work frame sits: its pass, its clip frame and the pass direction (+1 / -1)."""

    index: int
    pass_: int
    frame: int
    direction: int
    frames: int

    @property
    def first_of_pass(self) -> bool:
        return self.index % self.frames == 0

    def work_index(self, pass_: int, frame: int) -> int:
        """The work frame holding clip ``frame`` in pass ``pass_``."""
        return work_index(pass_, frame, self.frames)


def locate(index: int, total: int, passes: int) -> PassFrame:
    """Work frame ``index`` of ``total`` (= clip frames x ``passes``)."""
    frames = total // passes
    pass_, step = divmod(index, frames)
    direction = 1 if pass_ % 2 == 0 else -1
    return PassFrame(index, pass_, step if direction > 0 else frames - 1 - step, direction, frames)


def work_index(pass_: int, frame: int, frames: int) -> int:
    step = frame if pass_ % 2 == 0 else frames - 1 - frame
    return pass_ * frames + step


def plan(frames: int, passes: int) -> tuple[int, list[int]]:
    """(work frames to render, the work frames of the last pass in clip order)."""
    return frames * passes, [work_index(passes - 1, f, frames) for f in range(frames)]


def describe(frames: int, passes: int) -> list[dict]:
    """One record per work frame: its pass, clip frame and direction (for the work folder)."""
    records = []
    for index in range(frames * passes):
        where = locate(index, frames * passes, passes)
        records.append({"work_frame": index, "pass": where.pass_, "frame": where.frame,
                        "direction": "forward" if where.direction > 0 else "backward"})
    return records
