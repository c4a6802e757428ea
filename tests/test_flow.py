"""Optical flow: warping, OpenCV estimation, consistency masks, warping error (real OpenCV)."""

import os

import cv2
import numpy as np
import pytest

from dreamvideo.errors import UserError
from dreamvideo.motion.flow import (
    FlowProvider,
    OpenCVFlow,
    PrecomputedFlow,
    chain_flows,
    consistency_mask,
    depth_reliability,
    long_term_weights,
    source_inside,
    warp,
    warping_error,
)
from synthetic import Camera, camera_clip, moving_square_clip, textured_image, translating_clip

from dreamvideo.motion.edges import available as has_contrib

# style.flow_edges needs OpenCV's contrib modules (pyproject: opencv-contrib-python-headless); a
# venv that still has plain opencv-python skips these, CI (CI=true) fails on it instead
needs_contrib = pytest.mark.skipif(not has_contrib() and not os.environ.get("CI"),
                                   reason="cv2.ximgproc missing: opencv-python, not contrib")

SIZE = (96, 64)
SHIFT = (3, -2)
INTERIOR = (slice(8, -8), slice(8, -8))


@pytest.fixture(scope="module")
def translation():
    return translating_clip(SIZE, 3, shift=SHIFT, seed=1)


@pytest.fixture(scope="module")
def square():
    return moving_square_clip(SIZE, 3, seed=2, velocity=(3, 2))


def _far_from(masks, radius: int) -> np.ndarray:
    near = np.zeros(masks[0].shape, np.uint8)
    for mask in masks:
        near |= mask.astype(np.uint8)
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    far = ~cv2.dilate(near, kernel).astype(bool)
    far[:radius], far[-radius:], far[:, :radius], far[:, -radius:] = False, False, False, False
    return far


# --- warp -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_warp_known_translation_is_exact_inside(translation, dtype):
    frame_a, frame_b = (f.astype(dtype) for f in translation.frames[:2])
    warped = warp(frame_a, translation.flows_bw[0])
    inside = source_inside(translation.flows_bw[0])
    assert warped.dtype == dtype and warped.shape == frame_b.shape
    np.testing.assert_array_equal(warped[inside], frame_b[inside])
    assert not inside.all()  # the band of pixels entering the frame is reported


def test_warp_handles_masks_and_many_channels(translation):
    flow = translation.flows_bw[0]
    inside = source_inside(flow)
    stack = np.random.default_rng(0).random((64, 96, 7)).astype(np.float32)
    expected_stack = np.roll(stack, SHIFT[::-1], axis=(0, 1))
    np.testing.assert_array_equal(warp(stack, flow)[inside], expected_stack[inside])
    mask = stack[..., 0] > 0.5
    warped_mask = warp(mask, flow)
    assert warped_mask.dtype == np.float32 and warped_mask.shape == mask.shape
    np.testing.assert_array_equal(warped_mask[inside], expected_stack[..., 0][inside] > 0.5)
    assert warp(stack[..., :1], flow).shape == (64, 96, 1)


def test_warp_is_bilinear_at_subpixel_offsets():
    image = textured_image(SIZE, seed=3).astype(np.float32)
    flow = np.zeros((64, 96, 2), np.float32)
    flow[..., 0], flow[..., 1] = 0.5, 0.25
    a, b, c, d = image[:-1, :-1], image[:-1, 1:], image[1:, :-1], image[1:, 1:]
    expected = 0.75 * (a + b) / 2 + 0.25 * (c + d) / 2
    np.testing.assert_allclose(warp(image, flow)[:-1, :-1], expected, atol=1e-3)


def test_warp_border_modes(translation):
    frame = translation.frames[0].astype(np.float32)
    flow = translation.flows_bw[0]
    outside = ~source_inside(flow)
    assert np.all(warp(frame, flow, border="constant")[outside] == 0)
    replicated = warp(frame, flow)  # columns entering from the left copy column 0
    np.testing.assert_array_equal(replicated[:-2, 0], frame[2:, 0])
    with pytest.raises(ValueError):
        warp(frame, flow, border="wrap")


