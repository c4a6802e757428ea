"""Style transfer: loss terms, Gram blending, colours, optimiser stopping (real TF); coherent
video is in test_style_video.py.

Tiny images (<= 64 px) and shallow layers keep this file fast on two CPU cores.
"""

import cv2
import numpy as np
import pytest
import scipy.optimize
import tensorflow as tf

from dreamvideo.style import (MIN_ITERATIONS, Evaluation, Stylizer, TemporalTarget, blend_grams,
                              level_sizes, minimize_lbfgs, param, should_stop, style_size,
                              stylize_image, temporal_loss, tv_loss)
from style_helpers import config, stripes
from synthetic import textured_image


@pytest.fixture(scope="module")
def stylizer():
    return Stylizer([(stripes(), 1.0)], config())


def temporal_target(shape, seed=0, mask=None) -> TemporalTarget:
    rng = np.random.default_rng(seed)
    warped = rng.uniform(0, 255, (1, *shape)).astype(np.float32)
    weights = np.ones((1, *shape[:2]), np.float32) if mask is None else mask[None]
    return TemporalTarget(warped, weights)


def term_gradient(loss, stylizer, x, inputs):
    x = tf.convert_to_tensor(x[None])
    with tf.GradientTape() as tape:
        tape.watch(x)
        features = stylizer._extractor(x) if loss.layers else {}
        value = loss(Evaluation(x, features, inputs))
    return float(value), tape.gradient(value, x).numpy()[0]


# --- loss terms ------------------------------------------------------------------------------

def test_temporal_loss_has_gradient_only_where_the_mask_is_on():
    rng = np.random.default_rng(1)
    x = tf.Variable(rng.uniform(0, 255, (1, 16, 16, 3)).astype(np.float32))
    warped = rng.uniform(0, 255, (1, 16, 16, 3)).astype(np.float32)
    mask = np.zeros((1, 16, 16, 1), np.float32)
    mask[:, :, :8] = 1.0
    inputs = {"warped": tf.constant(warped), "mask": tf.constant(mask)}
    with tf.GradientTape() as tape:
        value = temporal_loss()(Evaluation(x, {}, inputs))
    grad = tape.gradient(value, x).numpy()[0]
    expected = np.sum(mask[0] * ((x.numpy()[0] - warped[0]) / 255) ** 2) / x.numpy().size
    assert float(value) == pytest.approx(expected, rel=1e-5)
    assert np.all(grad[:, :8] != 0)
    assert np.all(grad[:, 8:] == 0)
    # the gradient points toward the warped frame: a step down moves x closer to it
    before = np.abs(x.numpy()[0] - warped[0])[:, :8].mean()
    after = np.abs(x.numpy()[0] - 1e5 * grad - warped[0])[:, :8].mean()
    assert after < before


def test_temporal_fine_loss_acts_on_a_fine_change_where_the_mask_is_on_only():
    from dreamvideo.style.losses import temporal_fine_loss

    yy, xx = np.mgrid[0:32, 0:32].astype(np.float32)
    warped = np.full((1, 32, 32, 3), 128.0, np.float32)
    smooth = warped + (20 * np.sin(2 * np.pi * xx / 32))[None, :, :, None]  # 1/32 cycles/px
    fine = warped + (20 * (-1.0) ** (xx + yy))[None, :, :, None]  # 0.5 cycles/px
    mask = np.zeros((1, 32, 32, 1), np.float32)
    mask[:, :, :16] = 1.0
    inputs = {"warped": tf.constant(warped), "mask": tf.constant(mask)}

    def value_and_grad(image):
        x = tf.Variable(image)
        with tf.GradientTape() as tape:
            value = temporal_fine_loss()(Evaluation(x, {}, inputs))
        return float(value), tape.gradient(value, x).numpy()[0]

    smooth_value, _ = value_and_grad(smooth)
    fine_value, grad = value_and_grad(fine)
    assert fine_value > 100 * smooth_value  # the coarse change (a repair) is left free
    held = np.abs(grad[4:28, 2:12]).mean()
    assert held > 0  # pulls the grain back where the previous frame is carried ...
    assert np.abs(grad[4:28, 24:30]).max() < 1e-3 * held  # ... and nowhere the mask frees it


