"""``inspect audio``: the plot of a track's band levels, or of exactly the values a preset
drives, frame by frame; bad input is one line."""

from __future__ import annotations

import cv2
import numpy as np
from music_tracks import click_track

from dreamvideo.audio.drive import driven_curves
from dreamvideo.cli import main
from dreamvideo.config import load_preset
from dreamvideo.inspect.music import LANE, preset_plot

PRESET = """\
source: {noise: {}}
output: {path: out.mp4, fps: 24, size: [64, 32], bpm: 128, loop_beats: 4}
zoom:
  scale: {audio: t.wav, band: low, min: 1.0, max: 1.05}
  rotate: {audio: t.wav, band: high, min: -1, max: 1, release: 0.1}
"""


def test_band_levels_of_a_track(tmp_path, capsys):
    track = click_track(tmp_path / "t.wav", seconds=2.0, clicks=(0.5, 1.5))
    assert main(["inspect", "audio", str(track), "-o", str(tmp_path / "c.png"), "--fps", "24"]) == 0
    picture = cv2.imread(str(tmp_path / "c.png"))
    assert picture.shape[0] == 28 + LANE * 5 + 30  # the track and four bands
    assert "wrote" in capsys.readouterr().out


def test_a_presets_driven_values_at_its_length(tmp_path, capsys):
    click_track(tmp_path / "t.wav", seconds=4.0, clicks=(0.5, 1.5))
    (tmp_path / "p.yaml").write_text(PRESET)
    plot = preset_plot(tmp_path / "p.yaml", [])
    curves = plot.curves
    assert [c.label for c in curves] == ["zoom.scale", "zoom.rotate"]
    assert len(curves[0].values) == 45 and plot.fps == 24  # 4 beats at 128 bpm = 1.875 s = 45 frames
    assert (plot.track, plot.offset) == (tmp_path / "t.wav", 0.0)
    timed = load_preset(tmp_path / "p.yaml", ["output.frames=45", "output.loop_beats=null", "output.bpm=null"])
    assert np.array_equal(curves[1].values, driven_curves(timed, 24, 45)["zoom.rotate"])
    assert main(["inspect", "audio", "--preset", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "c.png")]) == 0
    assert cv2.imread(str(tmp_path / "c.png")).shape[0] == 28 + LANE * 3 + 30


def test_missing_track_is_one_line(tmp_path, capsys):
    assert main(["inspect", "audio", str(tmp_path / "none.wav"), "-o", str(tmp_path / "c.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "track: not found:" in err