# --- estimation -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "method, preset",
    [("dis", "medium"), ("dis", "fast"), ("dis", "ultrafast"), ("farneback", "medium")],
)
def test_opencv_flow_recovers_translation(translation, method, preset):
    provider = OpenCVFlow(method, preset=preset)
    assert isinstance(provider, FlowProvider)
    fw, bw = provider.flow_pair(0, *translation.frames[:2])
    for estimated, true in ((fw, translation.flows_fw[0]), (bw, translation.flows_bw[0])):
        assert estimated.dtype == np.float32 and estimated.shape == (64, 96, 2)
        error = np.linalg.norm(estimated - true, axis=2)[INTERIOR]
        assert np.median(error) < 0.5


def test_flow_on_enlarged_frames_is_more_accurate_on_a_camera_move():
    clip = camera_clip((96, 64), 2)  # sub-pixel pan, zoom and roll, two moving objects
    errors = {}
    for upscale in (1, 2):
        _, bw = OpenCVFlow(upscale=upscale).flow_pair(0, *clip.frames)
        assert bw.shape == (64, 96, 2) and bw.dtype == np.float32
        errors[upscale] = np.linalg.norm(bw - clip.flows_bw[0], axis=2)[~clip.disoccluded[0]].mean()
    assert errors[2] < 0.85 * errors[1]
    with pytest.raises(UserError, match="upscale"):
        OpenCVFlow(upscale=8)


def test_opencv_flow_accepts_float_frames(translation):
    frames = [f.astype(np.float32) for f in translation.frames[:2]]
    fw, _ = OpenCVFlow().flow_pair(0, *frames)
    assert np.median(np.linalg.norm(fw - translation.flows_fw[0], axis=2)[INTERIOR]) < 0.5


@pytest.mark.parametrize("kwargs", [{"method": "lucas-kanade"}, {"preset": "slow"}])
def test_opencv_flow_rejects_unknown_settings(kwargs):
    with pytest.raises(UserError, match="unknown"):
        OpenCVFlow(**kwargs)


def test_opencv_flow_rejects_frames_of_different_size(translation):
    with pytest.raises(UserError, match="same size"):
        OpenCVFlow().flow_pair(4, translation.frames[0], translation.frames[1][:32])


# --- precomputed ----------------------------------------------------------------------------

def test_precomputed_flow_returns_what_it_was_given(square):
    pairs = list(zip(square.flows_fw, square.flows_bw))
    frames = square.frames
    for provider in (PrecomputedFlow(pairs), PrecomputedFlow(lambda i: pairs[i])):
        assert isinstance(provider, FlowProvider)
        for index in range(len(pairs)):
            fw, bw = provider.flow_pair(index, frames[index], frames[index + 1])
            np.testing.assert_array_equal(fw, pairs[index][0])
            np.testing.assert_array_equal(bw, pairs[index][1])
            assert fw.dtype == bw.dtype == np.float32


def test_precomputed_flow_reports_missing_or_misshapen_data(square):
    pairs = list(zip(square.flows_fw, square.flows_bw))
    with pytest.raises(UserError, match="no precomputed optical flow for frame 5"):
        PrecomputedFlow(pairs).flow_pair(5, square.frames[0], square.frames[1])
    small = square.frames[0][:32, :48]
    with pytest.raises(UserError, match="expected"):
        PrecomputedFlow(pairs).flow_pair(0, small, small)


# --- consistency ----------------------------------------------------------------------------

def test_consistency_mask_with_true_flow_is_exact(square):
    mask = consistency_mask(square.flows_fw[0], square.flows_bw[0])
    assert mask.dtype == np.float32 and mask.shape == (64, 96)
    assert np.all(mask[square.disoccluded[0]] == 0)
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    edge = cv2.dilate(square.moving[1].astype(np.uint8), cross).astype(bool)
    inner = cv2.erode(square.moving[1].astype(np.uint8), cross).astype(bool)
    assert np.all(mask[~edge & ~square.disoccluded[0]] == 1)  # background
    assert np.all(mask[inner] == 1)  # inside the square, away from its motion boundary
    assert np.all(mask[edge & ~inner] == 0)  # the square's outline is a motion boundary


