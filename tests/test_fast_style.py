"""Fast style: a feed-forward network trained on the clip (train-style), and style.method: network.

Tiny and real: the real VGG16 losses, real OpenCV flow, real Keras files."""

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from dreamvideo.cli import main
from dreamvideo.config import ModelConfig, StyleConfig, parse_preset
from dreamvideo.errors import UserError
from dreamvideo.motion.flow import warp
from dreamvideo.components.inputs import check_inputs
from synthetic import textured_image, translating_clip

SIZE = 48  # training crop


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fast_style")
    frames = folder / "frames"
    frames.mkdir()
    for index, frame in enumerate(translating_clip((64, 64), 3, shift=(2, 1)).frames):
        cv2.imwrite(str(frames / f"f{index:03d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::8] = (230, 40, 20)
    stripes[::8] = (20, 60, 220)
    cv2.imwrite(str(folder / "style.png"), cv2.cvtColor(stripes, cv2.COLOR_RGB2BGR))
    return folder


def _trainer(folder, steps, seed=0, **options):
    from dreamvideo.backbone.models import load_backbone
    from dreamvideo.components.sources import content_for
    from dreamvideo.style.content import load_pairs
    from dreamvideo.style.stylizer import Stylizer
    from dreamvideo.style.training import Trainer, TrainSettings
    from dreamvideo.videoio import read_image

    pairs = load_pairs(*content_for(folder / "frames"))
    settings = TrainSettings(size=SIZE, steps=steps, batch=2, seed=seed, checkpoint_every=100, **options)
    stylizer = Stylizer([(read_image(folder / "style.png"), 1.0)], StyleConfig(), backbone=load_backbone())
    return Trainer(stylizer, settings), pairs


def test_training_lowers_the_loss_and_writes_a_network_for_any_frame_size(clip_folder, capsys):
    from dreamvideo.style.network import load_network

    trainer, pairs = _trainer(clip_folder, steps=10, colour_weight=0.0, style_boost=1.0)  # the Gatys
    # criterion at the preset's balance and the training-only terms (the colour term starts at 0
    # from the identity and can only grow; a lower boost makes the style term, which falls, smaller)
    assert len(pairs) == 2 and pairs[0].mask.mean() > 0.8  # both pairs, flow mostly reliable
    held_out = [trainer.batch(pairs, step=12345 + k) for k in range(6)]  # fixed batches, not trained on

    def loss() -> float:
        return sum(trainer.loss(batch, noise) for batch, noise in held_out)

    before = loss()
    for _ in range(10):
        trainer.train_step(pairs)
    assert loss() < 0.95 * before  # untrained: 1x exactly; 0.91x after 10 steps (one batch: 0.90-1.05x by seed)

    out = clip_folder / "net.keras"
    code = main(["train-style", str(clip_folder / "style.png"), "--content", str(clip_folder / "frames"),
                 "-o", str(out), "--size", str(SIZE), "--steps", "3", "--progress", "none"])
    assert code == 0 and out.is_file() and not (clip_folder / "net.keras.ckpt.npz").exists()
    network = load_network(out, backbone="vgg16-hed")
    assert network.metadata["styles"][0]["name"] == "style.png"
    assert network.metadata["styles"][0]["seen_at"] == [512, 512]  # scale 1: long side 512 px, any frame
    from dreamvideo.style.training import TrainSettings

    assert network.metadata["training"]["style_boost"] == TrainSettings.style_boost  # the command's default is the library's
    assert network.metadata["architecture"]["norm_window"] == SIZE  # its norms see what a training crop held
    frame = textured_image((50, 38), seed=3)  # another size, not a multiple of 4
    styled = network.stylize(frame)
    assert styled.shape == frame.shape and styled.dtype == np.uint8
    assert np.abs(styled.astype(float) - frame).mean() > 5  # it changed the frame

    picture = clip_folder / "single.png"
    capsys.readouterr()
    assert main(["stylize", str(clip_folder / "frames" / "f000.png"), "-o", str(picture),
                 "--set", "style.method=network", "--set", f"style.network={out}"]) == 0
    assert cv2.imread(str(picture)).shape == (64, 64, 3)
    warned = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warned) == 1 and "net.keras was trained only 3 steps" in warned[0]  # too young, said when used


def test_render_with_the_network_method(clip_folder, tmp_path):
    from dreamvideo.engine import render
    from dreamvideo.progress import Progress
    from dreamvideo.style.network import Architecture, architecture_dict, build_transform_net, save_network

    arch = Architecture(blocks=1)
    network = save_network(tmp_path / "untrained.keras", build_transform_net(arch),
                           {"backbone": "vgg16-hed", "styles": [], "architecture": architecture_dict(arch)})
    preset = parse_preset({"effect": "style", "source": {"sequence": str(clip_folder / "frames")},
                           "output": {"path": str(tmp_path / "out"), "codec": "png", "size": [40, 30]},
                           "style": {"method": "network", "network": str(network)}})
    check_inputs(preset)  # no style.images needed
    render(preset, progress=Progress("none"))
    written = sorted((tmp_path / "out").glob("*.png"))
    assert len(written) == 3 and cv2.imread(str(written[-1])).shape == (30, 40, 3)


def test_temporal_blend_follows_a_known_translation():
    from dreamvideo.effects.base import FrameContext
    from dreamvideo.effects.style_network import NetworkStyleEffect, blend_factor
    from dreamvideo.motion.flow import OpenCVFlow
    from dreamvideo.style.network import Architecture, StyleNetwork, build_transform_net

    clip = translating_clip((80, 64), 2, shift=(3, 2))
    network = StyleNetwork(build_transform_net(Architecture(blocks=1)), {})
    config = StyleConfig(method="network", network=Path("x.keras"), temporal_weight=1e6)
    effect = NetworkStyleEffect(network, OpenCVFlow("dis"), config=config, frame_size=(80, 64))
    previous = textured_image((80, 64), seed=9)  # a previous output unrelated to the network's
    ctx = FrameContext(index=1, total=2, previous=previous, source=clip.frames[1],
                       previous_source=clip.frames[0], rng=np.random.default_rng(0), history=None)
    out = effect.render(ctx).astype(np.float32)
    assert blend_factor(1e6) > 0.999
    shifted = np.roll(previous, (2, 3), axis=(0, 1)).astype(np.float32)  # moved like the content
    inner = (slice(8, -8), slice(8, -8))
    assert np.abs(out - shifted)[inner].mean() < 3.0
    assert np.abs(out - previous)[inner].mean() > 6 * np.abs(out - shifted)[inner].mean()


def test_blend_detail_keeps_the_contrast_of_strokes_that_do_not_line_up():
    """Averaging two unrelated stroke patterns (a fifth of one) leaves paler detail; the kept
    detail has the new frame's contrast again. Patterns that agree, a held frame and pixels out
    of the mask are left as the plain blend makes them."""
    from dreamvideo.effects.style_network import fine_detail, local_energy, temporal_blend

    def strokes(seed):
        rng = np.random.default_rng(seed)
        return cv2.GaussianBlur(rng.uniform(0, 255, (64, 80, 3)).astype(np.float32), (0, 0), 1.0)

    new, warped, mask = strokes(1), strokes(2), np.ones((64, 80), np.float32)

    def contrast(image):  # fine-detail energy relative to the new frame's, inside
        return float(np.mean(local_energy(fine_detail(image))[8:-8, 8:-8])
                     / np.mean(local_energy(fine_detail(new))[8:-8, 8:-8]))

    plain = temporal_blend(new, warped, mask, 0.2, keep_detail=False)
    kept = temporal_blend(new, warped, mask, 0.2)
    assert contrast(plain) < 0.75 and 0.9 < contrast(kept) < 1.1
    np.testing.assert_allclose(temporal_blend(new, new, mask, 0.2), new, atol=1e-3)
    np.testing.assert_allclose(temporal_blend(new, warped, mask, 0.9999), warped, atol=0.1)
    np.testing.assert_array_equal(temporal_blend(new, warped, 0 * mask, 0.2), new)


def test_a_network_for_another_backbone_is_refused(tmp_path, capsys):
    from dreamvideo.style.network import Architecture, build_transform_net, load_network, save_network

    path = save_network(tmp_path / "v19.keras", build_transform_net(Architecture(blocks=1)),
                        {"backbone": "vgg19", "styles": [], "architecture": {}})
    with pytest.raises(UserError, match="trained for backbone vgg19, but model.backbone is vgg16-hed"):
        load_network(path, backbone="vgg16-hed")
    image = tmp_path / "in.png"
    cv2.imwrite(str(image), textured_image((32, 32)))
    code = main(["stylize", str(image), "-o", str(tmp_path / "o.png"), "--set", "style.method=network",
                 "--set", f"style.network={path}"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "trained for backbone vgg19" in lines[0]


def test_a_network_file_from_before_first_norm_rebuilds_as_it_was_made(tmp_path):
    """Files written before ``first_norm`` existed normalised their first conv; the default is off
    now, so rebuilding one (bfloat16, ``model.precision: auto``) must read it as on."""
    from dataclasses import asdict

    from dreamvideo.style.network import Architecture, build_transform_net, load_network, save_network

    old = Architecture(blocks=1, first_norm=True)
    recorded = {k: v for k, v in asdict(old).items() if k != "first_norm"}
    path = save_network(tmp_path / "old.keras", build_transform_net(old),
                        {"backbone": "vgg16-hed", "styles": [], "architecture": recorded})
    frame = textured_image((32, 32), seed=3).astype(np.float32)
    plain = load_network(path).stylize_float(frame)
    rebuilt = load_network(path, dtype="mixed_bfloat16").stylize_float(frame)
    assert np.abs(rebuilt - plain).mean() < 2.0  # bfloat16 rounding, not another network


def test_a_network_file_from_before_norm_window_keeps_whole_image_statistics(tmp_path):
    """Files written before ``norm_window`` normalised over the whole image and load so (their
    look does not change under a user); new networks take their statistics over a window."""
    from dataclasses import asdict

    from dreamvideo.style.network import Architecture, InstanceNorm, LocalNorm, build_transform_net, load_network, save_network

    old = Architecture(blocks=1, norm_window=0)
    recorded = {k: v for k, v in asdict(old).items() if k != "norm_window"}
    path = save_network(tmp_path / "old.keras", build_transform_net(old),
                        {"backbone": "vgg16-hed", "styles": [], "architecture": recorded})
    assert Architecture.from_dict(recorded).norm_window == 0
    for dtype in ("float32", "mixed_bfloat16"):
        norms = [layer for layer in load_network(path, dtype=dtype).model.layers if isinstance(layer, InstanceNorm)]
        assert norms and not any(isinstance(layer, LocalNorm) for layer in norms)
    new = Architecture(blocks=1)
    path = save_network(tmp_path / "new.keras", build_transform_net(new),
                        {"backbone": "vgg16-hed", "styles": [], "architecture": asdict(new)})
    for dtype in ("float32", "mixed_bfloat16"):
        windows = sorted({layer.window for layer in load_network(path, dtype=dtype).model.layers
                          if isinstance(layer, LocalNorm)})
        assert windows == [new.norm_window // 4, new.norm_window // 2, new.norm_window]  # per halving


def test_killed_training_resumes_to_the_same_network(clip_folder, tmp_path):
    from dreamvideo.style.training import TrainingStopped, checkpoint_path, train

    metadata = {"backbone": "vgg16-hed", "training": {"steps": 4}}
    straight, pairs = _trainer(clip_folder, steps=4, seed=1)
    train(straight, pairs, tmp_path / "straight.keras", metadata, content="c")

    def ctrl_c_at(step):
        if step == 2:
            raise KeyboardInterrupt

    out = tmp_path / "resumed.keras"
    first, _ = _trainer(clip_folder, steps=4, seed=1)
    with pytest.raises(TrainingStopped, match="stopped at step 2/4"):
        train(first, pairs, out, metadata, content="c", on_step=ctrl_c_at)
    assert checkpoint_path(out).exists() and not out.exists()
    again, _ = _trainer(clip_folder, steps=4, seed=1)
    train(again, pairs, out, metadata, content="c")
    assert again.step == 4 and not checkpoint_path(out).exists()
    for a, b in zip(straight.model.get_weights(), again.model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_augmented_crops_keep_flow_and_frames_consistent():
    from dreamvideo.motion.flow import consistency_mask
    from dreamvideo.style.content import Pair, sample_batch

    clip = translating_clip((96, 80), 2, shift=(4, -3))
    fw, bw = clip.flows_fw[0], clip.flows_bw[0]
    pair = Pair(clip.frames[0], clip.frames[1], bw, consistency_mask(fw, bw))
    batch = sample_batch([pair], np.random.default_rng(4), size=40, batch=6)
    for a, b, flow, mask in zip(batch.a, batch.b, batch.flow_ba, batch.mask):
        err = np.abs(warp(a, flow) - b).mean(axis=2)
        assert (err * mask[..., 0]).sum() / mask.sum() < 6.0  # scaled crops: bilinear resampling



def test_crops_keep_the_frames_own_scale():
    """A frame as high as the crop is cropped, not magnified: the network learns content at the
    scale it will stylise it (crops are exact windows of the frame, maybe mirrored)."""
    from dreamvideo.style.content import Pair, sample_batch

    clip = translating_clip((96, 64), 2, shift=(2, 1))
    pair = Pair(clip.frames[0], clip.frames[1], clip.flows_bw[0], np.ones((64, 96), np.float32))
    batch = sample_batch([pair], np.random.default_rng(0), size=64, batch=8)
    frame = clip.frames[1].astype(np.float32)
    for crop in batch.b:
        windows = [frame[:, x:x + 64] for x in range(33)]
        assert min(min(np.abs(crop - w).max(), np.abs(crop[:, ::-1] - w).max()) for w in windows) == 0

def test_warp_tf_agrees_with_the_project_warp():
    from dreamvideo.style.training import warp_tf

    image = textured_image((40, 32), seed=2).astype(np.float32)
    flow = np.random.default_rng(0).uniform(-5, 5, (32, 40, 2)).astype(np.float32)
    ours = warp_tf(image[None], flow[None]).numpy()[0]
    np.testing.assert_allclose(ours, warp(image, flow), atol=0.2)


def test_network_method_needs_a_network_file(tmp_path):
    with pytest.raises(UserError, match="method 'network' needs"):
        parse_preset({"effect": "style", "style": {"method": "network"}})
    preset = parse_preset({"effect": "style", "style": {"method": "network", "network": str(tmp_path / "n.keras")}})
    with pytest.raises(UserError, match=r"style.network: not found"):
        check_inputs(preset)
    assert ModelConfig().backbone == "vgg16-hed"


def test_blender_addon_style_network_field_makes_a_network_job():
    import importlib.util
    from types import SimpleNamespace as NS

    spec = importlib.util.spec_from_file_location("addon_job", Path(__file__).parent.parent / "blender_addon" / "job.py")
    job = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(job)  # the pure part of the add-on: no bpy needed
    settings = NS(effect="STYLE", style_images=[], preset_path="", style_network="/nets/ink.keras",
                  style_weight=10.0, use_mask=False, output_format="PNG", output_name="x")
    scene = NS(dreamvideo=settings, frame_start=1, frame_end=3, frame_current=1, animation_data=None,
               render=NS(resolution_x=64, resolution_y=48, resolution_percentage=100, fps=24, fps_base=1.0),
               view_settings=NS(view_transform="Standard", look="None", exposure=0.0, gamma=1.0),
               display_settings=NS(display_device="sRGB"))
    made = job.build_job(scene, frames="/cache/exr", output="/out/x", ocio_config=None)
    preset = parse_preset(made)
    assert (preset.style.method, str(preset.style.network)) == ("network", "/nets/ink.keras")
    settings.style_weight = 0.0  # the panel's Style Weight 0 reaches the network effect: input frames
    zero = parse_preset(job.build_job(scene, frames="/cache/exr", output="/out/x", ocio_config=None))
    from dreamvideo.effects.coherence import Fade

    assert zero.style.method == "network" and Fade(zero.style.style_weight)(0) == 0.0
    settings.style_network = ""
    with pytest.raises(job.JobError, match="add a style image"):
        job.build_job(scene, frames="/cache/exr", output="/out/x", ocio_config=None)


def test_content_from_a_blender_exr_folder_uses_the_vector_pass(tmp_path):
    from dreamvideo.blender.source import BlenderSource
    from dreamvideo.components.sources import content_for
    from dreamvideo.style.content import load_pairs
    from test_blender_source import DX, DY, N, _write_frame

    for t in range(N):
        _write_frame(tmp_path / f"frame_{t + 1:04d}.exr", t)
    source, flow = content_for(tmp_path)
    assert isinstance(source, BlenderSource) and flow is source  # Blender's own flow, not OpenCV
    pairs = load_pairs(source, flow)
    assert len(pairs) == N - 1
    np.testing.assert_allclose(pairs[0].flow_ba[12, 20], (-DX, -DY), atol=1e-5)


class _TruncatedClip:
    """A source whose header promises more frames than it holds, as a cut-off video does."""

    frame_count = 5

    def frames(self, start=0):
        yield np.zeros((8, 8, 3), np.uint8)


def test_content_whose_frames_cannot_be_read_is_one_clear_error():
    from dreamvideo.style.content import load_pairs

    with pytest.raises(UserError, match="--content: no frames could be read"):
        load_pairs(_TruncatedClip(), flow=None)


def test_bfloat16_network_stays_close_to_float32(tmp_path):
    from dreamvideo.style.network import Architecture, architecture_dict, build_transform_net, load_network, save_network

    arch = Architecture(blocks=1, identity=False)  # an untrained identity net is exact in both
    path = save_network(tmp_path / "n.keras", build_transform_net(arch),
                        {"backbone": "vgg16-hed", "architecture": architecture_dict(arch)})
    frame = textured_image((44, 36), seed=4)
    f32 = load_network(path).stylize_float(frame)
    bf16 = load_network(path, dtype="mixed_bfloat16").stylize_float(frame)
    assert np.abs(f32 - bf16).mean() < 2.0 and np.abs(f32 - bf16).max() > 0  # bfloat16 really ran


def test_training_temporal_and_noise_terms_have_gradients_where_they_act(clip_folder):
    """The output-level temporal term moves the network only where the mask is on; the
    noise-stability term moves it whenever there is input noise."""
    import tensorflow as tf

    trainer, pairs = _trainer(clip_folder, steps=1)
    batch, noise = trainer.batch(pairs, step=0)

    def gradient_norm(mask, noise, term):
        with tf.GradientTape() as tape:
            criterion, stability, _ = trainer._losses_py(batch.a, batch.b, batch.flow_ba, mask, noise)
            value = criterion if term == "criterion" else stability
        return sum(float(tf.reduce_sum(tf.square(g))) for g in tape.gradient(value, trainer.variables))

    def temporal_gradient(mask):  # criterion with the mask minus without: the temporal term's part
        with tf.GradientTape() as tape:
            on = trainer._losses_py(batch.a, batch.b, batch.flow_ba, mask, noise)[0]
            off = trainer._losses_py(batch.a, batch.b, batch.flow_ba, np.zeros_like(mask), noise)[0]
            value = on - off
        return sum(float(tf.reduce_sum(tf.square(g))) for g in tape.gradient(value, trainer.variables))

    assert temporal_gradient(np.ones_like(batch.mask)) > 0
    assert temporal_gradient(np.zeros_like(batch.mask)) == 0
    assert gradient_norm(batch.mask, noise, "stability") > 0
    assert gradient_norm(batch.mask, np.zeros_like(noise), "stability") == 0


def test_style_boost_multiplies_the_style_term_of_the_training_loss(clip_folder, tmp_path, capsys):
    """Training weighs style ``style_boost`` x the preset's: the loss of the same (seeded) network
    on the same batch grows by (boost - 1) x the preset-weighted style term of its output."""
    from dreamvideo.style.network import run_network

    plain, pairs = _trainer(clip_folder, steps=1, style_boost=1.0)
    boosted, _ = _trainer(clip_folder, steps=1, style_boost=3.0)
    batch, noise = plain.batch(pairs, step=0)
    out = run_network(plain.model, batch.b[:1]).numpy()[0]
    stylizer = plain.stylizer
    style = stylizer.evaluate(out, stylizer.inputs(batch.b[0]))["style"]
    one = float(plain._losses(batch.a[:1], batch.b[:1], batch.flow_ba[:1], batch.mask[:1], noise[:1])[0])
    three = float(boosted._losses(batch.a[:1], batch.b[:1], batch.flow_ba[:1], batch.mask[:1], noise[:1])[0])
    assert style > 0 and three - one == pytest.approx(2 * style, rel=0.02)

    code = main(["train-style", str(clip_folder / "style.png"), "--content", str(clip_folder / "frames"),
                 "-o", str(tmp_path / "n.keras"), "--style-boost", "0", "--progress", "none"])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and lines == ["dreamvideo: error: --style-boost: must be > 0, got 0.0"]
    assert not (tmp_path / "n.keras").exists()


def test_coarse_chroma_keeps_flat_colours_and_averages_fine_strokes_away():
    """The colour term sees the chroma of flat areas (as OpenCV's YCrCb, without the 128 offset)
    and nothing of grey, nor of a fine pattern of opposite hues (strokes keep their own)."""
    import tensorflow as tf

    from dreamvideo.style.training import coarse_chroma

    flat = np.full((1, 32, 40, 3), (200, 90, 30), np.float32)
    expected = cv2.cvtColor(flat[0].astype(np.uint8), cv2.COLOR_RGB2YCrCb)[0, 0, 1:].astype(np.float32) - 128
    assert np.allclose(coarse_chroma(tf.constant(flat), 4.0).numpy(), expected, atol=0.6)
    grey = np.repeat(np.linspace(0, 255, 40, dtype=np.float32)[None, None, :, None], 32, 1).repeat(3, 3)
    assert np.abs(coarse_chroma(tf.constant(grey), 4.0).numpy()).max() < 1e-3
    strokes = np.where((np.indices((32, 40)).sum(0) % 2 == 0)[..., None], (255, 0, 255), (0, 255, 0))
    strokes = strokes.astype(np.float32)[None] * (128 / 255) + 64  # grey on average
    chroma = coarse_chroma(tf.constant(strokes.astype(np.float32)), 4.0).numpy()
    raw = np.abs(cv2.cvtColor(strokes[0].astype(np.uint8), cv2.COLOR_RGB2YCrCb)[..., 1:] - 128.0).max()
    assert raw > 40 and np.abs(chroma[:, 8:-8, 8:-8]).max() < 0.02 * raw


def test_colour_distance_has_gradient_where_the_coarse_colour_differs_only():
    """Its gradient on the output is non-zero around a re-coloured patch and zero beyond the
    Gaussian's reach (3 sigma) from it, and zero everywhere when the colours match."""
    import tensorflow as tf

    from dreamvideo.style.training import colour_distance

    content = tf.constant(np.full((1, 48, 48, 3), 128.0, np.float32))
    patch = np.full((1, 48, 48, 3), 128.0, np.float32)
    patch[:, :8, :8] = (220, 60, 60)
    for out, acts in ((tf.Variable(patch), True), (tf.Variable(content), False)):
        with tf.GradientTape() as tape:
            value = colour_distance(out, content, 2.0)
        gradient = np.abs(tape.gradient(value, out).numpy()).sum(-1)[0]
        assert (gradient[:8, :8].max() > 0) == acts
        assert gradient[8 + 12:, :].max() == 0 and gradient[:, 8 + 12:].max() == 0


def test_colour_weight_adds_its_term_and_training_with_it_keeps_the_coarse_colours(clip_folder):
    """The network starts as the identity (distance 0); trained, the loss grows by colour_weight
    x the coarse-colour distance, and the same-seeded network trained with a heavy weight ends
    nearer the content's coarse colours than without."""
    plain, pairs = _trainer(clip_folder, steps=4, colour_weight=0.0)
    coloured, _ = _trainer(clip_folder, steps=4, colour_weight=500.0)
    held_out = plain.batch(pairs, step=99)[0]
    assert coloured.colour_error(held_out) == 0
    for trainer in (plain, coloured):
        while trainer.step < trainer.settings.steps:
            trainer.train_step(pairs)
    batch, noise = plain.batch(pairs, step=0)
    assert float(plain._losses(batch.a, batch.b, batch.flow_ba, batch.mask, noise)[2]) == 0  # off
    distance = float(coloured._losses(batch.a, batch.b, batch.flow_ba, batch.mask, noise)[2])
    assert distance > 0 and distance == pytest.approx(coloured.colour_error(batch), rel=1e-3)
    weighted = replace(coloured.settings, colour_weight=0.0)
    unweighted = coloured.loss(batch, noise)
    coloured.settings = weighted
    assert unweighted - coloured.loss(batch, noise) == pytest.approx(500 * distance, rel=1e-3)
    assert coloured.colour_error(held_out) < 0.5 * plain.colour_error(held_out)


def test_training_progress_json_counts_steps(clip_folder, tmp_path, capsys):
    import json

    out = tmp_path / "n.keras"
    assert main(["train-style", str(clip_folder / "style.png"), "--content", str(clip_folder / "frames"),
                 "-o", str(out), "--size", str(SIZE), "--steps", "2", "--progress", "json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    counts = [r for r in records if r["stage"] in ("train", "done")]
    assert [r["step"] for r in counts] == [0, 1, 2, 2] and not any("frame" in r for r in counts)


def test_style_weight_zero_gives_the_input_frame_exactly_with_the_network(clip_folder, tmp_path):
    from dreamvideo.style.network import Architecture, StyleNetwork, architecture_dict, build_transform_net, save_network

    clip = translating_clip((64, 48), 3, shift=(2, 1))
    network = StyleNetwork(build_transform_net(Architecture(blocks=1, identity=False)), {})  # changes frames
    weights = [{"frame": 0, "value": 10.0}, {"frame": 1, "value": 0.0}, {"frame": 2, "value": 5.0}]
    config = StyleConfig(method="network", network=Path("x.keras"), style_weight=weights)
    outputs = render_with_network(network, config, clip)
    full = network.stylize(clip.frames[0]).astype(float)
    assert np.abs(outputs[0] - full).max() <= 1 and np.abs(full - clip.frames[0]).mean() > 5
    np.testing.assert_array_equal(outputs[1], clip.frames[1])  # weight 0: the input, exactly
    half = (clip.frames[2] + 0.5 * (network.stylize_float(clip.frames[2]) - clip.frames[2]))
    assert np.abs(outputs[2] - half).mean() < 1.0  # half the peak: halfway (nothing to blend from)

    arch = Architecture(blocks=1)
    path = save_network(tmp_path / "n.keras", build_transform_net(arch),
                        {"backbone": "vgg16-hed", "styles": [], "architecture": architecture_dict(arch)})
    picture = clip_folder / "frames" / "f000.png"
    assert main(["stylize", str(picture), "-o", str(tmp_path / "same.png"), "--set", "style.method=network",
                 "--set", f"style.network={path}", "--set", "style.style_weight=0"]) == 0
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / "same.png")), cv2.imread(str(picture)))


def render_with_network(network, config, clip) -> list[np.ndarray]:
    """Every frame of ``clip`` through ``NetworkStyleEffect`` with DIS flow, in order."""
    from dreamvideo.effects.base import FrameContext
    from dreamvideo.effects.style_network import NetworkStyleEffect
    from dreamvideo.motion.flow import OpenCVFlow

    height, width = clip.frames[0].shape[:2]
    effect = NetworkStyleEffect(network, OpenCVFlow("dis"), config=config, frame_size=(width, height))
    outputs: list[np.ndarray] = []
    count = len(clip.frames)
    for index in range(count):
        ctx = FrameContext(index, count, outputs[-1] if outputs else None, clip.frames[index],
                           clip.frames[index - 1] if index else None, np.random.default_rng(0),
                           lambda i: outputs[i])
        outputs.append(effect.render(ctx))
    return outputs


def test_a_nearly_faded_previous_frame_is_not_unfaded_into_the_blend():
    from dreamvideo.style.network import Architecture, StyleNetwork, build_transform_net

    clip = translating_clip((64, 48), 2, shift=(2, 1))
    network = StyleNetwork(build_transform_net(Architecture(blocks=1, identity=False)), {})
    weights = [{"frame": 0, "value": 0.1, "ease": "hold"}, {"frame": 1, "value": 10.0}]  # fade 0.01, then 1
    config = StyleConfig(method="network", network=Path("x.keras"), style_weight=weights, temporal_weight=1e6)
    outputs = render_with_network(network, config, clip)
    # frame 0 holds 1 % of the style: unfading its uint8 rounding 100x would show as +-50 levels
    worst = np.abs(outputs[1] - network.stylize_float(clip.frames[1])).max()
    assert worst <= 1, f"{worst} levels from the network's own output"


def test_a_network_with_three_downsamplings_takes_any_frame_size():
    from dreamvideo.style.network import Architecture, StyleNetwork, build_transform_net, size_multiple

    model = build_transform_net(Architecture((8, 8, 8, 8), blocks=1))
    assert size_multiple(model) == 8 and size_multiple(build_transform_net(Architecture(blocks=1))) == 4
    frame = textured_image((37, 29), seed=3)
    assert StyleNetwork(model, {}).stylize(frame).shape == (29, 37, 3)


def test_train_style_options_default_to_the_training_settings():
    """The command line's defaults (written out: the parser imports no TensorFlow) are
    TrainSettings' own."""
    from dreamvideo.cli import build_parser
    from dreamvideo.style.training import TrainSettings

    args = build_parser().parse_args(["train-style", "s.png", "--content", "c", "-o", "n.keras"])
    defaults = TrainSettings()
    for name in ("size", "steps", "batch", "seed", "style_boost", "temporal_weight", "noise_weight",
                 "colour_weight"):
        assert getattr(args, name) == getattr(defaults, name), name
    assert defaults.network_architecture.norm_window == defaults.size  # the norms' window is the training crop
