"""Style networks that hold still (issue 19): the transform network moves with the image instead
of with a fixed pixel lattice, starts as the identity, and a network file known to flicker says
so when it is used. Tiny and real: real Keras networks and files."""

import numpy as np
import pytest

from synthetic import textured_image


def _shift_error(arch, shift: int) -> float:
    """RMS difference between the network of the image moved ``shift`` px right and the network's
    image moved right (inside a margin): 0 for a network that moves with the image."""
    import keras

    from dreamvideo.style.network import StyleNetwork, build_transform_net

    keras.utils.set_random_seed(0)
    network = StyleNetwork(build_transform_net(arch), {})
    image = textured_image((96, 64), seed=2).astype(np.float32)
    out = network.stylize_float(image)
    moved = network.stylize_float(np.roll(image, shift, axis=1))
    inner = (slice(12, -12), slice(12 + shift, -12))
    return float(np.sqrt(np.mean((moved[inner] - out[12:-12, 12:-12 - shift]) ** 2)))


@pytest.mark.parametrize("shift", [1, 2])
def test_antialiased_network_moves_with_the_image(shift):
    """Stride-2 convs and nearest-neighbour copies make the output depend on where the image
    sits on their 2 and 4 px lattice: moved by a pixel, an untrained stride-2 net's output is a
    different pattern, not the same one moved. Blur-pool down and bilinear up follow the image."""
    from dreamvideo.style.network import Architecture

    lattice = _shift_error(Architecture(blocks=1, antialias=False, identity=False), shift)
    smooth = _shift_error(Architecture(blocks=1, identity=False), shift)
    assert smooth < 0.5 * lattice, (smooth, lattice)


def test_an_untrained_network_gives_the_frame_back():
    """The output is the input's logit plus what the network adds (zero at first): a young
    network is close to its input, not to a random pattern."""
    from dreamvideo.style.network import Architecture, StyleNetwork, build_transform_net

    network = StyleNetwork(build_transform_net(Architecture(blocks=1)), {})
    frame = textured_image((50, 38), seed=3)
    assert np.abs(network.stylize(frame).astype(float) - frame).max() <= 1


def test_files_that_flicker_say_so_when_used(tmp_path, capsys):
    from dreamvideo.style.network import (STABLE_STEPS, Architecture, BlurDown, architecture_dict,
                                          build_transform_net, load_network, save_network,
                                          size_multiple)

    old = {"widths": [16, 32, 64], "blocks": 1, "first_kernel": 9, "separable": True}  # before antialias
    path = save_network(tmp_path / "old.keras", build_transform_net(Architecture.from_dict(old)),
                        {"backbone": "vgg16-hed", "architecture": old, "training": {"steps": 2000}})
    network = load_network(path, dtype="mixed_bfloat16")  # rebuilt as it was made: stride-2
    assert not any(isinstance(layer, BlurDown) for layer in network.model.layers)
    assert size_multiple(network.model) == 4
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "old.keras has the old stride-2 architecture" in lines[0]

    arch = Architecture(blocks=1)
    for steps, warned in ((STABLE_STEPS - 1, True), (STABLE_STEPS, False)):
        path = save_network(tmp_path / f"n{steps}.keras", build_transform_net(arch),
                            {"backbone": "vgg16-hed", "architecture": architecture_dict(arch),
                             "training": {"steps": steps}})
        load_network(path)
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == (1 if warned else 0)
        if warned:
            assert f"trained only {steps} steps" in lines[0]


def _residual(arch, frame: np.ndarray) -> np.ndarray:
    """What an untrained network (random last conv) adds to ``frame``, before the clip to [0, 255]."""
    import keras

    from dreamvideo.style.network import build_transform_net

    keras.utils.set_random_seed(0)
    model = build_transform_net(arch)
    last = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)][-1]
    last.kernel.assign(np.random.default_rng(0).normal(0, 0.05, last.kernel.shape))
    residual = keras.Model(model.inputs, model.get_layer(index=-1).input[0])  # the residual, not the sum
    return np.tanh(residual([frame[None].astype(np.float32)]).numpy()[0]) * 255.0


def test_without_the_first_instance_norm_the_residual_sees_the_frames_level_and_contrast():
    """Instance norm after the first (linear) conv removes the frame's level and contrast: the
    residual added to a dark, flat frame is exactly the one added to the bright, contrasty frame
    it was made from (so a network that lifts a photograph's dark background to the style's cream
    lifts a dark, low-contrast clip too). Without it the residual depends on them."""
    from dreamvideo.style.network import Architecture

    frame = textured_image((48, 32), seed=4).astype(np.float32)
    dull = 0.3 * frame + 20.0  # darker, a third of the contrast, nothing clipped

    def change(arch):
        bright, dark = _residual(arch, frame), _residual(arch, dull)
        return float(np.sqrt(np.mean((bright - dark) ** 2)) / np.sqrt(np.mean(bright ** 2)))

    assert change(Architecture(blocks=1, first_norm=True)) < 0.01
    assert change(Architecture(blocks=1)) > 0.1  # the default since stop 29


