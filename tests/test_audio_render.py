"""Driven values in the engine: a render follows the track, the curves are part of the
resume fingerprint (a changed track is a changed job), farm segments get them too."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
from music_tracks import click_track, metronome

from dreamvideo.cli import main
from dreamvideo.config import load_preset
from dreamvideo.engine import open_job
from dreamvideo.videoio import probe_video

ZOOM = """\
effect: dream_zoom
source: {noise: {seed: 5}}
output: {path: frames, fps: 12, frames: 8, size: [48, 32]}
dream: {steps: 1, objective: [{layer: block2_conv1}], jitter: 2}
zoom: {scale: {audio: track.wav, band: high, min: 1.0, max: 1.3, attack: 0, release: 0.05}}
seed: 2
"""


def test_driven_scale_is_keyed_per_frame_and_fingerprinted(tmp_path):
    click_track(tmp_path / "track.wav", clicks=(0.25,), seconds=1.0, tone=False)
    (tmp_path / "p.yaml").write_text(ZOOM)
    job, _ = open_job(load_preset(tmp_path / "p.yaml"))
    scale = [key.value for key in job.preset.zoom.scale]
    assert len(scale) == 8 and int(np.argmax(scale)) == 3  # 0.25 s at 12 fps
    assert scale[3] == 1.3 and min(scale) == 1.0
    assert job.fingerprint["zoom"]["scale"][3]["value"] == 1.3

    click_track(tmp_path / "track.wav", clicks=(0.25,), seconds=1.0, tone=False)  # same sound, new file
    assert open_job(load_preset(tmp_path / "p.yaml"))[0].fingerprint == job.fingerprint
    click_track(tmp_path / "track.wav", clicks=(0.5,), seconds=1.0, tone=False)  # another track
    assert open_job(load_preset(tmp_path / "p.yaml"))[0].fingerprint != job.fingerprint


def test_changed_track_is_a_changed_job(tmp_path, capsys):
    click_track(tmp_path / "track.wav", clicks=(0.25,), seconds=1.0, tone=False)
    (tmp_path / "p.yaml").write_text(ZOOM)
    assert main(["render", str(tmp_path / "p.yaml"), "--quiet", "--keep-work", "--set", "output.frames=4"]) == 0
    settings = json.loads((tmp_path / "frames.work" / "settings.json").read_text())
    assert [key["value"] for key in settings["zoom"]["scale"]][3] == 1.3
    frames = [cv2.imread(str(p)) for p in sorted((tmp_path / "frames").glob("*.png"))]
    moved = [np.abs(a.astype(int) - b).mean() for a, b in zip(frames, frames[1:])]
    assert int(np.argmax(moved)) == 2  # the big zoom step is into frame 3, on the click

    shutil.rmtree(tmp_path / "frames")  # the work folder stays, for a resume
    click_track(tmp_path / "track.wav", clicks=(0.5,), seconds=1.0, tone=False)
    assert main(["render", str(tmp_path / "p.yaml"), "--quiet", "--set", "output.frames=4"]) == 2
    assert "rendered with other settings" in capsys.readouterr().err


LOOP = """\
effect: dream_zoom
source: {noise: {seed: 5}}
output: {path: loop.mp4, fps: FPS, size: [32, 32], bpm: BPM, loop_beats: BEATS, loop_frames: 2}
dream: {steps: 1, objective: [{layer: block2_conv1}], jitter: 2}
zoom: {scale: 1.04}
"""


def loop_preset(folder, fps, bpm, beats):
    path = folder / "loop.yaml"
    path.write_text(LOOP.replace("FPS", str(fps)).replace("BPM", str(bpm)).replace("BEATS", str(beats)))
    return path


def test_sixteen_beats_at_128_bpm_and_30_fps_is_225_frames(tmp_path):
    job, _ = open_job(load_preset(loop_preset(tmp_path, 30, 128, 16)))
    assert (job.frames, job.fps, job.preset.output.loop, job.notes) == (225, 30, True, ())
    job, _ = open_job(load_preset(loop_preset(tmp_path, 25, 128, 16)))  # 187.5 frames: nudged
    assert (job.frames, job.fps) == (188, 188 / 7.5)
    assert job.notes == ("output.loop_beats: 16 beats at 128 bpm last 7.5 s = 187.500 frames at 25 fps; "
                         "rendering 188 frames at 25.0667 fps",)


def test_a_rendered_beat_loop_lasts_its_beats(tmp_path, capsys):
    preset = loop_preset(tmp_path, 10, 360, 2)  # 2 beats at 360 bpm = 1/3 s = 3.33 frames at 10 fps
    assert main(["render", str(preset)]) == 0
    assert "rendering 3 frames at 9 fps" in capsys.readouterr().err
    info = probe_video(tmp_path / "loop.mp4")
    assert (info.frame_count, info.fps) == (3, 9)


def test_the_tempo_read_from_a_track(tmp_path, capsys):
    metronome(tmp_path / "m.wav", bpm=120, seconds=8)
    (tmp_path / "loop.yaml").write_text(LOOP.replace("FPS", "12").replace("BPM", "{audio: m.wav}").replace("BEATS", "4"))
    job, _ = open_job(load_preset(tmp_path / "loop.yaml"))
    assert job.frames == 24 and job.fps == 12  # 4 beats at 120 bpm = 2 s
    assert job.notes[0].startswith("output.bpm: 120") and "bpm read from m.wav" in job.notes[0]


def test_frames_given_win_over_loop_beats(tmp_path):
    job, _ = open_job(load_preset(loop_preset(tmp_path, 30, 128, 16), ["output.frames=3"]))
    assert job.frames == 3
    assert job.notes == ("output.frames: 3 given, so output.loop_beats (16) is not used",)


FARM = """\
effect: dream
source: {sequence: "clip/%04d.png"}
output: {path: OUT, fps: 12, frames: 8}
dream: {steps: 1, objective: [{layer: block2_conv1}], jitter: 2,
        step_size: {audio: track.wav, band: high, min: 0.0, max: 4.0, attack: 0, release: 0.05}}
segments: {frames: 4, overlap: 2}
seed: 3
"""


def test_farm_segments_follow_the_track_like_the_local_render(tmp_path):
    """Workers get the job's keyframes (not the track): the farm's frames are the local ones."""
    click_track(tmp_path / "track.wav", clicks=(0.25,), seconds=1.0, tone=False)  # frame 3 dreams hard
    (tmp_path / "clip").mkdir()
    rng = np.random.default_rng(0)
    for index in range(8):
        cv2.imwrite(str(tmp_path / "clip" / f"{index:04d}.png"), rng.integers(60, 190, (24, 32, 3), np.uint8))
    (tmp_path / "p.yaml").write_text(FARM.replace("OUT", "farm"))
    assert main(["render", str(tmp_path / "p.yaml"), "--workers", "2", "--quiet"]) == 0
    assert main(["render", str(tmp_path / "p.yaml"), "--quiet", "--set", "output.path=local"]) == 0
    farm = [cv2.imread(str(p)) for p in sorted((tmp_path / "farm").glob("*.png"))]
    local = [cv2.imread(str(p)) for p in sorted((tmp_path / "local").glob("*.png"))]
    assert len(farm) == len(local) == 8
    assert all(np.array_equal(a, b) for a, b in zip(farm, local))
    source = [cv2.imread(str(p)) for p in sorted((tmp_path / "clip").glob("*.png"))]
    change = [np.abs(a.astype(int) - b).mean() for a, b in zip(local, source)]
    assert int(np.argmax(change[:6])) == 3  # the click's frame is dreamt hardest
