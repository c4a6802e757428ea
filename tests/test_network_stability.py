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
