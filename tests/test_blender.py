"""The Blender source against real Blender renders (Cycles on the CPU, 96x54, 6 frames).

The scene (tests/blender_scene.py) is rendered once per session by the bpy interpreter in a
subprocess. Checks: every pass is read; our display conversion of Combined matches Blender's own
8-bit display renders; the Vector-pass flow follows the documented convention (compared with the
projected motion of tracked surface points, and by warping one frame onto the next, better than
OpenCV's DIS flow); the object-index mask covers the right object.
"""

import cv2
import numpy as np
import pytest

from blender_truth import true_disocclusion
from bpy_env import render_test_scene, requires_bpy
from dreamvideo.blender.source import BlenderSource
from dreamvideo.videoio.colour import DisplayTransform
from dreamvideo.videoio.exr import read_passes
from dreamvideo.motion.flow import OpenCVFlow, consistency_mask, warp

pytestmark = requires_bpy


@pytest.fixture(scope="session")
def render(tmp_path_factory):
    return render_test_scene(tmp_path_factory)


@pytest.fixture(scope="session")
def source(render):
    return BlenderSource({"frames": str(render["dir"] / "exr"), "fps": render["fps"]})


def _psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


PASS_INDEX = {"Cube": 1, "Sphere": 2, "Cone": 3}


def _sample(flow, point, object_index=None, index=None):
    """Flow at a continuous pixel position (pixel centres at +0.5): bilinear, or — when the
    Object Index pass and the object's index are given — the median over the 3x3 pixels around
    the point that show that object, so that anti-aliased silhouette pixels (whose vectors are
    filtered with the background's) cannot blur a small object's motion."""
    if object_index is None:
        x, y = np.float32([[point[0] - 0.5]]), np.float32([[point[1] - 0.5]])
        return cv2.remap(flow, x, y, cv2.INTER_LINEAR)[0, 0]
    col, row = int(point[0]), int(point[1])
    window = (slice(max(row - 1, 0), row + 2), slice(max(col - 1, 0), col + 2))
    mine = np.round(object_index[window]) == index
    assert mine.any(), f"object {index} not under its tracked point {point}"
    return np.median(flow[window][mine], axis=0)


def test_every_pass_is_read(render):
    width, height = render["size"]
    files = sorted((render["dir"] / "exr").glob("*.exr"))
    assert len(files) == render["frames"]
    for file in files:
        passes = read_passes(file)
        assert passes["Combined"].shape == (height, width, 4)
        assert passes["Vector"].shape == (height, width, 4)
        assert passes["Depth"].shape == (height, width)
        assert set(np.unique(passes["Object Index"])) <= {0.0, *map(float, render["objects"].values())}
        assert np.isfinite(passes["Vector"]).all() and (passes["Depth"] > 0).all()


def test_source_protocol(render, source):
    assert source.size == tuple(render["size"]) and source.frame_count == render["frames"]
    assert source.fps == render["fps"]
    frames = list(source.frames())
    assert len(frames) == render["frames"]
    assert all(f.dtype == np.uint8 and f.shape == (*render["size"][::-1], 3) for f in frames)


@pytest.mark.parametrize("display", ["standard", "agx", "agx_graded"])
def test_display_matches_blenders_own_render(render, display):
    settings = render["displays"][display]
    transform = DisplayTransform(ocio_config=render["ocio_config"], **settings)
    for index, file in enumerate(sorted((render["dir"] / "exr").glob("*.exr"))):
        ours = transform.to_display(read_passes(file)["Combined"])
        blender = cv2.imread(str(render["dir"] / display / file.with_suffix(".png").name))[..., ::-1]
        assert _psnr(ours, blender) >= 40, f"{display} frame {index}: {_psnr(ours, blender):.1f} dB"
    if display == "standard":  # the numpy sRGB path (no OCIO) agrees too
        plain = DisplayTransform().to_display(read_passes(file)["Combined"])
        assert _psnr(plain, blender) >= 40


