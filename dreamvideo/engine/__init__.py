"""The frame engine: drives an effect frame by frame, checkpoints every frame, encodes at the end.

Cut by concept: ``job`` (one preset: open, render segments, finish), ``frames`` (the frame
loop), ``workfolder`` (checkpointed frames on disk), ``lock`` (one run per work folder),
``segments`` (long shots split, seams cross-faded), ``settings`` (resume fingerprint, clip length),
``encode`` (frames -> output), ``tfsetup`` (TensorFlow set-up). The public names are re-exported
here, so ``from dreamvideo.engine import render`` keeps working.
"""

from .encode import Encoding, encode, occupied
from .frames import apply_mask, check_frame, render_frames, source_pairs, stop_requests
from .job import Job, finish_job, open_job, render, render_segment
from .lock import WorkLock
from .segments import MergedFrames, Segment, SegmentFrames, merge_seams, plan_segments
from .settings import DEFAULT_FPS, DEFAULT_STILL_FRAMES, clip_length, file_stamp, fingerprint
from .tfsetup import configure_tensorflow
from .workfolder import WorkFolder

__all__ = [
    "DEFAULT_FPS", "DEFAULT_STILL_FRAMES", "Encoding", "Job", "MergedFrames", "Segment", "SegmentFrames", "WorkFolder",
    "WorkLock", "finish_job", "merge_seams", "open_job", "plan_segments", "render_segment", "apply_mask", "check_frame", "clip_length",
    "configure_tensorflow", "encode", "file_stamp", "fingerprint", "occupied",
    "render", "render_frames", "source_pairs", "stop_requests",
]
