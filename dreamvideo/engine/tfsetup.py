"""TensorFlow set-up for rendering."""

from __future__ import annotations


def configure_tensorflow() -> None:
    """Deterministic ops (same seed, same frames; resume = uninterrupted run). TensorFlow uses a
    GPU when it sees one and all CPU cores otherwise; nothing here assumes either."""
    from .._tf import tf

    tf.config.experimental.enable_op_determinism()
