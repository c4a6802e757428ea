"""Driven values in the engine: a render follows the track, the curves are part of the
resume fingerprint (a changed track is a changed job), farm segments get them too."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
from music_tracks import click_track

from dreamvideo.cli import main
from dreamvideo.config import load_preset
from dreamvideo.engine import open_job

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
