"""Segments of a long shot (``segments: {frames, overlap}``), rendered independently and merged.

Segment k owns frames ``keep`` .. ``stop`` and starts ``overlap`` frames early, at ``start``, made
as frame 0 would be (no previous output). Its warm-up frames (``start`` .. ``keep``) are kept apart
in ``warmup/kkk/`` of the work folder; its own frames go to ``frames/`` like any render. Once
every segment is done, each seam's overlap is cross-faded — segment k-1's frames fade into
segment k's warm-up over ``overlap`` frames, so the jump at the seam is spread into steps
1/(overlap+1) as large — into ``merged/``, which the encoder reads in preference to ``frames/``.
Merging reads only finished frames and rewrites ``merged/`` whole, so it can be repeated.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import SegmentsConfig
from ..videoio import to_uint8
from .workfolder import WorkFolder, frame_name


@dataclass(frozen=True)
class Segment:
    number: int
    start: int  # first frame rendered: the warm-up begins here, as frame 0 would
    keep: int  # first frame this segment owns in the output
    stop: int  # one past its last frame

    @property
    def length(self) -> int:
        return self.stop - self.start


def plan_segments(total: int, config: SegmentsConfig | None) -> list[Segment]:
    """The segments of a clip of ``total`` frames (one segment when ``config`` is None)."""
    if config is None:
        return [Segment(0, 0, 0, total)]
    return [Segment(number, max(0, keep - config.overlap), keep, min(keep + config.frames, total))
            for number, keep in enumerate(range(0, total, config.frames))]


@dataclass(frozen=True)
class SegmentFrames(WorkFolder):
    """One segment's view of the work folder: its warm-up frames in ``warmup/kkk/``."""

    segment: Segment = Segment(0, 0, 0, 0)

    @classmethod
    def of(cls, work: WorkFolder, segment: Segment) -> "SegmentFrames":
        return cls(work.root, segment)

    def frame_path(self, index: int) -> Path:
        if self.segment.start <= index < self.segment.keep:
            return self.warmup_folder(self.segment.number) / frame_name(index)
        return super().frame_path(index)

    def make_folders(self) -> None:
        for index in {self.segment.start, self.segment.keep}:
            self.frame_path(index).parent.mkdir(parents=True, exist_ok=True)


def crossfade_weight(index: int, segment: Segment) -> float:
    """The share of ``segment`` (vs the previous one) in overlap frame ``index``."""
    return (index - segment.start + 1) / (segment.keep - segment.start + 1)


def merge_seams(work: WorkFolder, segments: list[Segment]) -> int:
    """Cross-fade every seam's overlap into ``merged/``; returns how many frames were merged."""
    shutil.rmtree(work.root / "merged", ignore_errors=True)
    (work.root / "merged").mkdir(parents=True)
    merged, count = _MergedOnly(work.root), 0
    for segment in segments[1:]:
        warmup = SegmentFrames.of(work, segment)
        for index in range(segment.start, segment.keep):
            share = crossfade_weight(index, segment)
            mixed = share * warmup.read(index).astype(np.float32) + \
                (1 - share) * work.read(index).astype(np.float32)
            merged.write(index, to_uint8(mixed))
            count += 1
    return count


def _merged_path(root: Path, index: int) -> Path:
    return root / "merged" / frame_name(index)


@dataclass(frozen=True)
class MergedFrames(WorkFolder):
    """The output frames of a segmented render: ``merged/`` where a seam was cross-faded, else
    ``frames/``."""

    def frame_path(self, index: int) -> Path:
        merged = _merged_path(self.root, index)
        return merged if merged.is_file() else super().frame_path(index)


@dataclass(frozen=True)
class _MergedOnly(WorkFolder):
    def frame_path(self, index: int) -> Path:
        return _merged_path(self.root, index)
