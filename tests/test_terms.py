"""The composable term type dream objectives and style losses share (backbone/terms.py)."""

import numpy as np

from dreamvideo._tf import tf
from dreamvideo.backbone.terms import Term
from dreamvideo.dreaming import objectives as O
from dreamvideo.style.losses import Evaluation, Loss, param, tv_loss, weighted_sum


def test_terms_compose_like_numbers_and_gather_their_layers():
    a = Term(lambda x: x["a"], layers=["l1"], name="a")
    b = Term(lambda x: x["b"], layers=["l2", "l1"], name="b")
    seen = {"a": 3.0, "b": 5.0}
    cases = {"a + b": (a + b, 8.0), "2 * a - b": (2 * a - b, 1.0), "-a": (-a, -3.0),
             "a * b": (a * b, 15.0), "1 - a + 0.5": (1 - a + 0.5, -1.5), "sum": (sum([a, b, a]), 11.0),
             "a * 4": (a * 4, 12.0)}
    for label, (term, value) in cases.items():
        assert term(seen) == value, label
    assert (a + b).layers == {"l1", "l2"} and (2 * a).layers == {"l1"}
    assert (2 * a - b).name == "2 * a + -1 * b"


def test_objectives_and_losses_stay_their_kind_when_composed():
    objective = 0.5 * O.layer("x") - O.channel("y", 1)
    assert isinstance(objective, O.Objective) and objective.layers == {"x", "y"}
    features = {"x": tf.ones((1, 2, 2, 3)), "y": tf.fill((1, 2, 2, 3), 4.0)}
    assert float(objective(features, tf.zeros(12))) == 0.5 - 4.0
    criterion = weighted_sum({"tv": tv_loss()})
    assert isinstance(criterion, Loss) and isinstance(-param("w"), Loss)
    stripes = np.zeros((1, 4, 4, 3), np.float32)
    stripes[:, :, ::2] = 255.0  # every horizontal neighbour differs by 1 (in [0, 1] units)
    ev = Evaluation(tf.constant(stripes), {}, {"tv_weight": tf.constant(2.0)})
    assert float(criterion(ev)) == 2.0 * 1.0  # dx term 1, dy term 0
