"""Style transfer on video (real TF, real OpenCV flow): coherent renders, resume, passes, dreaming
that follows the flow, building from presets.

Tiny images (<= 64 px) and shallow layers keep this file fast on two CPU cores.
"""

import json
import shutil

import cv2
import numpy as np
import pytest

from dreamvideo.config import StyleConfig, parse_preset
from dreamvideo.effects.base import FrameContext
from dreamvideo.effects.dream_video import build as build_dream
from dreamvideo.effects.style import StyleEffect, build
from dreamvideo.errors import UserError
from dreamvideo.engine import WorkFolder, render_frames
from dreamvideo.motion.flow import (OpenCVFlow, PrecomputedFlow, consistency_mask, source_inside, warp,
                             warping_error)
from dreamvideo.plan import plan_for
from dreamvideo.progress import Progress
from dreamvideo.style import Stylizer
from dreamvideo.videoio import PLAIN, SourceOffers
from style_helpers import FAST, config, stripes
from synthetic import moving_square_clip, textured_image, translating_clip


# --- video -----------------------------------------------------------------------------------

SIZE, FRAMES = (48, 32), 4


class ListSource:
    """A FrameSource over a list of frames (counts reads, to see the cache is optional)."""

    offers = PLAIN

    def __init__(self, frames):
        self._frames = frames
        self.size = (frames[0].shape[1], frames[0].shape[0])
        self.reads = 0

    def frames(self, start=0):
        for frame in self._frames[start:]:
            self.reads += 1
            yield frame


def render(effect, frames, start=0, outputs=None):
    outputs = list(outputs or [])
    for index in range(start, len(frames)):
        ctx = FrameContext(index, len(frames), outputs[index - 1] if index else None, frames[index],
                           frames[index - 1] if index else None, np.random.default_rng(index),
                           lambda i: outputs[i])
        outputs.append(effect.render(ctx))
    return outputs


def mean_warping_error(outputs, clip):
    return np.mean([warping_error(outputs[t], outputs[t + 1], clip.flows_bw[t],
                                  consistency_mask(clip.flows_fw[t], clip.flows_bw[t]))
                    for t in range(len(outputs) - 1)])


@pytest.fixture(scope="module")
def clip():
    return translating_clip(SIZE, FRAMES, shift=(2, 1), seed=11)


@pytest.fixture(scope="module")
def coherent_cfg():
    return config(iterations={"first": 30, "next": 12}, long_term=[2], tolerance=1e-3)


@pytest.fixture(scope="module")
def coherent(clip, coherent_cfg):
    effect = StyleEffect(Stylizer([(stripes(), 1.0)], coherent_cfg), OpenCVFlow("dis"),
                         source=ListSource(clip.frames), frame_size=SIZE)
    return effect, render(effect, clip.frames)


def test_coherent_render_has_lower_warping_error_than_independent(clip, coherent):
    effect, outputs = coherent
    independent_cfg = config(iterations={"first": 30, "next": 12}, temporal_weight=0, init="content")
    independent = StyleEffect(Stylizer([(stripes(), 1.0)], independent_cfg), OpenCVFlow("dis"),
                              frame_size=SIZE)
    separate = render(independent, clip.frames)
    assert mean_warping_error(outputs, clip) < 0.5 * mean_warping_error(separate, clip)
    assert effect.stylizer.traces <= 2  # first frame and temporal frames: no retrace per frame


def test_resume_mid_video_gives_the_same_frames(clip, coherent, coherent_cfg):
    _, outputs = coherent
    source = ListSource(clip.frames)
    resumed = StyleEffect(Stylizer([(stripes(), 1.0)], coherent_cfg), OpenCVFlow("dis"),
                          source=source, frame_size=SIZE)
    again = render(resumed, clip.frames, start=2, outputs=outputs[:2])
    assert source.reads > 0  # the frame before previous_source came from the source
    for index in (2, 3):
        np.testing.assert_array_equal(again[index], outputs[index])


def test_only_frames_from_scratch_use_the_pyramid():
    clip = translating_clip((64, 64), 2, shift=(2, 1), seed=14)
    cfg = config(resolutions=2, iterations={"first": 4, "next": 3}, tolerance=0)
    effect = StyleEffect(Stylizer([(stripes(), 1.0)], cfg), OpenCVFlow("dis"), frame_size=(64, 64))
    render(effect, clip.frames[:1])
    assert effect.last.iterations == [4, 2]
    render(effect, clip.frames, start=1, outputs=[effect.last.image])
    assert effect.last.iterations == [3]  # starts from the warped frame: full size only


