import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))  # tests/synthetic.py fixtures


@pytest.fixture
def no_leftover_ffmpeg():
    """No ffmpeg child of this test process before the test, nor after it."""
    from videoio_helpers import ffmpeg_children

    assert ffmpeg_children() == []
    yield
    assert ffmpeg_children() == []