def test_vector_pass_convention_matches_projected_motion(render, source):
    """flow_fw at a tracked point = its projected motion t -> t+1; flow_bw at its position in t+1
    = the motion back. Every track moves by 0.4-2.5 px in x and in y per frame, so a wrong sign,
    a wrong y axis or swapped XY/ZW would be off by twice that, well over the 0.25 px tolerance."""
    tracks = {name: np.array(points) for name, points in render["tracks"].items()}
    moves = np.concatenate([np.abs(np.diff(t, axis=0)) for t in tracks.values()])
    assert moves.min() > 0.3  # every track moves in both x and y: the test can tell signs apart
    for t in range(render["frames"] - 1):
        flow_fw, flow_bw = source.flow_pair(t)
        ids_now, ids_next = (source._pass(i, "Object Index") for i in (t, t + 1))
        for name, track in tracks.items():
            motion = track[t + 1] - track[t]
            index = PASS_INDEX.get(name, 0)  # as in blender_scene.OBJECTS; floor and wall: 0
            np.testing.assert_allclose(_sample(flow_fw, track[t], ids_now, index), motion, atol=0.25,
                                       err_msg=f"forward flow of {name} at frame {t}")
            np.testing.assert_allclose(_sample(flow_bw, track[t + 1], ids_next, index), -motion, atol=0.25,
                                       err_msg=f"backward flow of {name} at frame {t}")


def test_vector_flow_warps_better_than_opencv(render, source):
    """warp(frame t, flow_bw) reproduces frame t+1 (and warp(frame t+1, flow_fw) frame t) with a
    lower error than DIS flow on the same frames, where both flows are reliable."""
    frames = [f.astype(np.float32) for f in source.frames()]
    dis = OpenCVFlow("dis")
    for t in range(len(frames) - 1):
        a, b = frames[t], frames[t + 1]
        fw, bw = source.flow_pair(t, a, b)
        dis_fw, dis_bw = dis.flow_pair(t, a, b)
        mask_b = source.reliability(t, t + 1, fw, bw) * consistency_mask(dis_fw, dis_bw)
        mask_a = consistency_mask(bw, fw) * consistency_mask(dis_bw, dis_fw)
        assert mask_b.mean() > 0.5 and mask_a.mean() > 0.5

        def error(image, flow, target, mask):
            return float((np.abs(warp(image, flow) - target).mean(axis=2) * mask).sum() / mask.sum())

        vector_bw, opencv_bw = error(a, bw, b, mask_b), error(a, dis_bw, b, mask_b)
        vector_fw, opencv_fw = error(b, fw, a, mask_a), error(b, dis_fw, a, mask_a)
        assert vector_bw < opencv_bw, f"frame {t}: Vector {vector_bw:.2f} vs DIS {opencv_bw:.2f}"
        assert vector_fw < opencv_fw, f"frame {t}: Vector {vector_fw:.2f} vs DIS {opencv_fw:.2f}"
        # The other readings of the pass are clearly worse.
        y_up = bw * np.float32([1, -1])
        assert error(a, y_up, b, mask_b) > 1.5 * vector_bw
        assert error(a, -bw, b, mask_b) > 1.5 * vector_bw


def test_depth_pass_marks_disocclusions_exactly(render, source):
    """Objects crossing in front of each other and of the floor: the Depth-pass mask drops every
    pixel whose source shows another object (the Object Index pass says so), and no other
    scored pixel; the consistency mask made for estimated flow also drops motion boundaries."""
    dropped_by = {"depth": [], "consistency": []}
    for t in range(render["frames"] - 1):
        fw, bw = source.flow_pair(t)
        ids = [read_passes(source.files[i])["Object Index"] for i in (t, t + 1)]
        disoccluded, scored = true_disocclusion(ids[0], ids[1], bw)
        assert (disoccluded & scored).sum() > 5  # the scene has disocclusions to find
        depth = source.reliability(t, t + 1, fw, bw) == 0
        assert depth[disoccluded & scored].all(), f"frame {t}: a disocclusion kept"
        dropped_by["depth"].append(depth[~disoccluded & scored].mean())
        dropped_by["consistency"].append((consistency_mask(fw, bw) == 0)[~disoccluded & scored].mean())
    assert max(dropped_by["depth"]) <= 0.001
    assert np.mean(dropped_by["consistency"]) > 0.002


def test_object_index_mask_covers_the_right_object(render):
    width, height = render["size"]
    for name, index in render["objects"].items():
        source = BlenderSource({"frames": str(render["dir"] / "exr"),
                                "mask": {"object_indices": [index], "feather_px": 2}})
        for t in (0, render["frames"] - 1):
            mask = source.mask(t)
            assert mask.shape == (height, width) and 0 <= mask.min() and mask.max() <= 1
            x, y = render["tracks"][name][t]
            assert mask[int(y), int(x)] > 0.9, f"{name} not in its own mask at frame {t}"
            for other, other_index in render["objects"].items():
                ox, oy = render["tracks"][other][t]
                if other != name and read_passes(source.files[t])["Object Index"][int(oy), int(ox)] == other_index:
                    assert mask[int(oy), int(ox)] < 0.1, f"{other} inside {name}'s mask"
            soft = (mask > 0.05) & (mask < 0.95)
            assert soft.any(), "mask edges are not soft"
