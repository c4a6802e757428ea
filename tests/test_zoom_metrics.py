"""Zoom metrics and stationarity controls on synthetic images with known answers (no network)."""

import cv2
import numpy as np
import pytest

from dreamvideo.zoom import ZoomStep
from dreamvideo.zoom import stationary as S
from dreamvideo.zoom.metrics import (anisotropy, border_detail_ratio, clipped_share, drift, mean_saturation,
                                     orientation_order, pattern_scale, stripe_angle, summary, worst_drift,
                                     clip_stats)
from synthetic import textured_image


def border_mask(width, height, band):
    mask = np.ones((height, width), np.float32)
    mask[band:-band, band:-band] = 0
    return mask


def blurred_noise(size, sigma, seed=0):
    noise = np.random.default_rng(seed).standard_normal((size, size)).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), sigma)


@pytest.mark.parametrize("sigma", [1.0, 2.0, 3.0])
def test_pattern_scale_of_blurred_noise_is_its_autocorrelation_half_radius(sigma):
    # Noise blurred with sigma s has a Gaussian autocorrelation exp(-r^2 / 4s^2): half at 1.665 s.
    assert pattern_scale(blurred_noise(96, sigma)) == pytest.approx(1.665 * sigma, rel=0.15)


def test_pattern_scale_doubles_when_the_picture_is_magnified_twice():
    image = blurred_noise(96, 1.5, seed=3)
    bigger = cv2.resize(image, (192, 192), interpolation=cv2.INTER_CUBIC)
    assert pattern_scale(bigger) / pattern_scale(image) == pytest.approx(2.0, rel=0.1)


def test_pattern_scale_sees_colour_only_patterns():
    # Equal-luminance blobs (red vs green-ish) are patterns too.
    mask = (blurred_noise(64, 4, seed=1) > 0)[..., None]
    frame = np.where(mask, [200, 80, 128], [80, 141, 128]).astype(np.uint8)
    assert 3 < pattern_scale(frame) < 30
    assert pattern_scale(np.full((32, 32, 3), 90, np.uint8)) == float("inf")


def test_clipped_share_counts_pixels_with_any_channel_at_the_rails():
    frame = np.full((40, 50, 3), 128, np.uint8)
    frame[:4, :, 0] = 255        # 200 pixels
    frame[10:12, :, 2] = 0       # 100 pixels
    frame[20, :10] = (255, 0, 255)  # 10 pixels, several channels: counted once
    assert clipped_share(frame) == pytest.approx(310 / 2000)


def test_mean_saturation_known_colours():
    assert mean_saturation(np.full((4, 4, 3), (255, 0, 0), np.uint8)) == pytest.approx(1.0)
    assert mean_saturation(np.full((4, 4, 3), 77, np.uint8)) == 0.0
    assert mean_saturation(np.full((4, 4, 3), (200, 100, 100), np.uint8)) == pytest.approx(0.5)


def test_border_detail_ratio_tells_a_smeared_border_from_a_textured_one():
    texture = textured_image((96, 64), seed=4)
    assert 0.7 < border_detail_ratio(texture) < 1.4
    # Stretch the edge pixels outward over an 8-px band, like a reflected/replicated zoom out.
    core = texture[8:-8, 8:-8]
    smeared = cv2.copyMakeBorder(core, 8, 8, 8, 8, cv2.BORDER_REPLICATE)
    assert border_detail_ratio(smeared) < 0.25
    refilled = S.fill_entering(smeared.astype(np.float32), border_mask(96, 64, 8),
                               np.random.default_rng(1), rms=8)
    assert border_detail_ratio(refilled) > 0.6


def test_drift_compares_late_with_early_frames():
    steady = np.full(100, 5.0)
    assert drift(steady) == 1.0 and worst_drift(steady) == 1.0
    growing = np.concatenate([np.full(50, 5.0), np.full(50, 10.0)])
    assert drift(growing) == pytest.approx(2.0)
    bump = np.concatenate([np.full(40, 5.0), np.full(20, 9.0), np.full(40, 5.0)])
    assert drift(bump) == 1.0 and worst_drift(bump) == pytest.approx(1.8)


def test_summary_of_a_clip():
    frames = [textured_image((48, 32), seed=i) for i in range(20)]
    numbers = summary(clip_stats(frames))
    assert numbers["clipped_max"] > 0 and numbers["scale_drift"] < 1.3


def stripes(size, period, angle, contrast=60.0):
    """Grey sinusoidal stripes running at ``angle`` degrees (image y down), float (H, W, 3)."""
    width, height = size
    ys, xs = np.mgrid[:height, :width]
    normal = np.radians(angle + 90)
    wave = np.sin(2 * np.pi * (xs * np.cos(normal) + ys * np.sin(normal)) / period)
    return np.repeat((127 + contrast * wave)[..., None], 3, axis=2).astype(np.float32)


def eye_dots(size, count, seed=0):
    """Isotropic blobs at random places (like a dream's eyes), float (H, W, 3)."""
    width, height = size
    rng = np.random.default_rng(seed)
    dots = np.zeros((height, width), np.float32)
    dots[rng.integers(0, height, count), rng.integers(0, width, count)] = 1
    return np.repeat(cv2.GaussianBlur(dots, (0, 0), 1.5)[..., None] * 2000, 3, axis=2)


