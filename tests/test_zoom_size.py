"""A zoom at any size: keyframes and frames between them (``zoom.cadence``), and outputs larger
than their design width (``dream.design_width``)."""

import cv2
import numpy as np

from dreamvideo.components.sources import source_for
from dreamvideo.cli import main
from dreamvideo.config import load_preset
from dreamvideo.config.dream import ZoomConfig
from dreamvideo.effects.dream_zoom import transition_errors
from dreamvideo.plan import ZoomPlan
from dreamvideo.videoio import SequenceSource
from dreamvideo.zoom.cadence import camera_path, in_between, move
from dreamvideo.zoom.refine import Ladder, down, lock_structure
from dreamvideo.zoom.stationary import band_energy
from synthetic import textured_image


def test_plan_renders_each_keyframe_before_the_frames_leading_to_it():
    plan = ZoomPlan.of(10, loop=False, loop_frames=4, cadence=4)
    assert plan.clip_frames == (0, 4, 1, 2, 3, 8, 5, 6, 7, 9)  # 9, the last, is a keyframe too
    assert [plan.clip_frames[w] for w in plan.output_order()] == list(range(10))
    assert plan.keys_around(6) == (4, 8) and plan.keys_around(9 - 1) == (8, 9)
    looped = ZoomPlan.of(10, loop=True, loop_frames=3, cadence=4)
    assert looped.total == 13 and looped.is_key(12)
    assert [looped.clip_frames[w] for w in looped.output_order()] == list(range(3, 13))
    assert looped.phase(11) == 1
    short = ZoomPlan.of(3, loop=True, loop_frames=45, cadence=4)  # closing frames fade into 0, 1
    assert short.cadence == 2 and short.clip_frames == (0, 2, 1, 4, 3)


def test_cadence_one_is_the_clip_in_order():
    plan = ZoomPlan.of(6, loop=True, loop_frames=2, cadence=1)
    assert plan.clip_frames == tuple(range(8)) and plan.output_order() == list(range(2, 8))


def test_frame_between_keyframes_follows_the_camera_exactly():
    """Keyframes that are the same picture moved along the camera give, between them, that
    picture moved to the frame's place (from both sides: zoom in and turn)."""
    zoom = ZoomConfig(scale=1.05, rotate=2.0, pan=(0.5, -0.3))
    picture = textured_image((96, 64), seed=3).astype(np.float32)
    size = (96, 64)
    later, _ = move(picture, camera_path(zoom, [1, 2, 3], size))
    expected, _ = move(picture, camera_path(zoom, [1], size))
    made = in_between(picture, later, zoom=zoom, before=[1], after=[2, 3])
    inner = (slice(12, -12), slice(16, -16))
    assert np.abs(made - expected)[inner].mean() < 2.0
    wrong_way, _ = move(picture, camera_path(zoom, [1, 2], size))
    assert np.abs(wrong_way - expected)[inner].mean() > 4 * np.abs(made - expected)[inner].mean()


def test_cross_fade_keeps_detail_where_keyframes_disagree():
    """Two unrelated textures cross-faded half-way keep their fine detail's energy instead of
    losing a third of it."""
    zoom = ZoomConfig(scale=1.0)
    first = textured_image((96, 64), seed=1).astype(np.float32)
    second = textured_image((96, 64), seed=2).astype(np.float32)
    made = in_between(first, second, zoom=zoom, before=[1], after=[2])
    plain = (first + second) / 2

    def fine(image):
        return float(np.std(image - cv2.GaussianBlur(image, (0, 0), 1.0)))

    assert fine(made) > 0.9 * (fine(first) + fine(second)) / 2
    assert fine(plain) < 0.8 * (fine(first) + fine(second)) / 2


