"""Dreaming: objectives raise their own score, each gradient-shaping option acts, tiles are seamless."""

import numpy as np
import pytest

from dreamvideo.dreaming import objectives as O
from dreamvideo.config import parse_preset
from dreamvideo.dreaming.dreamer import (DreamSettings, Dreamer, laplacian_normalize, normalize_gradient, tile_grid)
from dreamvideo.backbone.models import load_backbone, to_batch
from dreamvideo.zoom import ZoomStep
from synthetic import textured_image


@pytest.fixture(scope="module")
def backbone():
    return load_backbone()


@pytest.fixture(scope="module")
def start():
    return textured_image((48, 40), seed=1).astype(np.float32) * 0.4 + 76


# The network sees the frame as it is (views: none): the objective's own score must rise. With
# random views the view-averaged score rises instead (tests/test_views.py).
QUICK = DreamSettings(steps=4, step_size=2.0, jitter=4, normalize="std", views="none")


@pytest.mark.parametrize("objective", [
    O.layer("block3_conv1"),
    O.channel("block3_conv3", 17),
    0.5 * O.channel("block2_conv2", 3) + O.channel("block3_conv1", 9),
    -O.layer("block2_conv1"),
], ids=lambda o: o.name)
def test_each_objective_moves_its_own_score_up(backbone, start, objective):
    dreamer = Dreamer(backbone, objective)
    dreamt = dreamer.dream(start, QUICK, np.random.default_rng(0))
    assert dreamer.score(dreamt) > dreamer.score(start) + 1e-3


def test_neuron_objective_moves_its_score_up(backbone, start):
    layer = "block3_conv3"
    activations = backbone.extractor([layer])(to_batch(start))[layer].numpy()[0]
    alive = int(activations[7, 3].argmax())  # cell under (x, y) = (0.25, 0.75) of the frame
    dreamer = Dreamer(backbone, O.neuron(layer, alive, 0.25, 0.75))
    dreamt = dreamer.dream(start, QUICK, np.random.default_rng(0))
    assert dreamer.score(dreamt) > dreamer.score(start) + 1e-3


def test_guide_objective_pulls_toward_the_guide_patterns(backbone, start):
    guide_image = textured_image((40, 40), seed=9).astype(np.float32)
    layer = "block3_conv1"
    guide_features = backbone.extractor([layer])(to_batch(guide_image))[layer].numpy()[0]
    dreamer = Dreamer(backbone, O.guide(layer, guide_features))
    dreamt = dreamer.dream(start, QUICK, np.random.default_rng(0))
    assert dreamer.score(dreamt) > dreamer.score(start)


def test_neuron_gradient_is_local(backbone, start):
    layer = "block2_conv2"
    activations = backbone.extractor([layer])(to_batch(start))[layer].numpy()[0]
    alive = int(activations[4, 4].argmax())  # 20x24 map: cell under (0.2, 0.2)
    dreamer = Dreamer(backbone, O.neuron(layer, alive, 0.2, 0.2))
    grad = np.abs(dreamer.gradient(start, 512, (0, 0))).sum(axis=2)
    near, far = grad[:20, :20].sum(), grad[25:, 25:].sum()
    assert near > 0 and far == 0


def test_preset_objectives_build_and_bad_channels_are_rejected(backbone):
    from dreamvideo.components.networks import dreamer_for
    from dreamvideo.errors import UserError

    preset = parse_preset({"dream": {"objective": [{"layer": "block3_conv1", "channel": 3, "weight": 2},
                                                   {"layer": "block4_conv1", "weight": -0.5}]}})
    assert dreamer_for(preset).objective.layers == {"block3_conv1", "block4_conv1"}
    with pytest.raises(UserError, match=r"dream.objective\[0\]: layer block1_conv1 has 64 channels"):
        dreamer_for(parse_preset({"dream": {"objective": [{"layer": "block1_conv1", "channel": 64}]}}))
    with pytest.raises(UserError, match="has no classifier"):
        dreamer_for(parse_preset({"dream": {"objective": [{"class_index": 3}]}}))


def high_frequency_energy(image):
    import cv2
    return float(np.mean((image - cv2.GaussianBlur(image, (0, 0), 1.5)) ** 2))


def test_gradient_blur_lowers_high_frequency_energy_of_the_update(backbone, start):
    dreamer = Dreamer(backbone, O.layer("block2_conv2"))
    base = DreamSettings(steps=3, step_size=2.0, jitter=0, normalize="std")
    sharp = dreamer.dream(start, base, np.random.default_rng(0)) - start
    blurred = dreamer.dream(start, DreamSettings(**{**base.__dict__, "blur_sigma": 1.5}),
                            np.random.default_rng(0)) - start
    assert high_frequency_energy(blurred) < 0.5 * high_frequency_energy(sharp)


def test_image_blur_every_n_steps_smooths_the_image(backbone, start):
    dreamer = Dreamer(backbone, O.layer("block2_conv2"))
    base = DreamSettings(steps=4, step_size=3.0, jitter=0, normalize="std")
    plain = dreamer.dream(start, base, np.random.default_rng(0))
    smoothed = dreamer.dream(start, DreamSettings(**{**base.__dict__, "blur_sigma": 1.0, "blur_target": "image",
                                                     "blur_every": 2}), np.random.default_rng(0))
    assert high_frequency_energy(smoothed) < high_frequency_energy(plain)


