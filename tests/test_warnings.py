"""The test run's one warning filter (pyproject.toml) silences Keras's own numpy-2 ``__array__``
DeprecationWarning and nothing else: the same warning raised from our code still shows."""

import tomllib
import warnings
from pathlib import Path

import numpy as np
import pytest
from _pytest.config import parse_warning_filter  # how pytest reads filterwarnings

ROOT = Path(__file__).resolve().parents[1]


def apply_ini_filters() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for item in config["tool"]["pytest"]["ini_options"]["filterwarnings"]:
        warnings.filterwarnings(*parse_warning_filter(item, escape=False))


class OldArray:
    """An array-like whose ``__array__`` predates numpy 2 (no ``copy``), like KerasVariable."""

    def __array__(self, dtype=None):
        return np.zeros(2, dtype)


def test_keras_saving_warns_only_without_the_filter(tmp_path):
    import keras

    from dreamvideo._tf import tf  # noqa: F401  (Keras on its TensorFlow backend)

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    with warnings.catch_warnings(record=True) as raw:
        warnings.simplefilter("always")
        model.save(tmp_path / "raw.keras")
    assert any("copy keyword" in str(w.message) for w in raw)  # what Keras 3.15 does
    with warnings.catch_warnings(record=True) as filtered:
        warnings.simplefilter("always")
        apply_ini_filters()
        model.save(tmp_path / "filtered.keras")
    assert not [w for w in filtered if "copy keyword" in str(w.message)]


def test_the_same_warning_from_our_code_is_not_filtered():
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        apply_ini_filters()
        with pytest.warns(DeprecationWarning, match="copy keyword"):
            np.array(OldArray())  # as Keras converts its variables
