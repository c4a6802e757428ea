"""Scene-linear <-> display without Blender (the OCIO views are checked against Blender's own
renders in test_blender.py)."""

import numpy as np
import pytest

from dreamvideo.videoio.colour import DisplayTransform, srgb_decode, srgb_encode
from dreamvideo.errors import UserError


def test_srgb_curve_known_values_and_round_trip():
    linear = np.array([0.0, 0.0031308, 0.18, 0.5, 1.0, 2.0], np.float32)
    encoded = srgb_encode(linear)
    np.testing.assert_allclose(encoded[[0, 4, 5]], [0.0, 1.0, 1.0], atol=1e-6)
    assert round(float(encoded[3]) * 255) == 188  # mid-grey 0.5 -> 188 in 8 bits
    np.testing.assert_allclose(srgb_decode(encoded[:5]), linear[:5], rtol=1e-5, atol=1e-7)


def test_standard_needs_no_ocio_and_drops_alpha():
    rgba = np.zeros((2, 3, 4), np.float32)
    rgba[..., :3] = 0.5
    out = DisplayTransform().to_display(rgba)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 3) and (out == 188).all()


def test_exposure_and_gamma_follow_blender_order():
    linear = np.full((1, 1, 3), 0.25, np.float32)
    plain = DisplayTransform().to_display_float(linear * 2)  # exposure +1 doubles the light
    graded = DisplayTransform(exposure=1.0, gamma=2.0).to_display_float(linear)
    np.testing.assert_allclose(graded, plain ** 0.5, rtol=1e-5)  # then display ** (1 / gamma)


def test_to_linear_inverts_to_display():
    frame = np.arange(256, dtype=np.uint8).repeat(3).reshape(16, 16, 3)
    for transform in (DisplayTransform(), DisplayTransform(exposure=-0.5, gamma=1.3)):
        assert (transform.to_display(transform.to_linear(frame)) == frame).all()


def test_other_views_need_the_ocio_config(monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)
    with pytest.raises(UserError, match="needs Blender's OCIO config"):
        DisplayTransform("AgX").to_display(np.zeros((1, 1, 3), np.float32))
    with pytest.raises(UserError, match="OCIO config not found"):
        DisplayTransform("AgX", ocio_config="/nonexistent/config.ocio").to_display(np.zeros((1, 1, 3)))
    with pytest.raises(UserError, match="gamma"):
        DisplayTransform(gamma=0)