def test_every_loss_term_has_a_gradient(stylizer):
    content = textured_image((32, 32), seed=2)
    inputs = stylizer.inputs(content, temporal=temporal_target((32, 32, 3)))
    x = np.random.default_rng(3).uniform(0, 255, (32, 32, 3)).astype(np.float32)
    for name, term in stylizer.terms.items():
        value, grad = term_gradient(term, stylizer, x, inputs)
        assert value > 0, name
        assert np.abs(grad).sum() > 0, name
    total, grad = stylizer.value_and_grad(x, inputs)  # of the pixels' band-limited painting
    assert total == pytest.approx(stylizer.evaluate(stylizer.painting(x), inputs)["total"], rel=1e-4)
    assert np.abs(grad).sum() > 0


def test_losses_compose_like_numbers():
    x = tf.constant(np.random.default_rng(0).uniform(0, 255, (1, 8, 8, 3)).astype(np.float32))
    ev = Evaluation(x, {}, {"w": tf.constant(3.0)})
    combined = param("w") * tv_loss() + 2 * tv_loss() - tv_loss()
    assert float(combined(ev)) == pytest.approx(4 * float(tv_loss()(ev)), rel=1e-5)


@pytest.mark.parametrize("term,start", [("content", "noise"), ("style", "content"), ("tv", "noise")])
def test_each_term_decreases_under_optimisation(stylizer, term, start):
    content = textured_image((32, 32), seed=4)
    inputs = stylizer.inputs(content)
    inputs.update({f"{n}_weight": tf.constant(float(n == term)) for n in ("content", "style", "tv")})
    x0 = content.astype(np.float32) if start == "content" else \
        np.random.default_rng(5).uniform(0, 255, (32, 32, 3)).astype(np.float32)
    result = stylizer.optimize(x0, inputs, iterations=5)
    before, after = stylizer.evaluate(x0, inputs)[term], stylizer.evaluate(result.x, inputs)[term]
    assert after < 0.8 * before


def test_weights_and_frames_do_not_retrace(stylizer):
    content = textured_image((32, 32), seed=6)
    x = content.astype(np.float32)
    stylizer.value_and_grad(x, stylizer.inputs(content))
    traces = stylizer.traces
    for frame in range(3):
        other = textured_image((32, 32), seed=10 + frame)
        inputs = stylizer.inputs(other, frame=frame)
        inputs["style_weight"] = tf.constant(float(frame))
        stylizer.value_and_grad(x, inputs)
    assert stylizer.traces == traces


# --- style targets, scale, colours -----------------------------------------------------------

def test_blend_grams_is_the_weighted_mean():
    a = {"l": np.full((2, 2), 1.0)}
    b = {"l": np.full((2, 2), 4.0)}
    np.testing.assert_allclose(blend_grams([a, b], [1.0, 2.0])["l"], np.full((2, 2), 3.0))


def test_several_style_images_blend_their_grams():
    first, second = stripes(), textured_image((64, 64), seed=7)
    blended = Stylizer([(first, 1.0), (second, 3.0)], config()).grams()
    alone = [Stylizer([(image, 1.0)], config()).grams() for image in (first, second)]
    for layer, gram in blended.items():
        expected = 0.25 * alone[0][layer].numpy() + 0.75 * alone[1][layer].numpy()
        np.testing.assert_allclose(gram.numpy(), expected, rtol=1e-4, atol=1e-3)


def test_style_scale_ignores_style_file_and_frame_size():
    assert style_size((2000, 3000, 3), 1.0) == (512, 341)
    assert style_size((200, 300, 3), 1.0) == (512, 341)
    assert style_size((200, 300, 3), 0.5) == (256, 171)
    assert style_size((200, 300, 3), 1.0, factor=0.5) == (256, 171)  # coarse pyramid level


def test_preserve_colors_keeps_the_content_chroma():
    content = textured_image((32, 32), seed=8)
    cfg = config(preserve_colors=True, iterations={"first": 8, "next": 1}, tolerance=0)
    out = stylize_image(content, [stripes()], cfg)
    got, want = (cv2.cvtColor(im, cv2.COLOR_RGB2YCrCb).astype(float) for im in (out, content))
    assert np.abs(got[..., 1:] - want[..., 1:]).mean() < 1.5
    assert np.abs(got[..., 0] - want[..., 0]).mean() > 3  # luminance was stylised


