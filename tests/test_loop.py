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


def test_source_blend_brings_the_source_image_back(tmp_path):
    import cv2
    from synthetic import textured_image

    picture = textured_image((48, 40), seed=6)
    cv2.imwrite(str(tmp_path / "in.png"), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))

    def render(name, blend):
        preset = tmp_path / f"{name}.yaml"
        preset.write_text(f"""
source: {{image: in.png}}
output: {{path: {name}, frames: 5, size: [48, 40]}}
dream: {{steps: 1, step_size: 4, objective: [{{layer: block3_conv1}}]}}
zoom: {{scale: 1.1, rotate: 5, source_blend: {blend}}}
""")
        assert main(["render", str(preset), "--quiet"]) == 0
        return list(SequenceSource(tmp_path / name).frames())

    def distance(frame):
        return np.abs(frame.astype(float) - picture.astype(float)).mean()

    drifting, anchored = render("drift", 0.0), render("anchored", 0.6)
    assert distance(anchored[-1]) < 0.6 * distance(drifting[-1])
