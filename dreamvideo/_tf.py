"""Import TensorFlow quietly: its C++ start-up chatter (CUDA probing on machines without a GPU,
absl warnings) goes to /dev/null instead of the user's terminal. Errors still raise normally."""

from __future__ import annotations

import os
from contextlib import contextmanager

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextmanager
def _stderr_silenced():
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


with _stderr_silenced():
    import tensorflow as tf  # noqa: E402

    tf.config.list_physical_devices()  # device probing happens here, silenced

__all__ = ["tf"]
