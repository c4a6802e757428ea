"""Every shipped preset renders (at a tiny size, two frames) through the real CLI."""

from pathlib import Path

import pytest

from dreamvideo.cli import main
from dreamvideo.videoio import SequenceSource

PRESETS = sorted((Path(__file__).parents[1] / "presets").glob("*.yaml"))


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_preset_renders_tiny(preset, tmp_path):
    output = tmp_path / "frames"
    code = main(["render", str(preset), "--quiet", "--set", f"output.path={output}", "--set", "output.codec=png",
                 "--set", "output.size=[48, 32]", "--set", "output.frames=3", "--set", "dream.steps=1",
                 "--set", "dream.first_frame_steps=1", "--set", "style.iterations={first: 3, next: 2}",
                 "--set", "dream.octaves=1", "--set", "style.resolutions=1",
                 "--set", "output.audio=null"])  # PNG frames take no sound track
    assert code == 0
    frames = list(SequenceSource(output).frames())
    assert len(frames) == 3 and frames[0].shape == (32, 48, 3)