def test_style_config_accepts_weighted_layers_and_long_term_offsets():
    preset = parse_preset({"effect": "style", "style": {
        "images": ["a.png", {"path": "b.png", "weight": 2}], "long_term": [4, 2],
        "style_layers": ["block1_conv1", {"layer": "block2_conv1", "weight": 0.5}]}})
    assert preset.style.long_term == [2, 4]
    assert preset.style.images[1].weight == 2
    for bad, message in (({"long_term": [1]}, "long_term"), ({"long_term": [2, 2]}, "distinct"),
                         ({"scale": 0}, "scale")):
        with pytest.raises(UserError, match=message):
            parse_preset({"effect": "style", "style": bad})
    with pytest.raises(UserError, match="video.blend: must be between 0 and 1"):
        parse_preset({"effect": "dream", "video": {"blend": [{"frame": 0, "value": 1.5}]}})


def test_build_reads_styles_and_prefers_the_source_flow(tmp_path):
    cv2.imwrite(str(tmp_path / "a.png"), stripes())
    preset = parse_preset({"effect": "style", "style": {**FAST, "images": ["a.png"]}},
                          base_dir=tmp_path)

    class FlowSource(ListSource):  # a Blender render whose flow is its Vector pass
        offers = SourceOffers(exact_flow=True)

        def flow_pair(self, index, a, b):
            return np.zeros((*a.shape[:2], 2), np.float32), np.zeros((*a.shape[:2], 2), np.float32)

    source = FlowSource([textured_image(SIZE)])
    assert build(preset, source, frame_size=SIZE).flow is source
    assert isinstance(build(preset, ListSource(source._frames), frame_size=SIZE).flow, OpenCVFlow)
    with pytest.raises(UserError, match="style.images"):
        build(parse_preset({"effect": "style"}), source, frame_size=SIZE)
    with pytest.raises(UserError, match=r"style.images\[0\]: image not found"):
        build(parse_preset({"effect": "style", "style": {"images": ["missing.png"]}},
                           base_dir=tmp_path), source, frame_size=SIZE)


# --- effect: dream ---------------------------------------------------------------------------

def dream_preset(blend: float):
    return parse_preset({"effect": "dream", "video": {"blend": blend},
                         "dream": {"objective": [{"layer": "block3_conv1"}], "steps": 1,
                                   "first_frame_steps": 8, "octaves": 1, "jitter": 2,
                                   "step_size": 3}})


def test_dream_patterns_follow_a_translating_texture():
    clip = translating_clip((64, 48), 3, shift=(3, 2), seed=12)

    class TrueFlowSource(ListSource):  # like Blender's Vector pass
        offers = SourceOffers(exact_flow=True)

        def flow_pair(self, index, a, b):
            return clip.flows_fw[index], clip.flows_bw[index]

    def patterns(blend):
        effect = build_dream(dream_preset(blend), TrueFlowSource(clip.frames), frame_size=(64, 48))
        assert isinstance(effect.flow, TrueFlowSource)
        outputs = render(effect, clip.frames)
        return [o.astype(np.float32) - f.astype(np.float32) for o, f in zip(outputs, clip.frames)]

    inside = source_inside(clip.flows_bw[1])
    inside[:4], inside[-4:], inside[:, :4], inside[:, -4:] = False, False, False, False

    def correlation(a, b):
        return np.corrcoef(a[inside].ravel(), b[inside].ravel())[0, 1]

    carried, fresh = patterns(0.3), patterns(1.0)
    follows = correlation(carried[2], warp(carried[1], clip.flows_bw[1]))
    stays = correlation(carried[2], carried[1])
    assert follows > 0.9 and follows > stays + 0.3  # moves with the texture, does not crawl
    assert np.abs(carried[2]).mean() > 2 * np.abs(fresh[2]).mean()  # the dream was carried over


def test_dream_start_image_uses_the_input_where_the_flow_fails():
    clip = moving_square_clip((64, 48), 2, seed=13, velocity=(4, 2))
    effect = build_dream(dream_preset(0.25), ListSource(clip.frames), frame_size=(64, 48))
    previous = np.full((48, 64, 3), 200, np.uint8)
    ctx = FrameContext(1, 2, previous, clip.frames[1], clip.frames[0], np.random.default_rng(0),
                       lambda i: previous)
    start = effect.start_image(ctx)
    fw, bw = effect.flow.flow_pair(0, clip.frames[0], clip.frames[1])
    unreliable = consistency_mask(fw, bw) == 0
    assert unreliable.any() and (~unreliable).any()
    np.testing.assert_allclose(start[unreliable], clip.frames[1][unreliable])
    np.testing.assert_allclose(start[~unreliable], 0.75 * 200 + 0.25 * clip.frames[1][~unreliable],
                               atol=0.5)


