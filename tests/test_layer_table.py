"""The static layer tables (dreamvideo/backbone/layer_table.py) match the real networks, and a preset's
layers, channels and classes are checked against them before any work: every problem named in
one line, exit 2, no work folder, no TensorFlow, also when the output exists."""

import subprocess
import sys
import typing

import cv2
import numpy as np
import pytest

from dreamvideo.config import ModelConfig, parse_preset
from dreamvideo.backbone.layer_table import COUNTER_NAMED, LAYERS, layer_problems
from dreamvideo.backbone.models import BACKBONES

PROBE = ("import sys; from dreamvideo.cli import main; code = main(['render', *sys.argv[1:]]);"
         "print(code, 'tensorflow' in sys.modules)")


def channels_of(outputs: dict) -> dict[str, int]:
    return {name: int(tensor.shape[-1]) for name, tensor in outputs.items()}


def test_every_registered_backbone_has_a_table():
    assert set(LAYERS) == set(BACKBONES) == set(typing.get_args(ModelConfig.model_fields["backbone"].annotation))


def test_vgg16_hed_table_is_the_network():
    from dreamvideo.backbone.models import load_backbone

    assert channels_of(load_backbone("vgg16-hed").outputs) == LAYERS["vgg16-hed"]
    assert channels_of(load_backbone("vgg16-hed", pooling="avg").outputs) == LAYERS["vgg16-hed"]


@pytest.mark.parametrize("name", ["vgg16", "vgg19", "inception_v3"])
def test_keras_application_tables_are_the_networks(name, monkeypatch):
    """The networks as load_backbone builds them, without their weights (nothing downloaded)."""
    from dreamvideo.backbone import models

    monkeypatch.setattr(models, "_keras_weights", lambda *args: None)  # random weights
    built = channels_of(models.load_backbone.__wrapped__(name).outputs)
    named = {layer: c for layer, c in built.items() if not COUNTER_NAMED.match(layer)}
    assert named == LAYERS[name]
    if name != "inception_v3":
        assert built == named  # every layer named: all of them in the table


def test_problems_name_each_key_and_suggest_the_layer():
    preset = parse_preset({"dream": {"objective": [
        {"layer": "block4_conv9"}, {"layer": "block3_conv1", "channel": 300},
        {"layer": "block3_conv1", "neuron": {"channel": 256}}, {"layer": "block5_conv3", "channel": 511},
        {"class_index": 3}]}})
    assert layer_problems(preset) == [
        "dream.objective[0].layer: unknown layer 'block4_conv9' for backbone vgg16-hed "
        "(did you mean 'block4_conv3'?)",
        "dream.objective[1].channel: layer block3_conv1 has 256 channels (0-255), got 300",
        "dream.objective[2].neuron.channel: layer block3_conv1 has 256 channels (0-255), got 256",
        "dream.objective[4].class_index: backbone vgg16-hed has no classifier; use model.backbone "
        "vgg16 or vgg19 or inception_v3"]
    classes = parse_preset({"model": {"backbone": "inception_v3"}, "dream": {"objective": [
        {"class_index": 1000}, {"layer": "mixed4", "channel": 767}, {"layer": "conv2d_93"}]}})
    assert layer_problems(classes) == [
        "dream.objective[0].class_index: inception_v3 has 1000 classes (0-999), got 1000"]
    style = parse_preset({"effect": "style", "style": {
        "content_layers": ["block4_conv2", "conv4_2"], "style_layers": ["block1_conv1", {"layer": "relu1_1"}]}})
    assert [p.split(":")[0] for p in layer_problems(style)] == [
        "style.content_layers[1]", "style.style_layers[1].layer"]


def test_bad_layers_fail_in_one_line_before_work_even_when_the_output_exists(tmp_path):
    (tmp_path / "out.mp4").write_bytes(b"made earlier")
    preset = tmp_path / "p.yaml"
    preset.write_text("output: {path: out.mp4, frames: 2, size: [32, 32]}\n"
                      "dream: {objective: [{layer: block4_conv9}, {layer: block3_conv1, channel: 300}]}\n")
    result = subprocess.run([sys.executable, "-c", PROBE, str(preset), "--quiet"], capture_output=True, text=True)
    assert result.stdout.split() == ["2", "False"]  # exit 2, TensorFlow never imported
    assert result.stderr.strip() == (
        "dreamvideo: error: dream.objective[0].layer: unknown layer 'block4_conv9' for backbone "
        "vgg16-hed (did you mean 'block4_conv3'?); dream.objective[1].channel: layer block3_conv1 "
        "has 256 channels (0-255), got 300")
    assert not (tmp_path / "out.mp4.work").exists()
    assert (tmp_path / "out.mp4").read_bytes() == b"made earlier"


def test_a_style_file_that_is_no_image_fails_before_work_with_the_other_problems(tmp_path):
    cv2.imwrite(str(tmp_path / "in.png"), np.full((32, 32, 3), 120, np.uint8))
    (tmp_path / "notes.png").write_text("not a picture")
    preset = tmp_path / "p.yaml"
    preset.write_text("effect: style\nsource: {image: in.png}\noutput: {path: out.mp4, frames: 2, size: [32, 32]}\n"
                      "style: {images: [notes.png], content_layers: [block4_conv7]}\n")
    result = subprocess.run([sys.executable, "-c", PROBE, str(preset), "--quiet"], capture_output=True, text=True)
    assert result.stdout.split() == ["2", "False"]
    assert result.stderr.strip() == (
        f"dreamvideo: error: style.images[0]: not a readable image (PNG, JPEG, TIFF, BMP, WebP): "
        f"{tmp_path / 'notes.png'}; style.content_layers[0]: unknown layer 'block4_conv7' for "
        "backbone vgg16-hed (did you mean 'block4_conv3'?)")
    assert not (tmp_path / "out.mp4.work").exists()
