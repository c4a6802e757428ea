"""Seamless zoom loops: the seam is an ordinary transition."""

import numpy as np

from dreamvideo.cli import main
from dreamvideo.config import load_preset
from dreamvideo.effects.dream_zoom import transition_errors
from dreamvideo.videoio import SequenceSource


def test_loop_seam_is_no_larger_than_a_typical_step(tmp_path):
    preset = tmp_path / "loop.yaml"
    preset.write_text("""
effect: dream_zoom
source: {noise: {seed: 2}}
output: {path: loop, frames: 8, size: [48, 40], loop: true, loop_frames: 4}
dream: {steps: 2, step_size: 3, objective: [{layer: block3_conv1}], jitter: 4}
zoom: {scale: 1.06, rotate: 3}
""")
    assert main(["render", str(preset), "--quiet"]) == 0
    frames = list(SequenceSource(tmp_path / "loop").frames())
    assert len(frames) == 8
    steps, seam = transition_errors(frames, load_preset(preset).zoom, closing=True)
    typical = float(np.median(steps))
    assert seam / typical <= 1.2, (seam, steps)
    assert steps.max() / typical < 2.5, steps  # the closing cross-fade has no jumps either


def test_without_loop_the_seam_is_a_jump(tmp_path):
    preset = tmp_path / "open.yaml"
    preset.write_text("""
effect: dream_zoom
source: {noise: {seed: 2}}
output: {path: open, frames: 8, size: [48, 40]}
dream: {steps: 2, step_size: 3, objective: [{layer: block3_conv1}], jitter: 4}
zoom: {scale: 1.06, rotate: 3}
""")
    assert main(["render", str(preset), "--quiet"]) == 0
    frames = list(SequenceSource(tmp_path / "open").frames())
    steps, seam = transition_errors(frames, load_preset(preset).zoom, closing=True)
    assert seam > 1.5 * float(np.median(steps))
