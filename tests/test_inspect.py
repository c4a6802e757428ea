"""Inspection pictures: every subcommand writes a readable PNG (real TF, vgg16-hed, tiny images)."""

import argparse
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tensorflow as tf

from dreamvideo import inspect
from dreamvideo.backbone import models
from dreamvideo.errors import UserError
from dreamvideo.backbone.models import load_backbone
import synthetic
from synthetic import textured_image

VGG_CHANNELS = {"block1_conv1": 64, "block1_conv2": 64, "block2_conv1": 128, "block2_conv2": 128,
                "block3_conv1": 256, "block3_conv2": 256, "block3_conv3": 256, "block4_conv1": 512,
                "block4_conv2": 512, "block4_conv3": 512, "block5_conv1": 512, "block5_conv2": 512,
                "block5_conv3": 512}


@pytest.fixture(scope="module")
def backbone():
    return load_backbone("vgg16-hed")


@pytest.fixture(scope="module")
def image_file(tmp_path_factory):
    """A 96x64 texture with a red disc and a blue bar."""
    image = textured_image((96, 64), seed=3)
    cv2.circle(image, (30, 30), 14, (250, 30, 30), -1)
    cv2.rectangle(image, (60, 10), (85, 50), (20, 20, 220), -1)
    path = tmp_path_factory.mktemp("inspect") / "in.png"
    cv2.imwrite(str(path), image[..., ::-1])
    return path


def run(argv):
    parser = argparse.ArgumentParser()
    inspect.add_inspect_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["inspect", *map(str, argv)])
    assert args.run is inspect.run_inspect
    return inspect.run_inspect(args)


def read_png(path):
    picture = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert picture is not None, f"{path} was not written"
    assert picture.std() > 20 and len(np.unique(picture.reshape(-1, 3), axis=0)) > 50, "picture is near constant"
    return picture


# Layout (see inspect.montage): PAD 4, label strip 14, title strip 22.
def grid_height(rows, tile):
    return inspect.TITLE + rows * (inspect.LABEL + tile + inspect.PAD) + inspect.PAD


def test_layers_table_and_chart(backbone, tmp_path, capsys):
    assert run(["layers", "-o", tmp_path / "layers.png"]) == 0
    table = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:] if "block" in line}
    for name, channels in VGG_CHANNELS.items():
        assert table[name][1] == "Conv2D" and table[name][-2] == str(channels)
    assert table["block1_conv1"][2:5] == ["224", "x", "224"] and table["block5_conv3"][2] == "14"
    chart = read_png(tmp_path / "layers.png")
    assert chart.shape[0] == inspect.TITLE + inspect.LABEL + 4 + 17 * 18 + inspect.PAD  # one 18 px row per layer
    assert 500 < chart.shape[1] < 1000


def test_layer_shapes_follow_the_input_size(backbone):
    rows = {row.name: row for row in inspect.layer_table(backbone, (96, 64))}
    assert rows["block1_conv1"].shape == (64, 96, 64) and rows["block4_pool"].shape == (4, 6, 512)


def test_filters_montage(backbone, tmp_path):
    run(["filters", "-o", tmp_path / "filters.png"])
    # four 8x8 grids of 36 px tiles (3x3 kernels upscaled 12x), side by side
    grid = 8 * (36 + inspect.PAD) + inspect.PAD
    assert read_png(tmp_path / "filters.png").shape == (grid_height(1, grid), 4 * (grid + inspect.PAD) + inspect.PAD, 3)


def test_filters_are_turned_to_rgb_order(backbone):
    name, kernel = inspect.first_conv_kernel(backbone)
    caffe_bgr = backbone.outputs[name]._keras_history.operation.kernel.numpy()
    assert name == "block1_conv1" and np.allclose(kernel, caffe_bgr[:, :, ::-1, :])


def test_features_montage(backbone, image_file, tmp_path):
    run(["features", image_file, "--layer", "block3_conv1", "--max", 6, "-o", tmp_path / "f.png"])
    picture = read_png(tmp_path / "f.png")
    # 16x24 maps upscaled 3x to 48x72, 6 of them in 2 rows of 3
    assert picture.shape[0] == grid_height(2, 48) and picture.shape[1] >= 3 * (72 + inspect.PAD) + inspect.PAD


def test_saliency_picture(backbone, image_file, tmp_path):
    run(["saliency", image_file, "--layer", "block4_conv3", "-o", tmp_path / "s.png"])
    # input, heat map, overlay: 96x64 upscaled 3x to 288x192
    assert read_png(tmp_path / "s.png").shape == (grid_height(1, 192), 3 * (288 + inspect.PAD) + inspect.PAD, 3)


def test_saliency_is_nonzero_and_local(backbone, image_file):
    image = inspect.load_image(image_file)
    deep = inspect.saliency(backbone, image, "block4_conv3", channel=7)
    assert deep.channel == 7 and deep.map.max() > 0 and deep.grid == (8, 12)
    first = inspect.saliency(backbone, textured_image((48, 32)), "block1_conv1")  # no flat areas: no ties
    ys, xs = np.nonzero(first.map)
    assert len(ys) > 0  # a 3x3 convolution sees only the 3x3 pixels around its position
    assert abs(ys - first.y).max() <= 1 and abs(xs - first.x).max() <= 1


