"""Which frames a zoom renders, in which order, and which of them are dreamt (pure: no TensorFlow).

A zoom renders its clip frames 0..F-1 and, for a seamless loop (``output.loop``), K closing frames
F..F+K-1 after them that cross-fade into the opening frames 0..K-1 (their camera is the opening
frames' camera: the *phase* of clip frame c is c - F from F on). The output is frames K..F+K-1.

With ``zoom.cadence`` N > 1 only the keyframes — every N-th clip frame, and the last one — are
dreamt; a frame between two keyframes is made from both along the known camera path
(:mod:`dreamvideo.zoom.cadence`). So that both exist when it is made, each keyframe is rendered before the
frames that lead up to it: work order 0, N, 1..N-1, 2N, N+1..2N-1, … . Cadence 1 renders the clip
frames in their own order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class ZoomPlan:
    frames: int   # clip frames F
    closing: int  # closing frames K of a loop (0: no loop)
    cadence: int = 1

    @classmethod
    def of(cls, frames: int, *, loop: bool, loop_frames: int, cadence: int = 1) -> "ZoomPlan":
        closing = min(loop_frames, frames - 1) if loop else 0
        # a closing frame fades into an opening frame, which must be made first: keyframes
        # closer together than the clip is long
        return cls(frames, max(0, closing), max(1, min(cadence, frames - 1)))

    @property
    def total(self) -> int:
        """Work frames rendered: the clip plus the closing frames."""
        return self.frames + self.closing

    def phase(self, clip_frame: int) -> int:
        """The camera/animation frame of a clip frame (closing frames replay the opening's)."""
        return clip_frame - self.frames if clip_frame >= self.frames else clip_frame

    def is_key(self, clip_frame: int) -> bool:
        return clip_frame % self.cadence == 0 or clip_frame == self.total - 1

    def keys_around(self, clip_frame: int) -> tuple[int, int]:
        """The keyframes (a, b) with a < clip_frame < b (a non-key frame lies between them)."""
        start = clip_frame - clip_frame % self.cadence
        return start, min(start + self.cadence, self.total - 1)

    @cached_property
    def clip_frames(self) -> tuple[int, ...]:
        """The clip frame of each work frame, in render order (each keyframe before the frames
        that lead up to it)."""
        order, last_key = [0], 0
        for key in range(1, self.total):
            if not self.is_key(key):
                continue
            order += [key, *range(last_key + 1, key)]
            last_key = key
        return tuple(order)

    @cached_property
    def work_index(self) -> dict[int, int]:
        """clip frame -> work frame."""
        return {clip: work for work, clip in enumerate(self.clip_frames)}

    def output_order(self) -> list[int]:
        """Work frames of the output, in playing order (a loop drops its first K clip frames)."""
        return [self.work_index[clip] for clip in range(self.closing, self.total)]

    def describe(self) -> list[dict]:
        """What each work frame is, for the work folder's ``plan.json``."""
        return [{"frame": clip, "key": self.is_key(clip)} for clip in self.clip_frames]
