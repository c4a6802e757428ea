"""dream.views: the network sees each step's frame turned and mirrored at random, so repeated
dreaming keeps every orientation instead of settling into stripes at the network's favourite."""

import cv2
import numpy as np
import pytest

from dreamvideo.dreaming import objectives as O
from dreamvideo.config import parse_preset
from dreamvideo.dreaming.dreamer import DreamSettings, Dreamer
from dreamvideo.backbone.models import load_backbone, to_batch
from dreamvideo.videoio import NoiseSource
from dreamvideo.dreaming.views import IDENTITY, View, draw
from dreamvideo.zoom.metrics import anisotropy, orientation_order
from synthetic import textured_image


@pytest.fixture(scope="module")
def backbone():
    return load_backbone()


def test_flips_and_quarter_turns_map_back_exactly():
    image = np.random.default_rng(0).random((30, 50, 3)).astype(np.float32)
    for code in range(8):
        view = View(code)
        seen = view.apply(image)
        assert seen.shape == ((50, 30, 3) if code & 1 else (30, 50, 3))
        np.testing.assert_array_equal(view.restore(seen), image)


@pytest.mark.parametrize("code, angle", [(0, 0.0), (5, 0.0), (0, 30.0), (3, -41.0), (6, 12.5)])
def test_a_view_puts_each_point_where_locate_says_and_turns_back(code, angle):
    ys, xs = np.mgrid[:30, :50].astype(np.float32)
    image = np.stack([xs, ys, xs + ys], axis=2)  # each pixel holds its own position
    view = View(code, angle)
    seen = view.apply(image)
    x, y = view.locate((50, 30)) @ [20.5 / 50, 14.5 / 30, 1]  # centre of pixel (20, 14)
    sample = cv2.getRectSubPix(seen, (1, 1), (float(x - 0.5), float(y - 0.5)))[0, 0]
    np.testing.assert_allclose(sample[:2], [20, 14], atol=0.05)
    back = view.restore(seen)  # the interior returns (smooth content, two cubic resamplings)
    np.testing.assert_allclose(back[10:-10, 15:-15], image[10:-10, 15:-15], atol=0.15)


def test_views_are_drawn_from_the_rng_only_when_asked():
    rng = np.random.default_rng(1)
    assert draw("none", rng) is IDENTITY
    assert rng.integers(1 << 30) == np.random.default_rng(1).integers(1 << 30)  # nothing drawn
    views = [draw("rotate", np.random.default_rng(seed)) for seed in range(64)]
    assert {v.code for v in views} == set(range(8)) and all(abs(v.angle) <= 45 for v in views)
    assert all(v.angle == 0 for v in (draw("flip", np.random.default_rng(s)) for s in range(8)))
    config = parse_preset({}).dream
    assert config.views == "auto" and DreamSettings.from_config(config, 1.0).views == "rotate" == DreamSettings().views
    from dreamvideo.effects.dream_video import AUTO_VIEWS  # a video's carried dream: no views
    assert DreamSettings.from_config(config, 1.0, auto_views=AUTO_VIEWS).views == "none"
    assert DreamSettings.from_config(parse_preset({"dream": {"views": "flip"}}).dream, 1.0, auto_views="none").views == "flip"


def test_a_neuron_stays_where_it_was_put_in_every_view(backbone):
    start = textured_image((48, 40), seed=1).astype(np.float32) * 0.4 + 76
    layer = "block2_conv2"
    activations = backbone.extractor([layer])(to_batch(start))[layer].numpy()[0]
    alive = int(activations[4, 4].argmax())  # 20x24 map: cell under (0.2, 0.2)
    dreamer = Dreamer(backbone, O.neuron(layer, alive, 0.2, 0.2))
    for view in (View(0), View(3), View(6), View(1, 25.0), View(4, -40.0)):
        grad = np.abs(dreamer.gradient(start, 512, (3, -2), view)).sum(axis=2)
        near, far = grad[:22, :22].sum(), grad[26:, 26:].sum()
        assert near > 0 and far < 1e-3 * near, view


def test_with_views_the_dream_raises_the_objective_over_views(backbone):
    """What a dream with views maximises is the objective averaged over turned and mirrored
    views of the frame (a pattern the network likes in every orientation)."""
    start = textured_image((48, 40), seed=1).astype(np.float32) * 0.4 + 76
    dreamer = Dreamer(backbone, 0.5 * O.channel("block2_conv2", 3) + O.channel("block3_conv1", 9))

    def over_views(image):
        return np.mean([dreamer.score(View(code, angle).apply(image)) for code in range(8) for angle in (0, 30)])

    dreamt = dreamer.dream(start, DreamSettings(steps=4, step_size=2.0, jitter=4, normalize="std"),
                           np.random.default_rng(0))
    assert over_views(dreamt) > 1.5 * over_views(start)


def test_a_still_dreamt_again_and_again_keeps_every_orientation(backbone):
    """The power iteration of issue 8 at 96x64: 200 steps of the quickstart objective (like 50
    zoom frames with the camera still). Without views the network's favourite orientation wins
    (stripes); with the default views nothing does."""
    objective = (O.channel("block4_conv2", 35) + 0.7 * O.channel("block4_conv2", 6)
                 + 0.5 * O.channel("block3_conv3", 14))
    dreamer = Dreamer(backbone, objective)
    start = next(NoiseSource(2, (96, 64)).frames()).astype(np.float32)  # the quickstart's source
    settled = {views: dreamer.dream(start, DreamSettings(steps=200, step_size=2.0, decay=0.01, views=views),
                                    np.random.default_rng(2)) for views in ("none", "rotate")}
    striped, kept = settled["none"], settled["rotate"]
    assert max(anisotropy(striped), orientation_order(striped)) > 0.3
    assert anisotropy(kept) < 0.2 and orientation_order(kept) < 0.2
