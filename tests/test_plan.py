"""The frame plan: what every effect renders, declared from the preset and the frame count alone
(no TensorFlow), kept on the job and read by the engine and the farm."""

import cv2
import pytest

from dreamvideo.config import parse_preset
from dreamvideo.engine import open_job
from dreamvideo.farm.submit import expected_total
from dreamvideo.plan import FramePlan, plan_for
from fresh_python import modules_loaded
from synthetic import textured_image


def test_dream_renders_each_clip_frame_once_in_order():
    plan = plan_for(parse_preset({"effect": "dream"}), 5)
    assert plan == FramePlan.identity(5)
    assert plan.total == 5 and plan.whole and plan.records is None


def test_zoom_loop_with_cadence_renders_keyframes_first_and_closing_frames_after():
    preset = parse_preset({"effect": "dream_zoom", "zoom": {"cadence": 4},
                           "output": {"frames": 10, "loop": True, "loop_frames": 3}})
    plan = plan_for(preset, 10)
    assert plan.total == 13 and not plan.whole
    assert plan.clip_frames == (0, 4, 1, 2, 3, 8, 5, 6, 7, 12, 9, 10, 11)
    assert [plan.clip_frame(w) for w in plan.output] == list(range(3, 13))  # the loop drops 0..2
    assert [(r["frame"], r["key"]) for r in plan.records[:3]] == [(0, True), (4, True), (1, False)]


def test_zoom_without_cadence_describes_nothing_beyond_the_order():
    plan = plan_for(parse_preset({"effect": "dream_zoom", "output": {"frames": 6, "loop": True,
                                                                     "loop_frames": 2}}), 6)
    assert plan.clip_frames == tuple(range(8)) and plan.output == tuple(range(2, 8))
    assert plan.records is None


def test_multipass_style_renders_the_clip_once_a_pass_and_outputs_the_last():
    plan = plan_for(parse_preset({"effect": "style", "style": {"passes": 3}}), 3)
    assert plan.clip_frames == (0, 1, 2, 2, 1, 0, 0, 1, 2)
    assert plan.output == (6, 7, 8)
    assert [r["direction"] for r in plan.records[3:6]] == ["backward"] * 3
    single = plan_for(parse_preset({"effect": "style"}), 3)
    assert single.whole and [r["pass"] for r in single.records] == [0, 0, 0]


def test_a_style_network_makes_each_frame_once_whatever_passes_says(tmp_path):
    network = tmp_path / "n.keras"
    network.write_bytes(b"")
    preset = parse_preset({"effect": "style", "style": {"method": "network", "network": str(network),
                                                         "passes": 2}})
    assert plan_for(preset, 4) == FramePlan.identity(4)


def test_the_plan_is_made_without_tensorflow():
    """A fresh interpreter plans every effect and loads neither TensorFlow nor OpenCV."""
    code = ("from dreamvideo.config import parse_preset\nfrom dreamvideo.plan import plan_for\n"
            "for effect in ('dream', 'dream_zoom', 'style'):\n"
            "    plan_for(parse_preset({'effect': effect, 'zoom': {'cadence': 2}, 'style': {'passes': 2}}), 9)")
    assert modules_loaded(code, ("tensorflow", "keras", "cv2")) == []


@pytest.mark.parametrize("settings, total", [
    ({"effect": "style", "style": {"passes": 2, "images": ["in0.png"]}}, 12),
    ({"effect": "dream_zoom", "output": {"loop": True, "loop_frames": 2}}, 8),
    ({"effect": "dream", "segments": {"frames": 4, "overlap": 2}}, 8),
])
def test_the_job_keeps_the_plan_and_the_farm_counts_from_it(tmp_path, settings, total):
    for index in range(6):
        cv2.imwrite(str(tmp_path / f"in{index}.png"), textured_image((32, 32), seed=index))
    preset = parse_preset({**settings, "source": {"sequence": str(tmp_path / "in*.png")},
                           "output": {"path": str(tmp_path / "out.mp4"), "frames": 6,
                                      **settings.get("output", {})}}, base_dir=tmp_path)
    job, _ = open_job(preset)
    assert job.plan == plan_for(preset, 6)
    assert expected_total(job) == total  # segments: 4 + (2 warm-up + 2)