# --- multi-pass (Ruder et al. 2016, section 3.3) ---------------------------------------------

class RecordingStylizer(Stylizer):
    """A real stylizer that remembers what each call started from."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def stylize(self, content, *, init, **kwargs):
        self.calls.append({"content": np.asarray(content).copy(), "init": np.asarray(init).copy(),
                           "temporal": kwargs.get("temporal")})
        return super().stylize(content, init=init, **kwargs)


def render_passes(clip, work, passes=3, start_with=None):
    """Run the engine's frame loop over ``clip`` into ``work`` with an exact-flow style effect."""
    cfg = config(iterations={"first": 3, "next": 2}, tolerance=0, passes=passes)
    stylizer = RecordingStylizer([(stripes(), 1.0)], cfg)
    source = ListSource(clip.frames)
    effect = StyleEffect(stylizer, PrecomputedFlow(list(zip(clip.flows_fw, clip.flows_bw))),
                         source=source, frame_size=source.size)
    plan = plan_for(parse_preset({"effect": "style", "style": {"passes": passes}}), len(clip.frames))
    work.prepare({"test": 1}, overwrite=False)
    work.describe(plan.records)
    render_frames(effect, source, work, plan, seed=0, progress=Progress("none"))
    return stylizer, plan.total, list(plan.output)


@pytest.fixture(scope="module")
def three_passes(tmp_path_factory):
    clip = translating_clip(SIZE, 3, shift=(2, 1), seed=21)
    work = WorkFolder(tmp_path_factory.mktemp("passes") / "out.work")
    stylizer, total, order = render_passes(clip, work)
    return clip, work, stylizer, total, order


def test_passes_alternate_direction_and_blend_with_the_warped_neighbour(three_passes):
    clip, work, stylizer, total, order = three_passes
    assert (total, order) == (9, [6, 7, 8])
    plan = json.loads((work.root / "plan.json").read_text())
    assert [(p["pass"], p["frame"]) for p in plan] == [
        (0, 0), (0, 1), (0, 2), (1, 2), (1, 1), (1, 0), (2, 0), (2, 1), (2, 2)]
    assert [p["direction"] for p in plan[3:6]] == ["backward"] * 3
    expected_content = [clip.frames[p["frame"]] for p in plan]
    for call, content in zip(stylizer.calls, expected_content):
        np.testing.assert_array_equal(call["content"], content)
    out = [work.read(i).astype(np.float32) for i in range(total)]
    # the first frame of a pass starts from where the previous pass ended (same clip frame)
    np.testing.assert_array_equal(stylizer.calls[3]["init"], out[2])
    # work 4 = frame 1 going backward: half its pass-0 self, half frame 2 of this pass (work 3)
    # moved back along the true motion (content moves by (2, 1) per frame)
    blend = 0.5 * out[1][:-1, :-2] + 0.5 * out[3][1:, 2:]
    np.testing.assert_allclose(stylizer.calls[4]["init"][:-1, :-2], blend, atol=1e-3)
    # its temporal loss looks both ways: frame 2 (this pass) and frame 0 (previous pass)
    target = stylizer.calls[4]["temporal"]
    np.testing.assert_allclose(target.warped[0][:-1, :-2], out[3][1:, 2:], atol=1e-3)
    np.testing.assert_allclose(target.warped[1][1:, 2:], out[0][:-1, :-2], atol=1e-3)
    assert target.weights[:, 8:-8, 8:-8].min() == 1  # exact flow: reliable inside


def test_resume_in_a_backward_pass_gives_the_same_frames(three_passes, tmp_path):
    clip, work, _, total, _ = three_passes
    resumed = WorkFolder(tmp_path / "out.work")
    (resumed.root / "frames").mkdir(parents=True)
    for index in range(4):  # stopped after the first frame of the backward pass
        shutil.copy(work.frame_path(index), resumed.frame_path(index))
    render_passes(clip, resumed)
    for index in range(4, total):
        np.testing.assert_array_equal(resumed.read(index), work.read(index))


def test_temporal_weight_default_depends_on_the_method():
    assert StyleConfig().temporal_weight == 200  # optimisation: bench_style.py's choice
    network = StyleConfig(method="network", network="x.keras")
    assert network.temporal_weight == 25  # the network's blend keeps a fifth of the previous frame
    assert StyleConfig(method="network", network="x.keras", temporal_weight=7).temporal_weight == 7