def test_depth_reliability_marks_exactly_the_disocclusions(square):
    """With exact flow and depth (the square in front), the mask is 0 on exactly the revealed
    background, and keeps the square's outline that the boundary test drops."""
    depths = [np.where(moving, 5.0, 10.0).astype(np.float32) for moving in square.moving]
    fw, bw = square.flows_fw[0], square.flows_bw[0]
    mask = depth_reliability(fw, bw, depths[0], depths[1])
    np.testing.assert_array_equal(mask, (~square.disoccluded[0]).astype(np.float32))
    assert (consistency_mask(fw, bw)[~square.disoccluded[0]] == 0).sum() > 50
    # an occluder at the same depth is caught by the motion's own forward/backward disagreement
    flat = np.full_like(depths[0], 10.0)
    np.testing.assert_array_equal(depth_reliability(fw, bw, flat, flat), mask)


def test_consistency_mask_with_estimated_flow(square):
    fw, bw = OpenCVFlow("dis").flow_pair(0, *square.frames[:2])
    mask = consistency_mask(fw, bw)
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert mask[square.disoccluded[0]].mean() < 0.3  # mostly 0 behind the square
    assert mask[_far_from(square.moving[:2], radius=8)].mean() > 0.9  # mostly 1 far from it


def test_consistency_mask_zeroes_pixels_coming_from_outside(translation):
    mask = consistency_mask(translation.flows_fw[0], translation.flows_bw[0])
    entered = translation.disoccluded[0]
    assert np.all(mask[entered] == 0) and np.all(mask[~entered] == 1)
    kept = consistency_mask(translation.flows_fw[0], translation.flows_bw[0], mark_outside=False)
    assert kept[INTERIOR].min() == 1


def test_chain_flows_composes_motion(square, translation):
    twice = chain_flows(translation.flows_fw[0], translation.flows_fw[1])
    np.testing.assert_allclose(twice[INTERIOR], 2 * translation.flows_fw[0][INTERIOR])
    flow_20 = chain_flows(square.flows_bw[1], square.flows_bw[0])  # 2 -> 1 -> 0
    frame_2 = square.frames[2]
    hidden_in_0 = warp(square.disoccluded[0], square.flows_bw[1]).astype(bool)
    reliable = ~(square.disoccluded[1] | hidden_in_0)
    np.testing.assert_array_equal(warp(square.frames[0], flow_20)[reliable], frame_2[reliable])


def test_long_term_weights_keep_only_nearest_reliable_frame():
    near = np.array([[1, 0, 0, 1]], np.float32)
    far = np.array([[1, 1, 0, 0]], np.float32)
    farther = np.array([[1, 1, 1, 0]], np.float32)
    weights = long_term_weights([near, far, farther])
    np.testing.assert_array_equal(weights[0], near)
    np.testing.assert_array_equal(weights[1], [[0, 1, 0, 0]])
    np.testing.assert_array_equal(weights[2], [[0, 0, 1, 0]])


# --- warping error --------------------------------------------------------------------------

def test_warping_error_is_zero_for_a_perfect_pair_and_large_for_unrelated(square):
    a, b = square.frames[:2]
    flow = square.flows_bw[0]
    mask = consistency_mask(square.flows_fw[0], flow)
    assert warping_error(a, b, flow, mask) == pytest.approx(0.0, abs=1e-12)
    float_error = warping_error(a.astype(np.float32), b.astype(np.float32), flow, mask)
    assert float_error == pytest.approx(0.0, abs=1e-12)
    assert warping_error(a, b, flow, None) > 1e-4  # disoccluded pixels count without a mask
    unrelated = textured_image(SIZE, seed=99)
    assert warping_error(a, unrelated, flow, mask) > 0.02
    assert warping_error(a, b, flow, np.zeros((64, 96), np.float32)) == 0.0


@pytest.mark.parametrize("estimated", [False, True])
def test_consistency_mask_on_a_camera_roll_is_on_at_the_centre(estimated):
    # a roll has no occlusion; its flow gradient (~0.05 px/px at 3 deg) is the same everywhere
    # and the flow ~0 at the centre, where Ruder's raw gradient test called it a boundary
    clip = camera_clip((96, 64), 2, camera=Camera(zoom=0.01, rotation=3.0, pan=(0.4, 0.2)),
                       sprites=(), lighting=0)
    fw, bw = (OpenCVFlow("dis").flow_pair(0, *clip.frames) if estimated
              else (clip.flows_fw[0], clip.flows_bw[0]))
    mask = consistency_mask(fw, bw)
    assert mask[20:44, 32:64].mean() > 0.9
    assert mask.mean() > 0.85