@pytest.mark.parametrize("period, angle", [(6, -30), (10, 40), (14, 0), (5, 90)])
def test_anisotropy_flags_stripes_at_any_angle(period, angle):
    picture = stripes((96, 64), period, angle)
    assert anisotropy(picture) > 0.9 and orientation_order(picture) > 0.8
    assert abs((stripe_angle(picture) - angle + 90) % 180 - 90) < 4


def test_anisotropy_flags_crossed_stripes_too():
    crossed = stripes((96, 64), 8, 45) + stripes((96, 64), 8, -45) - 127  # one orientation's sum cancels
    assert anisotropy(crossed) > 0.9


def test_anisotropy_passes_isotropic_noise_and_eye_dots_but_not_stripes_under_dots():
    size = (96, 64)
    for seed, sigma in enumerate((0.7, 1.5, 3.0)):
        noise = blurred_noise(96, sigma, seed)[:64, :, None].repeat(3, axis=2) * 60 * sigma + 127
        assert anisotropy(noise) < 0.25 and orientation_order(noise) < 0.3, sigma
    dots = eye_dots(size, 120)
    assert anisotropy(dots) < 0.2 and orientation_order(dots) < 0.3
    # Stripes with a quarter of the dots' power among them: flagged.
    striped = dots + stripes(size, 8, 35, contrast=40) - 127
    assert anisotropy(striped) > 0.35 and orientation_order(striped) > 0.25


def test_summary_reports_anisotropy_early_and_late():
    frames = [stripes((64, 48), 8, 30) if i >= 10 else textured_image((64, 48), seed=i) for i in range(20)]
    numbers = summary(clip_stats(frames))
    assert numbers["anisotropy_early"] < 0.3 and numbers["anisotropy_late"] > 0.9


# ----- stationarity controls ----------------------------------------------------------------

def test_match_colour_reaches_the_target_statistics():
    rng = np.random.default_rng(0)
    image = rng.normal(100, 10, (32, 32, 3)).astype(np.float32)
    target = S.ColourStats.of(rng.normal(150, 30, (32, 32, 3)).astype(np.float32))
    matched = S.ColourStats.of(S.match_colour(image, target, 1.0))
    assert np.allclose(matched.mean, target.mean, atol=1e-2)
    assert np.allclose(matched.std, target.std, rtol=1e-3)
    half = S.ColourStats.of(S.match_colour(image, target, 0.5))
    assert half.mean[0] == pytest.approx((S.ColourStats.of(image).mean[0] + target.mean[0]) / 2, abs=1e-2)
    assert S.match_colour(image, target, 0.0) is image


def test_soft_limit_is_identity_inside_and_never_reaches_the_rails():
    values = np.linspace(-60, 320, 381, dtype=np.float32)
    limited = S.soft_limit(values, 24)
    inside = (values >= 24) & (values <= 231)
    assert np.array_equal(limited[inside], values[inside])
    assert limited.min() > 0 and limited.max() < 255 and np.all(np.diff(limited) > 0)
    assert S.soft_limit(np.float32([1e4]), 24)[0] <= 255
    assert np.array_equal(S.soft_limit(values, 0), np.clip(values, 0, 255))


def test_flatten_removes_large_structure_and_keeps_fine_detail():
    ys, xs = np.mgrid[:64, :64]
    coarse = 60 * np.sin(xs / 64 * 2 * np.pi)[..., None].repeat(3, axis=2)
    fine = 20 * np.sin(xs * np.pi / 2)[..., None].repeat(3, axis=2)  # period 4 px
    image = (128 + coarse + fine).astype(np.float32)
    flat = S.flatten(image, 0.5, sigma=8)
    before, after = np.abs(np.fft.rfft(image[32, :, 0])), np.abs(np.fft.rfft(flat[32, :, 0]))
    # A period-64 wave blurred with sigma 8 keeps 0.73 of itself: half of that is removed.
    assert after[1] / before[1] == pytest.approx(1 - 0.5 * 0.73, abs=0.08)
    assert after[16] / before[16] == pytest.approx(1.0, abs=0.03)


def test_entering_marks_the_border_a_zoom_out_brings_in():
    size = (80, 60)
    out = ZoomStep(scale=0.9).matrix(size)
    new = S.entering([out], size)
    assert new[30, 40] == 0 and new[0, 0] == 1 and new[30, 1] == 1
    assert (new > 0.5).mean() == pytest.approx(1 - 0.81, abs=0.04)
    assert not S.entering([ZoomStep(scale=1.05).matrix(size)], size).any()
    older = S.entering([out, out, out], size)
    assert older[30, 5] > 0 and older[30, 5] < 1  # entered one or two frames ago


def test_fill_entering_puts_texture_where_edges_would_be_stretched():
    texture = textured_image((96, 64), seed=2).astype(np.float32)
    step = ZoomStep(scale=0.85)
    moved = step.apply(texture)  # mirrors the edge into the new border
    new = S.entering([step.matrix((96, 64))], (96, 64))
    filled = S.fill_entering(moved, new, np.random.default_rng(0), rms=8)
    assert np.array_equal(filled[16:-16, 16:-16], moved[16:-16, 16:-16])
    band = new > 0.99
    assert np.std(filled[band]) > 0.5 * np.std(texture)