def test_photometric_jitter_changes_both_frames_of_a_pair_alike_and_off_changes_nothing():
    from dreamvideo.style.content import CONTRAST, Batch, photometric

    rng = np.random.default_rng(0)
    a = rng.uniform(0, 255, (4, 16, 16, 3)).astype(np.float32)
    batch = Batch(a, a.copy(), np.zeros((4, 16, 16, 2), np.float32), np.ones((4, 16, 16, 1), np.float32))
    state = np.random.default_rng(1)
    assert photometric(batch, state, 0.0) is batch
    assert state.random() == np.random.default_rng(1).random()  # no draws when off
    jittered = photometric(batch, np.random.default_rng(1), 1.0)
    assert np.array_equal(jittered.a, jittered.b)  # one change per pair: the flow still holds
    assert jittered.a.min() >= 0 and jittered.a.max() <= 255
    spread = jittered.a.std(axis=(1, 2, 3)) / a.std(axis=(1, 2, 3))
    assert not np.allclose(spread, 1.0) and spread.min() >= 0.5 * CONTRAST[0]


def test_colour_jitter_turns_the_chroma_of_both_frames_alike_keeps_the_light_and_off_changes_nothing():
    from dreamvideo.style.content import SATURATION, Batch, colour_jitter
    from dreamvideo.style.images import rgb_to_ycrcb

    rng = np.random.default_rng(0)
    a = rng.uniform(64, 192, (4, 16, 16, 3)).astype(np.float32)  # mid-tones: no clipping
    batch = Batch(a, a.copy(), np.zeros((4, 16, 16, 2), np.float32), np.ones((4, 16, 16, 1), np.float32))
    state = np.random.default_rng(1)
    assert colour_jitter(batch, state, 0.0) is batch
    assert state.random() == np.random.default_rng(1).random()  # no draws when off
    jittered = colour_jitter(batch, np.random.default_rng(1), 1.0)
    assert np.array_equal(jittered.a, jittered.b)  # one change per pair: the flow still holds
    before, after = rgb_to_ycrcb(a), rgb_to_ycrcb(jittered.a)
    clipped = (jittered.a <= 0).any(-1) | (jittered.a >= 255).any(-1)
    np.testing.assert_allclose(after[..., 0][~clipped], before[..., 0][~clipped], atol=1e-3)  # light kept
    chroma = lambda ycc: ycc[..., 1:] - 128.0  # noqa: E731
    assert np.abs(chroma(after) - chroma(before)).mean() > 5  # hues changed
    strength = lambda ycc: np.linalg.norm(chroma(ycc)[~clipped], axis=-1).sum()  # noqa: E731
    ratio = strength(after) / strength(before)
    assert 0.5 * SATURATION[0] < ratio < 2 * SATURATION[1]


def test_box_mean_is_the_mean_over_the_window_clipped_at_the_borders():
    from dreamvideo._tf import tf
    from dreamvideo.style.network import box_mean

    x = np.random.default_rng(0).normal(size=(1, 13, 17, 2)).astype(np.float32)
    radius = 3
    expected = np.array([[[x[0, max(0, i - radius):i + radius + 1, max(0, j - radius):j + radius + 1].mean((0, 1))
                           for j in range(17)] for i in range(13)]])
    assert np.allclose(box_mean(tf.constant(x), radius).numpy(), expected, atol=1e-5)


def test_the_window_normaliser_on_cells_follows_the_exact_window_statistics():
    """The cells' shortcut stays close to normalising by the exact mean and variance over the
    window, on a textured image (its statistics vary over the frame)."""
    from dreamvideo._tf import tf
    from dreamvideo.style.network import box_mean, window_normaliser

    image = tf.constant(textured_image((160, 96), seed=5).astype(np.float32)[None] / 255.0)
    mean = box_mean(image, 32)
    exact = (image - mean) / tf.sqrt(box_mean(tf.square(image), 32) - tf.square(mean) + 1e-5)
    scale, shift = window_normaliser(image, 64)
    error = np.abs((image * scale + shift - exact).numpy())
    assert error.max() < 0.5 and error.mean() < 0.05  # of a unit-variance result


def _left_residual_change(arch) -> float:
    """How much of what an untrained network adds to the left of a frame changes when the far
    right of the frame is painted flat red, relative to what it adds."""
    frame = textured_image((448, 48), seed=6).astype(np.float32)
    painted = frame.copy()
    painted[:, 320:] = (230.0, 30.0, 20.0)
    before, after = _residual(arch, frame)[:, :48], _residual(arch, painted)[:, :48]
    return float(np.abs(after - before).max() / np.abs(before).mean())


def test_with_a_norm_window_a_region_is_painted_whatever_the_far_frame_holds():
    """With instance norm over the whole image, what the network paints in one place depends on
    the whole frame (at 1080p a pale-blue ball was painted red-orange in a warm frame, pale in a
    256-px crop of it, the training's view). Normalised over a window, a region far enough away
    does not change what the network adds here at all."""
    from dreamvideo.style.network import Architecture

    assert _left_residual_change(Architecture(blocks=1, norm_window=0)) > 0.05
    assert _left_residual_change(Architecture(blocks=1, norm_window=16)) < 1e-4


def test_a_norm_window_covering_the_frame_is_instance_norm():
    """On a crop no larger than half the window every pixel's window holds the whole crop: the
    network trained on crops the window's size sees what instance norm showed it before."""
    from dreamvideo.style.network import Architecture

    frame = textured_image((64, 32), seed=7).astype(np.float32)
    whole = _residual(Architecture(blocks=1, norm_window=0), frame)
    window = _residual(Architecture(blocks=1, norm_window=256), frame)
    assert np.abs(whole - window).max() < 1e-3 * np.abs(whole).max()