def test_cubic_and_lanczos_warps_blur_less_than_bilinear_at_half_pixel_shifts():
    image = textured_image((64, 48), seed=5).astype(np.float32)
    there, back = np.full((48, 64, 2), 0.5, np.float32), np.full((48, 64, 2), -0.5, np.float32)
    detail, error = {}, {}
    for interpolation in ("linear", "cubic", "lanczos"):
        moved = warp(warp(image, there, interpolation=interpolation), back, interpolation=interpolation)
        detail[interpolation] = np.abs(cv2.Laplacian(moved[8:-8, 8:-8], cv2.CV_32F)).mean()
        error[interpolation] = np.abs(moved - image)[8:-8, 8:-8].mean()
    original = np.abs(cv2.Laplacian(image[8:-8, 8:-8], cv2.CV_32F)).mean()
    assert detail["linear"] < detail["cubic"] < 1.05 * original
    assert detail["cubic"] > 0.8 * original and detail["lanczos"] > 0.8 * original
    assert error["lanczos"] < 0.5 * error["cubic"] < 0.5 * error["linear"]  # there and back


def test_resize_flow_scales_the_vectors_with_the_size():
    from dreamvideo.motion.flow import resize_flow

    flow = np.zeros((20, 40, 2), np.float32)
    flow[..., 0], flow[..., 1] = 3.0, -2.0
    big = resize_flow(flow, (80, 60))
    assert big.shape == (60, 80, 2) and big.dtype == np.float32
    np.testing.assert_allclose(big[..., 0], 6.0)
    np.testing.assert_allclose(big[..., 1], -6.0)
    assert np.array_equal(resize_flow(flow, (40, 20)), flow)


def test_snap_to_camera_recovers_the_camera_and_keeps_moving_objects():
    from dreamvideo.motion.camera import camera_flow, snap_to_camera

    homography = np.array([[1.008, -0.009, 1.3], [0.009, 1.008, -0.6], [0, 0, 1]])
    truth = camera_flow(homography, (96, 64))
    truth[20:40, 30:50] = (3.0, -2.0)  # an object moving its own way
    rng = np.random.default_rng(0)
    estimate = truth + rng.normal(0, 0.1, truth.shape).astype(np.float32)  # DIS-like error
    snapped = snap_to_camera(estimate, 0.5)
    background = np.ones((64, 96), bool)
    background[20:40, 30:50] = False
    error = np.linalg.norm(snapped - truth, axis=2)
    assert error[background].mean() < 0.05 < 0.4 * np.linalg.norm(estimate - truth, axis=2).mean()
    np.testing.assert_array_equal(snapped[~background], estimate[~background])
    chaos = rng.normal(0, 3, truth.shape).astype(np.float32)  # no camera motion to find
    np.testing.assert_array_equal(snap_to_camera(chaos, 0.5), chaos)


def test_camera_snap_makes_a_noisy_still_stiller():
    clip = camera_clip((96, 64), 3, camera=Camera(0, 0, (0, 0)), sprites=(), lighting=0, noise=3)
    motion = {snap: np.linalg.norm(OpenCVFlow("dis", upscale=2, camera_snap=snap)
                                   .flow_pair(0, *clip.frames[:2])[1], axis=2).mean()
              for snap in (0.0, 0.5)}
    assert motion[0.5] < 0.5 * motion[0.0]


def test_boundary_weight_softens_only_the_motion_boundary_test():
    """A square moving 3 px right over a still background: pixels failing only the motion-boundary
    test get ``boundary_weight``; disoccluded ones (behind the square) stay 0."""
    fw = np.zeros((48, 64, 2), np.float32)
    bw = np.zeros_like(fw)
    fw[16:32, 16:32, 0] = 3  # the square in frame t moves right
    bw[16:32, 19:35, 0] = -3  # where it is in frame t+1, it came from the left
    hard = consistency_mask(fw, bw)
    soft = consistency_mask(fw, bw, boundary_weight=0.5)
    changed = soft != hard
    assert changed.any() and (hard[changed] == 0).all() and np.allclose(soft[changed], 0.5)
    disoccluded = (hard == 0) & ~changed
    assert disoccluded[16:32, 16:19].any()  # uncovered background behind the square stays off
    np.testing.assert_array_equal(consistency_mask(fw, bw, boundary_weight=0.0), hard)


