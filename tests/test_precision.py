"""model.precision: bfloat16 backbones dream like float32 ones, validate, and stay deterministic."""

import os
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from dreamvideo.dreaming import objectives as O
from dreamvideo.components.networks import backbone_for, dreamer_for
from dreamvideo.cli import main
from dreamvideo.config import parse_preset
from dreamvideo.dreaming.dreamer import DreamSettings, Dreamer
from dreamvideo.config import StyleConfig
from dreamvideo.errors import UserError
from dreamvideo.backbone.models import cpu_has_native_bfloat16, load_backbone, resolve_precision, to_batch
from dreamvideo.style import Stylizer
from dreamvideo.videoio import smooth_noise

LAYER = "block3_conv3"


@pytest.fixture(scope="module")
def dreamers():
    return {p: Dreamer(load_backbone(precision=p), O.layer(LAYER)) for p in ("float32", "bfloat16")}


@pytest.fixture(scope="module")
def start():
    return smooth_noise(3, (64, 48)).astype(np.float32)


def correlation(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return a @ b / (np.linalg.norm(a) * np.linalg.norm(b))


def test_bfloat16_layers_compute_in_bfloat16_and_hand_back_float32():
    backbone = load_backbone(precision="bfloat16")
    assert backbone.precision == "bfloat16"
    extractor = backbone.extractor([LAYER])
    convs = [layer for layer in extractor._model.layers if "conv" in layer.name]
    assert convs and all(layer.compute_dtype == "bfloat16" for layer in convs)
    image = to_batch(smooth_noise(1, (40, 32)))
    ours = extractor(image)[LAYER].numpy()
    theirs = load_backbone().extractor([LAYER])(image)[LAYER].numpy()
    assert ours.dtype == np.float32
    assert np.abs(ours - theirs).mean() < 0.05 * np.abs(theirs).mean()  # same network, rounded


def test_bfloat16_gradient_points_where_float32_does(dreamers, start):
    grads = [dreamers[p].gradient(start, 1024, (0, 0)) for p in ("float32", "bfloat16")]
    assert grads[1].dtype == np.float32
    assert correlation(*grads) > 0.97


def test_bfloat16_dream_raises_the_objective_like_float32(dreamers, start):
    settings = DreamSettings(steps=4, jitter=4)
    judge = dreamers["float32"]
    before = judge.score(start)
    gains = {p: judge.score(d.dream(start, settings, np.random.default_rng(0))) - before for p, d in dreamers.items()}
    assert gains["bfloat16"] > 0
    assert gains["bfloat16"] == pytest.approx(gains["float32"], rel=0.25)


def test_same_seed_same_image_in_bfloat16(start):
    settings = DreamSettings(steps=2, jitter=4)
    first, second = (Dreamer(load_backbone.__wrapped__(precision="bfloat16"), O.layer(LAYER))
                     .dream(start, settings, np.random.default_rng(5)) for _ in range(2))
    np.testing.assert_array_equal(first, second)


def test_precision_is_validated_and_auto_follows_the_cpu(capsys, tmp_path):
    with pytest.raises(UserError, match="model.precision"):
        parse_preset({"model": {"precision": "float16"}})
    assert parse_preset({}).model.precision == "auto"
    assert resolve_precision("float32") == "float32" and resolve_precision("bfloat16") == "bfloat16"
    assert cpu_has_native_bfloat16("flags : fpu avx512f avx512_bf16 avx512_vnni")
    assert cpu_has_native_bfloat16("flags : fpu amx_bf16 amx_tile")
    assert not cpu_has_native_bfloat16("flags : fpu avx2 avx512f avx512_vnni")
    assert resolve_precision("auto") == ("bfloat16" if cpu_has_native_bfloat16() else "float32")


def test_bad_precision_is_one_line_exit_2(tmp_path):
    preset = tmp_path / "p.yaml"
    preset.write_text("effect: dream_zoom\nsource: {noise: {seed: 1}}\nmodel: {precision: half}\n")
    result = subprocess.run([sys.executable, "-m", "dreamvideo", "render", str(preset)], capture_output=True,
                            text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "dreamvideo: error: model.precision: must be one of 'auto', 'float32' or 'bfloat16', got 'half'"]


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_dream_and_style_follow_model_precision(precision):
    preset = parse_preset({"model": {"precision": precision}, "dream": {"objective": [{"layer": LAYER}]}})
    assert dreamer_for(preset).extractor.backbone.precision == precision
    assert backbone_for(preset).precision == precision  # style


def test_auto_dreams_in_the_machines_best_precision_and_styles_in_float32():
    preset = parse_preset({"dream": {"objective": [{"layer": LAYER}]}})
    assert dreamer_for(preset).extractor.backbone.precision == resolve_precision("auto")
    assert backbone_for(preset).precision == "float32"


def test_bfloat16_style_lowers_the_float32_loss_like_float32():
    content, style = smooth_noise(1, (48, 32)), smooth_noise(2, (64, 64))
    config = StyleConfig(tolerance=0.0, init="content", scale=0.25, style_layers=["block1_conv1", "block2_conv1"])
    stylizers = {p: Stylizer([(style, 1.0)], config, backbone=load_backbone(precision=p)) for p in ("float32", "bfloat16")}
    judge = stylizers["float32"]
    inputs = judge.inputs(content.astype(np.float32))
    before = judge.evaluate(content.astype(np.float32), inputs)["total"]
    after = {p: judge.evaluate(s.stylize(content, init=content.astype(np.float32), iterations=8).image.astype(np.float32),
                               inputs)["total"] for p, s in stylizers.items()}
    assert after["bfloat16"] < 0.7 * before
    assert after["bfloat16"] == pytest.approx(after["float32"], rel=0.25)


PRESET = """\
effect: dream_zoom
source: {noise: {seed: 5}}
output: {path: frames, fps: 12, frames: 4, size: [48, 32]}
model: {precision: PRECISION}
dream: {steps: 2, objective: [{layer: block3_conv1}], jitter: 4}
zoom: {scale: 1.05, rotate: 2}
seed: 11
"""


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_resume_is_exact_in_each_precision(tmp_path, precision):
    preset = tmp_path / "p.yaml"
    preset.write_text(PRESET.replace("PRECISION", precision))
    assert main(["render", str(preset), "--quiet", "--keep-work"]) == 0
    reference = [cv2.imread(str(p)) for p in sorted((tmp_path / "frames").glob("*.png"))]
    work = sorted((tmp_path / "frames.work" / "frames").glob("*.png"))
    assert len(reference) == len(work) == 4
    kept = [path.stat().st_mtime_ns for path in work[:2]]
    for path in work[2:]:
        path.unlink()
    shutil.rmtree(tmp_path / "frames")
    assert main(["render", str(preset), "--quiet", "--keep-work"]) == 0
    assert [path.stat().st_mtime_ns for path in work[:2]] == kept  # resumed, not redone
    resumed = [cv2.imread(str(p)) for p in sorted((tmp_path / "frames").glob("*.png"))]
    for mine, theirs in zip(resumed, reference, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_resume_fingerprint_holds_the_resolved_precision(tmp_path, monkeypatch, capsys):
    """``auto`` is stored as what it meant on the machine that rendered; resuming where it means
    the other precision is refused (the frames would differ), not silently mixed."""
    import dreamvideo.backbone.models as models
    from dreamvideo.engine import fingerprint

    here = resolve_precision("auto")
    assert fingerprint(parse_preset({}), ())["model"]["precision"] == here
    assert fingerprint(parse_preset({"effect": "style"}), ())["model"]["precision"] == "float32"
    preset = tmp_path / "p.yaml"
    preset.write_text(PRESET.replace("PRECISION", "auto").replace("frames: 4", "frames: 2"))
    assert main(["render", str(preset), "--quiet", "--keep-work"]) == 0
    shutil.rmtree(tmp_path / "frames")
    assert main(["render", str(preset), "--quiet", "--keep-work"]) == 0  # same machine: resumes
    shutil.rmtree(tmp_path / "frames")
    other = "float32" if here == "bfloat16" else "bfloat16"
    monkeypatch.setattr(models, "resolve_precision", lambda precision: other if precision == "auto" else precision)
    capsys.readouterr()
    assert main(["render", str(preset), "--quiet", "--keep-work"]) == 2
    assert "rendered with other settings" in capsys.readouterr().err


def test_keras_application_graphs_convert_too():
    """vgg19 / inception_v3 go through the same conversion (their weights are not on this machine):
    a small graph with batch norm and a softmax classifier gives the same answers in bfloat16."""
    from dreamvideo._tf import tf
    from dreamvideo.backbone.models import _outputs, in_precision

    keras = tf.keras
    inputs = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="norm")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    network = keras.Model(inputs, keras.layers.Dense(5, activation="softmax", name="predictions")(x))
    network.get_layer("norm").set_weights([np.full(8, 1.5), np.full(8, 0.1), np.full(8, 0.2), np.full(8, 2.0)])
    new_inputs, outputs = in_precision(network.input, _outputs(network), "bfloat16")
    assert [outputs[name].dtype for name in ("conv", "predictions")] == ["bfloat16", "bfloat16"]
    converted = keras.Model(new_inputs, outputs["predictions"])
    image = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3)).astype(np.float32)
    ours = tf.cast(converted(image), tf.float32).numpy()
    np.testing.assert_allclose(ours, network(image).numpy(), atol=0.02)
    assert converted.get_layer("norm").get_weights()[3][0] == 2.0  # weights copied
