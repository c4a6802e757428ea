"""dream.colour_decorrelate: steps along natural colour directions; the slab-size metric; the
noise source's grain; both options validate."""

import os
import subprocess
import sys

import numpy as np
import pytest

from dreamvideo.dreaming import objectives as O
from dreamvideo.config import parse_preset
from dreamvideo.dreaming.decorrelate import colour_preconditioner, decorrelate_gradient
from dreamvideo.dreaming.dreamer import DreamSettings, Dreamer
from dreamvideo.backbone.models import load_backbone
from dreamvideo.videoio import NoiseSource
from dreamvideo.zoom.metrics import slab_size
from synthetic import textured_image

LIGHT = np.ones(3, np.float32) / np.sqrt(3)
GREEN_MAGENTA = np.array([-1, 2, -1], np.float32) / np.sqrt(6)


def test_preconditioner_keeps_light_and_shrinks_colour_opponent_steps():
    assert np.allclose(colour_preconditioner(0.0), np.eye(3), atol=1e-6)
    full = colour_preconditioner(1.0)
    assert np.allclose(full, full.T) and np.linalg.eigvalsh(full).max() == pytest.approx(1.0)
    assert np.linalg.norm(full @ LIGHT) > 0.95
    assert np.linalg.norm(full @ GREEN_MAGENTA) < 0.05
    half = np.linalg.norm(colour_preconditioner(0.5) @ GREEN_MAGENTA)
    assert 0.05 < half < 0.5  # the strength is a power between plain steps and lucid's


def test_decorrelated_gradient_turns_a_colour_step_toward_light():
    grad = np.tile(GREEN_MAGENTA + 0.2 * LIGHT, (4, 5, 1)).astype(np.float32)
    assert decorrelate_gradient(grad, 0.0) is grad
    turned = decorrelate_gradient(grad, 1.0)[0, 0]
    assert abs(turned @ LIGHT) > 5 * abs(turned @ GREEN_MAGENTA)


@pytest.fixture(scope="module")
def backbone():
    return load_backbone()


def test_decorrelated_dream_raises_the_objective_with_less_colour(backbone):
    start = textured_image((48, 40), seed=3).astype(np.float32) * 0.3 + 90
    dreamer = Dreamer(backbone, O.layer("block3_conv1"))
    plain = DreamSettings(steps=4, step_size=3.0, jitter=4, normalize="std", views="none")
    natural = DreamSettings(**{**plain.__dict__, "colour_decorrelate": 1.0})
    outs = {name: dreamer.dream(start, s, np.random.default_rng(0))
            for name, s in (("plain", plain), ("natural", natural))}
    assert dreamer.score(outs["natural"]) > dreamer.score(start) + 1e-3

    def colour_change(image):
        change = (image - start).reshape(-1, 3)
        return float(np.linalg.norm(change - change.mean(axis=1, keepdims=True)) / np.linalg.norm(change))

    assert colour_change(outs["natural"]) < 0.5 * colour_change(outs["plain"])


def test_colour_decorrelate_is_read_per_frame():
    preset = parse_preset({"dream": {"colour_decorrelate": [{"frame": 0, "value": 1, "ease": "hold"},
                                                            {"frame": 2, "value": 0.5}]}})
    values = [DreamSettings.from_config(preset.dream, 1.0, frame=f).colour_decorrelate for f in (0, 1, 2)]
    assert values == [1.0, 1.0, 0.5] and parse_preset({}).dream.colour_decorrelate == 0.0


def disk(image, centre, radius, colour):
    ys, xs = np.mgrid[:image.shape[0], :image.shape[1]]
    image[(ys - centre[1]) ** 2 + (xs - centre[0]) ** 2 <= radius ** 2] = colour


def test_slab_size_sees_large_saturated_regions_not_fine_vivid_texture():
    grey = np.full((72, 96, 3), 128, np.uint8)
    assert slab_size(grey) == 0.0
    fine = grey.copy()
    fine[::4, ::4] = (255, 0, 255)  # single saturated pixels: vivid, but no slab
    fine[2::4, 2::4] = (0, 255, 0)
    assert slab_size(fine) == 0.0
    one = grey.copy()
    disk(one, (30, 30), 12, (230, 20, 230))
    area = np.count_nonzero(one[..., 1] == 20) / (72 * 96)
    assert slab_size(one) == pytest.approx(area, rel=0.1)
    two = one.copy()
    disk(two, (75, 50), 6, (20, 230, 20))
    small = np.count_nonzero(two[..., 0] == 20) / (72 * 96)
    assert slab_size(two) == pytest.approx((area ** 2 + small ** 2) / (area + small), rel=0.1)
    assert slab_size(two) < slab_size(one)


def test_noise_cell_sets_the_grain():
    coarse, fine = (next(NoiseSource(7, (96, 64), cell=c).frames()).astype(np.float32) for c in (16, 4))
    rough = [float(np.abs(np.diff(f, axis=1)).mean()) for f in (coarse, fine)]
    assert rough[1] > 2 * rough[0]
    assert np.array_equal(coarse, next(NoiseSource(7, (96, 64)).frames()))  # 16: as before


@pytest.mark.parametrize("line, expected", [
    ("dream: {colour_decorrelate: 1.5}", "dream.colour_decorrelate"),
    ("dream: {colour_decorrelate: [{frame: 0, value: -1}]}", "dream.colour_decorrelate"),
    ("source: {noise: {seed: 1, cell: 0}}", "source.noise.cell: must be >= 1"),
])
def test_bad_values_are_one_line_exit_2(tmp_path, line, expected):
    preset = tmp_path / "p.yaml"
    body = line if line.startswith("source") else f"source: {{noise: {{seed: 1}}}}\n{line}"
    preset.write_text(f"effect: dream_zoom\n{body}\n")
    result = subprocess.run([sys.executable, "-m", "dreamvideo", "render", str(preset)], capture_output=True,
                            text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