@needs_contrib
def test_flow_edges_sharpen_motion_boundaries_and_the_mask_keeps_them():
    """Objects crossing a camera clip: the weighted median guided by the frame (with DIS down to
    full size) brings the flow around their edges much closer to the truth, so the consistency
    mask rejects fewer visible pixels; the flow away from the edges does not get worse."""
    clip = camera_clip((96, 64), 3)
    moving = clip.moving[1].astype(np.uint8)
    kernel = np.ones((7, 7), np.uint8)
    visible = ~clip.disoccluded[0]
    ring = (cv2.dilate(moving, kernel) != cv2.erode(moving, kernel)) & visible
    results = {}
    for edges, preset in (("off", "medium"), ("median", "fine")):
        fw, bw = OpenCVFlow("dis", upscale=2, preset=preset, edges=edges).flow_pair(
            0, *clip.frames[:2])
        error = np.linalg.norm(bw - clip.flows_bw[0], axis=2)
        rejected = (consistency_mask(fw, bw)[visible] == 0).mean()
        results[edges] = error[ring].mean(), error[visible & ~ring].mean(), rejected
    (ring_off, far_off, rejected_off), (ring_on, far_on, rejected_on) = results.values()
    assert ring_on < 0.6 * ring_off
    assert far_on < 1.1 * far_off
    assert rejected_on < 0.75 * rejected_off


@needs_contrib
def test_snap_to_edges_keeps_a_smooth_flow_and_follows_colour_edges():
    from dreamvideo.motion.edges import median_radius, snap_to_edges

    assert [median_radius((w, w // 2)) for w in (160, 320, 640, 1920)] == [7, 10, 14, 24]
    ys, xs = np.mgrid[:48, :64].astype(np.float32)
    smooth = np.stack([0.02 * xs - 1, 0.01 * ys + 0.5], -1)  # a zoom-like field
    frame = textured_image((64, 48), seed=3)
    assert np.abs(snap_to_edges(smooth, frame) - smooth).max() < 0.05
    guide = np.full((48, 64, 3), 40, np.uint8)
    guide[:, 32:] = 220  # a colour edge at x = 32; the flow's edge is smeared over x = 28..36
    flow = np.zeros((48, 64, 2), np.float32)
    flow[..., 0] = np.clip((xs - 28) / 8, 0, 1) * 3
    snapped = snap_to_edges(flow, guide, radius=5)[..., 0]
    dark = snapped[:, 24:32]  # the still side is still (the smear was up to 1.1 px there)
    assert (dark <= flow[:, 24:32, 0] + 1e-6).all() and dark.mean() < 0.05
    assert (snapped[:, 32] - snapped[:, 31] > 1.5).all()  # the step is at the colour edge
    assert (snapped[:, 32:36] >= flow[:, 32:36, 0]).all()


def test_snap_to_edges_gives_the_same_flow_every_time_in_any_thread():
    """OpenCV's colour-guided weighted median draws random numbers: unseeded, about half the
    pixels change from call to call, and a resumed or farmed render would differ."""
    import threading

    from dreamvideo.motion.edges import snap_to_edges

    rng = np.random.default_rng(0)
    guide = textured_image((80, 48), seed=5)
    flow = rng.normal(size=(48, 80, 2)).astype(np.float32)
    first = snap_to_edges(flow, guide)
    cv2.randu(np.zeros(16, np.float32), 0, 1)  # move OpenCV's generator on
    in_thread = []
    worker = threading.Thread(target=lambda: in_thread.append(snap_to_edges(flow, guide)))
    worker.start()
    worker.join()
    assert np.array_equal(snap_to_edges(flow, guide), first)
    assert np.array_equal(in_thread[0], first)


def test_flow_edges_without_contrib_is_one_line_naming_the_key(monkeypatch):
    import dreamvideo.motion.edges as flow_edges

    monkeypatch.setattr(flow_edges, "available", lambda: False)  # plain opencv-python
    with pytest.raises(UserError, match=r"^style.flow_edges: 'median' needs OpenCV's contrib.*"
                       r"opencv-contrib-python-headless.*style.flow_edges: off$"):
        OpenCVFlow("dis", edges="median")
    assert OpenCVFlow("dis", edges="off").edges == "off"