def test_locked_structure_is_the_design_picture_seen_small():
    ladder = Ladder.of((192, 108), 48)
    assert ladder.design == (48, 27) and ladder.levels() == [(96, 54), (192, 108)]
    detail = textured_image((192, 108), seed=4).astype(np.float32)
    structure = cv2.resize(textured_image((48, 27), seed=5), (48, 27)).astype(np.float32)
    locked = lock_structure(detail, structure)
    def error(image):
        seen = cv2.GaussianBlur(down(image, (48, 27)), (0, 0), 1.0)
        return np.abs(seen - cv2.GaussianBlur(structure, (0, 0), 1.0)).mean()

    assert error(locked) < 0.05 * error(detail), (error(locked), error(detail))
    fine = locked - cv2.GaussianBlur(locked, (0, 0), 2.0)
    assert np.std(fine) > 0.5 * np.std(detail - cv2.GaussianBlur(detail, (0, 0), 2.0))


ZOOM = """
effect: dream_zoom
source: {{noise: {{seed: 4, cell: 6}}}}
output: {{path: {name}, frames: {frames}, size: [{width}, {height}], loop: {loop}, loop_frames: 3}}
dream: {{steps: 2, first_frame_steps: 6, step_size: 4, objective: [{{layer: block3_conv1}}], jitter: 4,
        design_width: 48, refine_steps: 1}}
zoom: {{scale: 1.05, rotate: 2, cadence: {cadence}}}
seed: 3
"""


def render(tmp_path, name, *, width=48, height=32, frames=6, cadence=1, loop="false", extra=()):
    preset = tmp_path / f"{name}.yaml"
    preset.write_text(ZOOM.format(name=name, width=width, height=height, frames=frames,
                                  cadence=cadence, loop=loop))
    assert main(["render", str(preset), "--quiet", *extra]) == 0
    return list(SequenceSource(tmp_path / name).frames()), preset


def test_larger_output_shows_the_design_size_picture(tmp_path):
    """At 4x its design width the zoom, area-averaged, is the design-width render: the same
    structures, as strongly dreamt (change to the source within 0.8x-1.25x)."""
    small, preset = render(tmp_path, "small", frames=3)
    large, _ = render(tmp_path, "large", width=192, height=128, frames=3)
    source = next(source_for(load_preset(preset)).frames()).astype(np.float32)
    seen = [down(frame, (48, 32)) for frame in large]
    change_small = np.abs(small[0] - source).mean()
    change_large = np.abs(seen[0] - source).mean()
    assert 0.8 < change_large / change_small < 1.25, (change_small, change_large)
    difference = np.abs(seen[0] - small[0]).mean()
    assert difference < 0.35 * change_small, (difference, change_small)
    assert large[0].shape == (128, 192, 3)


def resumes_exactly(tmp_path, whole: list[np.ndarray], preset) -> None:
    """The same preset rendered again, stopped after 5 work frames as by a crash, then resumed:
    its frames are ``whole``'s exactly."""
    part = tmp_path / "part.yaml"
    part.write_text(preset.read_text().replace(f"path: {preset.stem}", "path: part"))
    assert main(["render", str(part), "--quiet", "--keep-work"]) == 0
    frames = sorted((tmp_path / "part.work" / "frames").glob("*.png"))
    for late in frames[5:]:  # as after a crash: work frames 5.. are gone
        late.unlink()
    (tmp_path / "part").rename(tmp_path / "part.first")
    assert main(["render", str(part), "--quiet"]) == 0
    for a, b in zip(whole, SequenceSource(tmp_path / "part").frames(), strict=True):
        assert np.array_equal(a, b)


def test_cadence_loop_closes_and_resumes_exactly(tmp_path):
    whole, preset = render(tmp_path, "whole", frames=9, cadence=3, loop="true")
    assert len(whole) == 9
    steps, seam = transition_errors(whole, load_preset(preset).zoom, closing=True)
    assert seam / float(np.median(steps)) <= 1.3, (seam, steps)
    resumes_exactly(tmp_path, whole, preset)


def test_refined_zoom_resumes_exactly(tmp_path):
    """At 2x its design width a 5 %/frame camera earns 1.7 refinement steps a frame (1 or 2 by
    turns, from the frame numbers alone): a resumed render refines as the whole one did."""
    whole, preset = render(tmp_path, "whole", width=96, height=64, frames=9, loop="true")
    resumes_exactly(tmp_path, whole, preset)