def test_atlas_grid(backbone, tmp_path):
    run(["atlas", "--layer", "block3_conv1", "--channels", "0-3", "--size", 32, "--steps", 2, "--octaves", 2,
         "-o", tmp_path / "a.png"])
    picture = read_png(tmp_path / "a.png")
    # 32 px dreams upscaled 2x to 64 px, 2x2 grid
    assert picture.shape[0] == grid_height(2, 64) and picture.shape[1] >= 2 * (64 + inspect.PAD) + inspect.PAD


def test_dreaming_raises_each_channel(backbone):
    channels = [5, 9, 30]
    dreams = inspect.dream_channels(backbone, "block2_conv1", channels, size=32, steps=4, octaves=1)
    start = inspect.dream_channels(backbone, "block2_conv1", channels, size=32, steps=0, octaves=1)
    objective = inspect.pre_activation(backbone, "block2_conv1")

    def scores(images):
        acts = objective(tf.constant(images, tf.float32)).numpy()
        return np.array([acts[i, ..., c].mean() for i, c in enumerate(channels)])

    assert dreams.shape == (3, 32, 32, 3) and dreams.dtype == np.uint8
    assert abs(start.astype(float) - backbone.from_network(tf.zeros(3)).numpy()).mean() < 8  # grey + noise
    assert np.all(scores(dreams) > scores(start) + 1.0)


def test_pre_activation_is_the_conv_before_its_relu(backbone, image_file):
    pixels = tf.constant(inspect.load_image(image_file)[None], tf.float32)
    pre = inspect.pre_activation(backbone, "block3_conv2")(pixels)
    post = backbone.extractor(["block3_conv2"])(pixels)["block3_conv2"]
    assert float(tf.reduce_min(pre)) < 0 and np.allclose(tf.nn.relu(pre), post, atol=1e-3)


@pytest.fixture()
def tiny_classifier(monkeypatch):
    classifier = synthetic.tiny_classifier()
    monkeypatch.setattr(models, "load_backbone", lambda name, weights=None: classifier)
    return classifier


def test_predict_with_a_classifier(tiny_classifier, image_file, tmp_path, capsys):
    top = inspect.predict_top(tiny_classifier, inspect.load_image(image_file))
    probs = [prob for _, _, prob in top]
    assert len(top) == 5 and probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-5
    assert all(label == f"thing{index}" for index, label, _ in top)
    run(["predict", image_file, "-o", tmp_path / "p.png"])
    assert capsys.readouterr().out.startswith(f"1. {probs[0]:7.2%}  class {top[0][0]}  thing{top[0][0]}")
    # input fitted into 224x224, beside a 424 px wide chart
    assert read_png(tmp_path / "p.png").shape == (grid_height(1, 224), 224 + 424 + 3 * inspect.PAD, 3)


def test_dense_layers_have_saliency_but_no_feature_maps(tiny_classifier, image_file, tmp_path):
    found = inspect.saliency(tiny_classifier, inspect.load_image(image_file), "predictions", channel=3)
    assert found.channel == 3 and found.grid == (1, 1) and found.map.shape == (32, 32) and found.map.max() > 0
    with pytest.raises(UserError, match="'pool' has no feature maps"):
        run(["features", image_file, "--layer", "pool", "-o", tmp_path / "x.png"])


def test_predict_without_names_prints_indices():
    top = [(3, "", 0.5), (1, "", 0.25)]
    assert "class 3" in inspect.format_predictions(top) and "imagenet_class_index.json" in inspect.format_predictions(top)


def test_predict_on_vgg16_hed_is_a_user_error(backbone, image_file):
    with pytest.raises(UserError, match="^vgg16-hed has no classifier; use --backbone vgg16, vgg19 or inception_v3"):
        run(["predict", image_file])


@pytest.mark.parametrize("argv, message", [
    (["features", "missing.png", "--layer", "block1_conv1", "-o", "x.png"], "image not found"),
    (["features", "{image}", "--layer", "block4conv2", "-o", "x.png"], "did you mean 'block4_conv2'"),
    (["atlas", "--layer", "block1_conv1", "--channels", "5-3", "-o", "x.png"], "end before start"),
    (["atlas", "--layer", "block1_conv1", "--channels", "0-64", "-o", "x.png"], "has 64 channels"),
    (["atlas", "--layer", "block1_conv1", "--channels", "a-b", "-o", "x.png"], "bad channel range"),
    (["saliency", "{image}", "--layer", "block1_conv1", "--channel", "99", "-o", "x.png"], "out of range"),
    (["filters"], "-o OUT.png"),
    (["filters", "-o", "/no/such/folder/x.png"], "output folder does not exist"),
    (["layers", "--input-size", "big"], "WIDTHxHEIGHT"),
    (["layers", "--backbone", "vgg99"], "must be one of"),
])
def test_bad_input_is_one_line_user_error(backbone, image_file, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match=message) as err:
        run([arg.format(image=image_file) for arg in argv])
    assert "\n" not in str(err.value)
    assert not (tmp_path / "x.png").exists()


def test_importing_the_cli_part_does_not_load_tensorflow():
    code = "import sys, dreamvideo.inspect; sys.exit('tensorflow' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_unreadable_image_is_a_user_error(tmp_path):
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(UserError, match="cannot read image"):
        inspect.load_image(tmp_path / "notes.png")
