"""Values driven by a track: generated tracks with known answers (clicks at known times, a tone
that swells), the beat-loop arithmetic, and bad input named in one line before any work."""

from __future__ import annotations

import numpy as np
import pytest
from music_tracks import CLICKS, SECONDS, click_track, metronome, swell

from dreamvideo.audio.decode import read_track
from dreamvideo.audio.drive import drive_preset, driven_curves
from dreamvideo.audio.events import event_times, tempo
from dreamvideo.audio.tempo import beat_loop
from dreamvideo.cli import main
from dreamvideo.config import Keyframe, parse_preset, value_at

FPS = 30


@pytest.fixture(scope="module")
def track(tmp_path_factory):
    return click_track(tmp_path_factory.mktemp("music") / "clicks.wav")


def curves(track, seconds: float = SECONDS, **values) -> dict[str, np.ndarray]:
    preset = parse_preset({"zoom": {key: {"audio": str(track), **spec} for key, spec in values.items()}})
    return {key.split(".")[-1]: np.array(v) for key, v in driven_curves(preset, FPS, int(seconds * FPS)).items()}


def click_frames() -> list[int]:
    return [int(click * FPS) for click in CLICKS]


def local_peaks(curve: np.ndarray) -> list[int]:
    """The frame of the highest value within half a second of each click."""
    return [max(range(frame - FPS // 2, frame + FPS // 2), key=lambda f: curve[f]) for frame in click_frames()]


def test_high_band_peaks_within_a_frame_of_each_click(track):
    scale = curves(track, scale={"band": "high", "min": 1.005, "max": 1.04, "attack": 0, "release": 0.1})["scale"]
    assert all(abs(peak - frame) <= 1 for peak, frame in zip(local_peaks(scale), click_frames()))
    assert scale.max() == pytest.approx(1.04) and scale.min() == pytest.approx(1.005, abs=1e-4)
    between = [int((a + b) / 2 * FPS) for a, b in zip(CLICKS, CLICKS[1:])]
    assert all(scale[f] < 1.01 for f in between)  # the tone is not in the high band


def test_low_band_follows_the_swell(track):
    rotate = curves(track, rotate={"band": "low", "min": -2, "max": 3, "attack": 0.02, "release": 0.05})["rotate"]
    truth = swell(np.arange(len(rotate)) / FPS)
    assert np.corrcoef(rotate, truth)[0, 1] > 0.99
    assert np.abs((rotate + 2) / 5 - truth).max() < 0.06  # mapped from 0..1 onto -2..3
    assert rotate[int(SECONDS / 2 * FPS)] == pytest.approx(3, abs=0.1)


def test_several_values_follow_several_bands_of_one_track(track):
    both = curves(track, scale={"band": "high", "min": 1, "max": 2, "release": 0.1},
                  rotate={"band": "low", "min": 0, "max": 1})
    assert np.corrcoef(both["rotate"], swell(np.arange(len(both["rotate"])) / FPS))[0, 1] > 0.99
    assert all(abs(p - f) <= 1 for p, f in zip(local_peaks(both["scale"]), click_frames()))


def test_onsets_are_pulses_on_the_clicks(track):
    pulse = curves(track, scale={"onsets": True, "min": 1, "max": 2, "release": 0.1})["scale"]
    assert all(abs(p - f) <= 1 for p, f in zip(local_peaks(pulse), click_frames()))
    assert [pulse[p] for p in local_peaks(pulse)] == pytest.approx([2.0] * len(CLICKS), abs=0.05)
    assert pulse[:click_frames()[0] - 1].max() == pytest.approx(1.0)


def test_beats_and_tempo_of_a_metronome(tmp_path):
    path = metronome(tmp_path / "m.wav", bpm=120, seconds=10)
    beats = event_times(read_track(path), "beats", key="k")
    clicks = np.arange(0.25, 9.9, 0.5)
    assert len(beats) >= len(clicks) - 3  # the tracker may leave out the first and last
    assert all(np.abs(clicks - b).min() < 1 / FPS for b in beats)
    assert tempo(read_track(path), key="k") == pytest.approx(120, abs=0.5)
    pulse = curves(path, seconds=10, scale={"beats": True, "min": 1, "max": 2, "release": 0.05})["scale"]
    on_beat = [int(b * FPS) for b in beats]
    assert all(pulse[f - 1:f + 2].max() == pytest.approx(2, abs=0.05) for f in on_beat)
    off_beat = [f + FPS // 4 for f in on_beat if f + FPS // 4 < len(pulse)]  # an eighth note later
    assert all(pulse[f] < 1.05 for f in off_beat)


def test_driven_value_becomes_a_keyframe_per_frame(track):
    preset = parse_preset({"zoom": {"scale": {"audio": str(track), "band": "high", "min": 1, "max": 2}}})
    driven = drive_preset(preset, FPS, 40)
    assert len(driven.zoom.scale) == 40 and all(isinstance(k, Keyframe) for k in driven.zoom.scale)
    assert value_at(driven.zoom.scale, 15) == max(k.value for k in driven.zoom.scale[:30])  # the first click
    assert driven.zoom.rotate == preset.zoom.rotate and drive_preset(parse_preset({}), FPS, 40) == parse_preset({})
    with pytest.raises(TypeError):
        value_at(preset.zoom.scale, 3)


def test_offset_shifts_the_curve(track):
    plain = curves(track, scale={"band": "high", "release": 0.1})["scale"]
    late = curves(track, scale={"band": "high", "release": 0.1, "offset": 1.0})["scale"]
    assert np.allclose(late[:60], plain[30:90])


@pytest.mark.parametrize("fps, frames, rate", [(30, 225, 30.0), (24, 180, 24.0), (25, 188, 188 / 7.5)])
def test_sixteen_beats_at_128_bpm(fps, frames, rate):
    loop = beat_loop(fps, 128, 16)  # 16 beats at 128 bpm last 7.5 s
    assert (loop.frames, loop.fps) == (frames, pytest.approx(rate))
    assert (loop.note is None) == (fps * 7.5 == int(fps * 7.5))
    if loop.note:
        assert "187.500 frames at 25 fps; rendering 188 frames at 25.0667 fps" in loop.note


BAD = [
    ("zoom: {scale: {audio: nowhere.wav}}", "zoom.scale.audio: not found: "),
    ("zoom: {scale: {audio: track.wav, band: bass}}", "zoom.scale.band: must be one of 'low', 'mid', 'high' or 'full', got 'bass'"),
    ("zoom: {scale: {audio: track.wav, min: 2, max: 1}}", "zoom.scale: min must be <= max, got min 2 > max 1"),
    ("dream: {step_size: {audio: notes.txt}}", "dream.step_size.audio: not a readable audio track: "),
    ("output: {audio: nowhere.wav}", "output.audio.path: not found: "),
    ("output: {loop_beats: 16}", "output: loop_beats needs bpm"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_music_input_is_one_line_naming_the_key_before_any_work(tmp_path, track, capsys, text, message):
    (tmp_path / "track.wav").write_bytes(track.read_bytes())
    (tmp_path / "notes.txt").write_text("not audio\n")
    preset = tmp_path / "p.yaml"
    preset.write_text(f"output: {{path: out.mp4, frames: 2, size: [32, 32]}}\n{text}\n".replace(
        "output: {path: out.mp4, frames: 2, size: [32, 32]}\noutput: {", "output: {path: out.mp4, size: [32, 32], "))
    assert main(["render", str(preset), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "p.yaml", "track.wav"]  # no work folder


def test_a_photo_refuses_a_driven_value(tmp_path, track, capsys):
    preset = tmp_path / "p.yaml"
    preset.write_text(f"dream: {{step_size: {{audio: {track}}}}}\n")
    assert main(["dream", str(track), "-o", str(tmp_path / "o.png"), "--preset", str(preset)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("dream.step_size: follows a track, but a photo has no frames to follow it; "
                        "give a number (--set dream.step_size=1.5)")


def test_a_zoom_loop_shows_each_value_with_the_sound_heard_then(tmp_path):
    """A zoom loop's output starts at its K-th rendered frame (zoom/plan.py): the click heard at
    output frame 3 must drive animation frame 3 + K."""
    track = click_track(tmp_path / "t.wav", clicks=(0.25,), seconds=1.0, tone=False)
    preset = parse_preset({"output": {"frames": 12, "fps": 12, "loop": True, "loop_frames": 4},
                           "zoom": {"scale": {"audio": str(track), "band": "high", "min": 1, "max": 2,
                                              "attack": 0, "release": 0.01}}})
    keys = [key.value for key in drive_preset(preset, 12, 12).zoom.scale]
    assert int(np.argmax(keys)) == 3 + 4
    plain = drive_preset(preset.model_copy(update={"effect": "dream"}), 12, 12)  # no rotation without a zoom loop
    assert int(np.argmax([key.value for key in plain.zoom.scale])) == 3


def test_frames_you_bring_and_pictures_refuse_a_driven_value(track):
    import dreamvideo

    driven = {"dream": {"step_size": {"audio": str(track)}}}
    with pytest.raises(dreamvideo.PresetError, match=r"^dream.step_size: follows a track, but frames you bring"):
        dreamvideo.dream_frames([np.zeros((32, 32, 3), np.uint8)], driven)
    with pytest.raises(dreamvideo.PresetError, match=r"^dream.step_size: follows a track, but a picture has no frames"):
        dreamvideo.dream_image(np.zeros((32, 32, 3), np.uint8), driven)