def test_preview_renders_the_design_size_beside_the_output(tmp_path):
    preset = tmp_path / "clip.yaml"
    preset.write_text(ZOOM.format(name="clip.mp4", width=192, height=128, frames=2, cadence=1, loop="false"))
    assert main(["render", str(preset), "--quiet", "--preview"]) == 0
    assert not (tmp_path / "clip.mp4").exists()
    from dreamvideo.videoio import VideoSource

    video = VideoSource(tmp_path / "clip.preview.mp4")
    assert video.size == (48, 32) and video.frame_count == 2


OPENING = """
effect: dream_zoom
source: {{noise: {{seed: 2, cell: 4}}}}
output: {{path: {name}, frames: 14, size: [96, 64]}}
dream: {{steps: 2, first_frame_steps: 6, step_size: 3, objective: [{{layer: block3_conv1}}], jitter: 4,
        design_width: 32, refine_steps: 1}}
zoom: {{scale: 1.0, rotate: 1}}
seed: 3
"""


def opening_and_running_detail(tmp_path, template: str, name: str) -> tuple[float, float]:
    """The finest Laplacian band at full size of a rendered zoom's opening frame, and its mean
    over the last four frames (the zoom running)."""
    preset = tmp_path / f"{name}.yaml"
    preset.write_text(template.format(name=name))
    assert main(["render", str(preset), "--quiet"]) == 0
    fine = [band_energy(frame.astype(np.float32), 2)[0] for frame in SequenceSource(tmp_path / name).frames()]
    return fine[0], float(np.mean(fine[-4:]))


def test_opening_frame_has_the_detail_of_a_running_zoom(tmp_path):
    """At 3x its design width a turning zoom's opening frame carries nearly the fine detail (the
    finest Laplacian band at full size) of its frames once the zoom runs (without its grown
    detail: 0.49x, a soft enlargement that fills in over the first frames)."""
    opening, running = opening_and_running_detail(tmp_path, OPENING, "opening")
    assert opening > 0.65 * running, (opening, running)


GROWN = """
effect: dream_zoom
source: {{noise: {{seed: 2, cell: 4}}}}
output: {{path: {name}, frames: 24, size: [192, 128]}}
dream: {{steps: 2, first_frame_steps: 6, step_size: [{{frame: 0, value: 6, ease: hold}}, {{frame: 1, value: 1.5}}],
        objective: [{{layer: block3_conv1}}], jitter: 4, design_width: 32, refine_steps: 2}}
zoom: {{scale: 1.04, rotate: 1}}
seed: 3
"""


def test_opening_detail_is_grown_with_the_running_zooms_step(tmp_path):
    """A preset with a strong opening dream (step 6 on frame 0, 1.5 after): the opening frame's
    grown detail is a running zoom's past, so its finest band at full size is near the running
    frames' (0.82x; grown with the opening's step: 1.81x, a crisp opening that fades)."""
    opening, running = opening_and_running_detail(tmp_path, GROWN, "grown")
    assert 0.65 * running < opening < 1.3 * running, (opening, running)


QUIET_START = """
effect: dream_zoom
source: {{noise: {{seed: 2, cell: 4}}}}
output: {{path: {name}, frames: 24, size: [192, 128]}}
dream: {{steps: 2, first_frame_steps: 6, step_size: [{{frame: 0, value: 1.5, ease: hold}}, {{frame: 1, value: 0.3, ease: hold}},
        {{frame: 2, value: 2.5}}], objective: [{{layer: block3_conv1}}], jitter: 4, design_width: 32, refine_steps: 2}}
zoom: {{scale: 1.01, rotate: 1}}
seed: 3
"""


def test_opening_detail_is_grown_with_the_running_zooms_average_step(tmp_path):
    """A step that is quiet on the first keyframe (0.3, like an audio-driven step between two
    hits) and 2.5 after: the opening's detail is grown with the running zoom's average step, so
    its finest band at full size is near the running frames' (0.86x; grown with the first
    keyframe's step: 0.19x, a soft opening that fills in over the first frames)."""
    opening, running = opening_and_running_detail(tmp_path, QUIET_START, "quiet")
    assert 0.65 * running < opening < 1.3 * running, (opening, running)


