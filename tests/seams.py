"""The seam metric of a segmented render, from its output and its kept work folder.

For each seam, the pairs of consecutive frames across its cross-fade — from the last frame of the
earlier segment alone to the first frame of the later one alone — are compared, by the warping
error with the clip's exact flows (disoccluded pixels left out), with the warping error *within
segments* at the same place of the clip: the earlier segment's own frames and the later segment's
own warm-up frames over the same pairs. The same place matters: how hard a stretch of clip is
to keep coherent varies more along a 64-px clip than any seam does.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from dreamvideo.engine import Segment
from dreamvideo.motion.flow import warping_error


def read_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def seam_report(output: list[np.ndarray], work: Path, segments: list[Segment], clip) -> list[dict]:
    """Per seam: ``across`` (mean error over the cross-fade's pairs), ``within`` (median error of
    the two segments' own frames over those pairs), ``ratio`` = across / within, ``worst_pair``
    (the cross-fade's largest pair / within) and ``hard_cut`` (the jump / within had the segments
    been butted together without a cross-fade)."""
    def error(a: np.ndarray, b: np.ndarray, t: int) -> float:
        return warping_error(a, b, clip.flows_bw[t], ~clip.disoccluded[t])

    owned = {i: read_rgb(work / "frames" / f"{i:06d}.png") for i in range(len(output))}
    report = []
    for segment in segments[1:]:
        warm = {i: read_rgb(work / "warmup" / f"{segment.number:03d}" / f"{i:06d}.png")
                for i in range(segment.start, segment.keep)}
        warm[segment.keep] = owned[segment.keep]
        pairs = range(segment.start - 1, segment.keep)
        merged = [error(output[t], output[t + 1], t) for t in pairs]
        within = [error(owned[t], owned[t + 1], t) for t in pairs if t + 1 < segment.keep]
        within += [error(warm[t], warm[t + 1], t) for t in pairs if t >= segment.start]
        jump = error(owned[segment.keep - 1], owned[segment.keep], segment.keep - 1)
        median = float(np.median(within))
        report.append({"seam": segment.keep, "across": float(np.mean(merged)), "within": median,
                       "ratio": float(np.mean(merged)) / median, "worst_pair": max(merged) / median,
                       "hard_cut": jump / median})
    return report
