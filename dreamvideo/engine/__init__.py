"""The frame engine: drives an effect frame by frame, checkpoints every frame, encodes at the end.

Cut by concept: ``job`` (one preset in this process), ``frames`` (the frame loop),
``workfolder`` (checkpointed frames on disk), ``settings`` (resume fingerprint, clip length),
``encode`` (frames -> output), ``tfsetup`` (TensorFlow set-up). The public names are re-exported
here, so ``from dreamvideo.engine import render`` keeps working.
"""

from .encode import encode, occupied
from .frames import apply_mask, check_frame, render_frames, source_pairs, stop_requests
from .job import render
from .settings import DEFAULT_FPS, DEFAULT_STILL_FRAMES, clip_length, file_stamp, fingerprint, input_files
from .tfsetup import configure_tensorflow
from .workfolder import WorkFolder

__all__ = [
    "DEFAULT_FPS", "DEFAULT_STILL_FRAMES", "WorkFolder", "apply_mask", "check_frame", "clip_length",
    "configure_tensorflow", "encode", "file_stamp", "fingerprint", "input_files", "occupied",
    "render", "render_frames", "source_pairs", "stop_requests",
]