ACCELERATING = """
effect: dream_zoom
source: {{noise: {{seed: 4, cell: 4}}}}
output: {{path: {name}, frames: 40, size: [192, 128]}}
dream: {{steps: 2, first_frame_steps: 6, step_size: 1.5, objective: [{{layer: block3_conv1}}], jitter: 4,
        design_width: 32, refine_steps: 2}}
zoom: {{scale: [{{frame: 0, value: 1.005}}, {{frame: 10, value: 1.005}}, {{frame: 20, value: 1.08}}]}}
seed: 3
"""


def test_accelerating_zoom_keeps_its_fine_detail(tmp_path):
    """A zoom that speeds up from 0.5 to 8 %/frame carries its fine detail off ~16x faster: its
    keyframes refine more, so the fast frames keep more than 0.45x the slow ones' finest band at
    full size (0.59x; with the slow frames' refinement 0.33x, a soft enlargement at 100 %)."""
    preset = tmp_path / "fast.yaml"
    preset.write_text(ACCELERATING.format(name="fast"))
    assert main(["render", str(preset), "--quiet"]) == 0
    fine = [band_energy(frame.astype(np.float32), 2)[0] for frame in SequenceSource(tmp_path / "fast").frames()]
    slow, fast = float(np.mean(fine[6:10])), float(np.mean(fine[-6:]))
    assert fast > 0.45 * slow, (slow, fast)


SLOW = """
effect: dream_zoom
source: {{noise: {{seed: 2, cell: 4}}}}
output: {{path: {name}, frames: 72, size: [192, 128]}}
dream: {{steps: 2, first_frame_steps: 6, step_size: 1.5, objective: [{{layer: block3_conv1}}], jitter: 4,
        design_width: 32, refine_steps: 2}}
zoom: {{scale: 1.008, rotate: 0.5}}
seed: 3
"""


def test_slow_zooms_fine_detail_does_not_pile_up(tmp_path):
    """At 0.8 %/frame a detail lives ~90 frames: refined every frame it piled up (finest band at
    full size 13.4 -> 23.2 over 72 frames, the opening 0.58x the last frames'). Refined in
    proportion to the camera's rate, on an opening grown over two octaves of camera, the opening
    holds 1.00x the running frames' detail."""
    opening, running = opening_and_running_detail(tmp_path, SLOW, "slow")
    assert 0.8 * running < opening < 1.25 * running, (opening, running)


def test_refinement_is_in_proportion_to_the_cameras_rate():
    """A detail gets the same refinement steps over its lifetime (an octave of camera scale) at
    every speed and cadence; the steps between two frames follow from the frame numbers alone."""
    from dreamvideo.zoom.refine import GROW_FRAMES, growth_keyframes, growth_steps, refine_credit, steps_between

    for scale, cadence in [(1.008, 1), (1.012, 4), (1.03, 1), (1.06, 2), (0.97, 1)]:
        lifetime = round(np.log(2) / abs(np.log(scale)))
        credit = refine_credit(4, [scale] * (lifetime + 1), cadence)
        keys = range(0, lifetime + 1, cadence)
        total = sum(steps_between(credit, a, b) for a, b in zip(keys, keys[1:]))
        assert abs(total - 4 * GROW_FRAMES / cadence) <= 4 + 1, (scale, cadence, total)
        grown = growth_steps(4, scale, growth_keyframes(scale, cadence), cadence)
        assert abs(sum(grown) - 2 * 4 * GROW_FRAMES / cadence) <= 4 + 1, (scale, cadence, sum(grown))
    varying = [1.0] + [1.004 + 0.02 * (k % 7 == 0) for k in range(1, 200)]
    credit = refine_credit(4, varying)
    assert steps_between(credit, 10, 60) == steps_between(credit, 10, 30) + steps_between(credit, 30, 60)
    assert steps_between(credit, 13, 14) >= 3  # a kick (2.4 %) at frame 14 refines 3-4 steps ...
    assert max(steps_between(credit, k, k + 1) for k in range(14, 20)) <= 1  # ... the quiet frames 0-1