def test_laplacian_normalisation_equalises_bands():
    rng = np.random.default_rng(0)
    import cv2
    low = cv2.resize(rng.normal(size=(8, 8, 3)).astype(np.float32) * 50, (64, 64))
    grad = low + rng.normal(size=(64, 64, 3)).astype(np.float32) * 0.1  # strong coarse, weak fine
    out = laplacian_normalize(grad, 4)
    fine_in = high_frequency_energy(grad) / np.mean(grad ** 2)
    fine_out = high_frequency_energy(out) / np.mean(out ** 2)
    assert fine_out > 3 * fine_in
    assert np.sqrt(np.mean(normalize_gradient(grad, "laplacian") ** 2)) == pytest.approx(1, rel=1e-3)


def test_decay_pulls_toward_grey_and_clip_bounds_pixels(backbone, start):
    dreamer = Dreamer(backbone, O.layer("block2_conv1"))
    bright = np.full_like(start, 250.0)
    decayed = dreamer.dream(bright, DreamSettings(steps=3, step_size=0.1, jitter=0, decay=0.2), np.random.default_rng(0))
    assert decayed.mean() < 200
    wild = dreamer.dream(start, DreamSettings(steps=3, step_size=200, jitter=0), np.random.default_rng(0))
    assert wild.min() >= 0 and wild.max() <= 255


def test_gradient_percentile_clip_limits_outliers(backbone, start):
    dreamer = Dreamer(backbone, O.layer("block3_conv1"))
    settings = DreamSettings(steps=1, step_size=1.0, jitter=0, normalize="none", clip_pixels=False)
    clipped = DreamSettings(**{**settings.__dict__, "grad_clip_percentile": 50.0})
    free = dreamer.dream(start, settings, np.random.default_rng(0)) - start
    tame = dreamer.dream(start, clipped, np.random.default_rng(0)) - start
    assert np.abs(tame).max() < np.abs(free).max()
    assert np.abs(tame).max() <= np.percentile(np.abs(free), 50) * 1.001


def test_tiled_gradient_matches_untiled(backbone):
    image = textured_image((96, 80), seed=3).astype(np.float32)
    dreamer = Dreamer(backbone, O.layer("block3_conv1"), tile_margin=32)
    whole = dreamer.gradient(image, tile_size=512, shift=(5, 7))
    tiled = dreamer.gradient(image, tile_size=40, shift=(5, 7))
    assert len(tile_grid(80, 96, 40, 32)) == 6
    relative = np.abs(tiled - whole).mean() / np.abs(whole).mean()
    assert relative < 0.05
    assert np.corrcoef(tiled.ravel(), whole.ravel())[0, 1] > 0.99


def test_octaves_and_reproducibility(backbone, start):
    dreamer = Dreamer(backbone, O.layer("block3_conv1"))
    settings = DreamSettings(steps=2, octaves=3, octave_scale=1.5, jitter=4)
    first = dreamer.dream(start, settings, np.random.default_rng(42))
    again = dreamer.dream(start, settings, np.random.default_rng(42))
    other = dreamer.dream(start, settings, np.random.default_rng(43))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert first.shape == start.shape


def test_zoom_step_keyframes_and_geometry():
    preset = parse_preset({"zoom": {"scale": [{"frame": 0, "value": 1.0}, {"frame": 10, "value": 2.0}],
                                    "rotate": 90, "pan": [3, 0]}})
    step = ZoomStep.at(preset.zoom, 5)
    assert step.scale == pytest.approx(1.5) and step.rotate == 90 and step.pan == (3, 0)
    image = np.zeros((41, 41), np.float32)
    image[20, 30] = 1  # right of centre
    moved = ZoomStep(scale=1.0, rotate=90).apply(image)
    assert np.unravel_index(moved.argmax(), moved.shape) == (10, 20)  # counter-clockwise: now above
    panned = ZoomStep(pan=(3, 0)).apply(image)
    assert np.unravel_index(panned.argmax(), panned.shape) == (20, 27)


def test_class_score_objective_on_a_classifier():
    """Class objectives need a classifier head (vgg19 / inception_v3 with weights on disk, which
    this machine lacks): a small random-weight classifier stands in for them."""
    from synthetic import tiny_classifier
    from dreamvideo.dreaming.objectives import build_objective

    classifier = tiny_classifier()
    objective = build_objective(parse_preset({"dream": {"objective": [{"class_index": 3}]}}).dream.objective,
                                classifier, guide_features=None)
    dreamer = Dreamer(classifier, objective)
    start = textured_image((32, 32), seed=2).astype(np.float32)
    dreamt = dreamer.dream(start, DreamSettings(steps=5, step_size=4.0, jitter=0, normalize="std"),
                           np.random.default_rng(0))
    assert dreamer.score(dreamt) > dreamer.score(start) + 1e-3