# --- optimiser -------------------------------------------------------------------------------

def test_stopping_rule_waits_for_the_minimum_and_averages():
    flat = [1.0] * 20
    assert not should_stop(flat[:2], 0.1, 100)
    assert not should_stop(flat[:MIN_ITERATIONS - 1], 0.1, 100)
    assert should_stop(flat[:MIN_ITERATIONS], 0.1, 100)
    assert should_stop(flat[:3], 0.1, 3)  # fewer iterations asked than the minimum
    falling = [0.5**k for k in range(12)]
    falling[-1] = falling[-2]  # one stalled step among big ones does not stop it
    assert not should_stop(falling, 0.1, 100)
    assert not should_stop(flat, 0.0, 100)  # tolerance 0: run all iterations


def test_lbfgs_stops_on_tolerance_after_the_minimum():
    fun = lambda x: (scipy.optimize.rosen(x), scipy.optimize.rosen_der(x))  # noqa: E731
    x0 = np.linspace(0, 2.5, 10).astype(np.float32)
    loose = minimize_lbfgs(fun, x0, iterations=500, tolerance=1e-2)
    assert loose.stopped == "tolerance" and MIN_ITERATIONS <= loose.iterations < 500
    assert (loose.losses[1] - loose.losses[2]) < 1e-2 * loose.losses[2] * 10  # slow early on
    full = minimize_lbfgs(fun, x0, iterations=15, tolerance=0)
    assert full.iterations == 15 and full.stopped == "iterations"
    assert full.losses[-1] < full.losses[0]


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_stylizer_stops_by_tolerance_but_not_after_two_iterations(optimizer):
    content = textured_image((32, 32), seed=9)
    stylizer = Stylizer([(stripes(), 1.0)], config(optimizer=optimizer, tolerance=0.5))
    result = stylizer.stylize(content, init=content, iterations=40)
    assert result.stopped == "tolerance" and result.iterations == [MIN_ITERATIONS]


def test_multi_resolution_refines_coarse_result():
    assert level_sizes((128, 72), 3) == [(32, 18), (64, 36), (128, 72)][1:]  # >= 32 px only
    assert level_sizes((64, 64), 2) == [(32, 32), (64, 64)]
    content = textured_image((64, 64), seed=10)
    stylizer = Stylizer([(stripes(), 1.0)], config(resolutions=2, tolerance=0))
    result = stylizer.stylize(content, init=content, iterations=6)
    assert result.image.shape == (64, 64, 3) and result.iterations == [6, 3]
    start = stylizer.evaluate(content.astype(np.float32), stylizer.inputs(content))["total"]
    assert result.loss < start


def _share_above(image: np.ndarray, frequency: float) -> float:
    """Share of an image's (grey, mean removed) spectral energy above ``frequency`` cycles/px
    along x or y."""
    grey = image.astype(np.float32).mean(axis=2)
    window = np.outer(np.hanning(grey.shape[0]), np.hanning(grey.shape[1]))  # no edge leakage
    power = np.abs(np.fft.fft2((grey - grey.mean()) * window)) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(grey.shape[0]), np.fft.fftfreq(grey.shape[1]), indexing="ij")
    return float(power[np.maximum(np.abs(fx), np.abs(fy)) > frequency].sum() / power.sum())


def test_the_painting_holds_no_detail_a_warp_cannot_carry():
    """style.band_limit: the optimised image has (almost) nothing above the cutoff, where a
    sub-pixel warp loses detail; at 0.5 (off) the optimiser puts plenty there."""
    content = textured_image((64, 48), seed=3)
    shares = {}
    for cutoff in (0.4, 0.5):
        stylizer = Stylizer([(stripes(), 1.0)], config(band_limit=cutoff, tolerance=0))
        image = stylizer.stylize(content, init=content, iterations=8).image
        shares[cutoff] = _share_above(image, 0.45)
    assert shares[0.4] < 0.25 * shares[0.5]
