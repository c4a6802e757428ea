"""The track muxed into the output: AAC in MP4, PCM in MOV, trimmed (and offset) to the clip;
frame folders and clips without output.audio get none."""

from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
from music_tracks import click_track

from dreamvideo.audio.bands import band_level
from dreamvideo.audio.decode import read_track
from dreamvideo.audio.mux import Soundtrack
from dreamvideo.cli import main
from dreamvideo.errors import UserError
from dreamvideo.videoio import open_sink, probe_video

FPS = 12


def audio_codec(path) -> str | None:
    header = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                            capture_output=True, text=True).stderr
    line = next((l for l in header.splitlines() if "Audio:" in l), None)
    return None if line is None else line.split("Audio:")[1].split()[0].strip(",")


def write_clip(path, frames: int, soundtrack=None, codec=None):
    with open_sink(path, fps=FPS, size=(32, 16), codec=codec, soundtrack=soundtrack) as sink:
        for index in range(frames):
            sink.write(np.full((16, 32, 3), index * 10, np.uint8))


def click_times(path) -> list[float]:
    """Seconds of the loud moments of the high band (the clicks) in a file's audio."""
    track = read_track(path)
    level = band_level(track, "high")
    loud = np.flatnonzero(level > level.max() / 2)
    starts = loud[np.insert(np.diff(loud) > 4, 0, True)]
    return list(starts * 256 / track.rate)


@pytest.mark.parametrize("suffix, codec", [(".mp4", "aac"), (".mov", "pcm_s16le")])
def test_muxed_audio_lasts_the_clip_from_the_offset(tmp_path, suffix, codec):
    track = click_track(tmp_path / "t.wav", clicks=(0.7, 1.3, 2.2), seconds=3.0)
    out = tmp_path / f"clip{suffix}"
    write_clip(out, 18, Soundtrack(track, start=0.5, seconds=18 / FPS), codec="h264" if suffix == ".mov" else None)
    assert audio_codec(out) == codec
    assert probe_video(out).frame_count == 18
    heard = read_track(out)
    assert heard.seconds == pytest.approx(1.5, abs=0.03)  # 18 frames at 12 fps, not the track's 3 s
    assert click_times(out) == pytest.approx([0.2, 0.8], abs=0.03)  # the clicks at 0.7 and 1.3 s


def test_a_short_track_is_padded_with_silence(tmp_path):
    track = click_track(tmp_path / "t.wav", clicks=(0.2,), seconds=0.5)
    write_clip(tmp_path / "clip.mp4", 24, Soundtrack(track, start=0.0, seconds=2.0))
    assert read_track(tmp_path / "clip.mp4").seconds == pytest.approx(2.0, abs=0.03)


def test_no_audio_unless_asked_and_none_in_frame_folders(tmp_path):
    write_clip(tmp_path / "plain.mp4", 6)
    assert audio_codec(tmp_path / "plain.mp4") is None
    track = click_track(tmp_path / "t.wav", clicks=(0.2,), seconds=0.5)
    with pytest.raises(UserError, match="PNG frames have no sound track"):
        write_clip(tmp_path / "frames", 2, Soundtrack(track, 0.0, 0.5))


LOOP = """\
effect: dream_zoom
source: {noise: {seed: 1}}
output: {path: loop.mp4, fps: 12, frames: 12, size: [32, 32], loop: true, loop_frames: 4, audio: AUDIO}
dream: {steps: 1, objective: [{layer: block2_conv1}], jitter: 2}
zoom: {scale: {audio: t.wav, band: high, min: 1.0, max: 1.2, release: 0.05}}
"""


def test_a_rendered_loop_carries_its_track_in_step_with_the_driven_value(tmp_path, capsys):
    click_track(tmp_path / "t.wav", clicks=(1.25, 1.75), seconds=3.0)
    (tmp_path / "p.yaml").write_text(LOOP.replace("AUDIO", "{path: t.wav, offset: 1.0}"))
    assert main(["render", str(tmp_path / "p.yaml"), "--quiet"]) == 0
    assert audio_codec(tmp_path / "loop.mp4") == "aac"
    assert read_track(tmp_path / "loop.mp4").seconds == pytest.approx(1.0, abs=0.03)
    assert click_times(tmp_path / "loop.mp4") == pytest.approx([0.25, 0.75], abs=0.03)
    (tmp_path / "p.yaml").write_text(LOOP.replace(", audio: AUDIO", ""))
    assert main(["render", str(tmp_path / "p.yaml"), "--quiet", "--overwrite"]) == 0
    assert audio_codec(tmp_path / "loop.mp4") is None  # a loop gets no audio unless asked
    (tmp_path / "p.yaml").write_text(LOOP.replace("loop.mp4", "frames").replace("AUDIO", "t.wav"))
    assert main(["render", str(tmp_path / "p.yaml"), "--quiet"]) == 2
    assert "output.audio: PNG frames have no sound track" in capsys.readouterr().err
