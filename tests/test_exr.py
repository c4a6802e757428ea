"""EXR reading by pass name, on synthetic files laid out like Blender's (no Blender needed)."""

import numpy as np
import OpenEXR
import pytest

from dreamvideo.errors import UserError
from dreamvideo.videoio.exr import read_pass, read_passes, write_exr

H, W = 6, 8


def _plane(value):
    return np.full((H, W), value, np.float32)


def _write_multipart(path, layer="ViewLayer", legacy=False):
    """One part per pass, channels named <layer>.<pass>.<channel>, like Blender 5."""
    index_name = "IndexOB" if legacy else "Object Index"
    passes = {
        "Combined": {c: _plane(v) for c, v in zip("RGBA", (0.1, 0.2, 0.3, 1.0))},
        "Vector": {c: _plane(v) for c, v in zip("XYZW", (1.0, 2.0, 3.0, 4.0))},
        "Depth": {"Z": _plane(5.0)},
        index_name: {"X": _plane(2.0)},
    }
    parts = []
    for pass_name, chans in passes.items():
        name = f"{layer}.{pass_name}"
        header = {"name": name, "type": OpenEXR.scanlineimage, "compression": OpenEXR.ZIP_COMPRESSION}
        parts.append(OpenEXR.Part(header, {f"{name}.{c}": v for c, v in chans.items()}))
    OpenEXR.File(parts).write(str(path))


def test_reads_every_part_by_pass_name(tmp_path):
    path = tmp_path / "frame_0001.exr"
    _write_multipart(path)
    passes = read_passes(path)
    assert set(passes) == {"Combined", "Vector", "Depth", "Object Index"}
    assert passes["Combined"].shape == (H, W, 4)
    np.testing.assert_allclose(passes["Combined"][0, 0], [0.1, 0.2, 0.3, 1.0], rtol=1e-6)
    np.testing.assert_allclose(passes["Vector"][0, 0], [1, 2, 3, 4])
    assert passes["Depth"].shape == (H, W) and passes["Depth"].dtype == np.float32
    assert passes["Object Index"][0, 0] == 2.0


def test_legacy_pass_names_are_renamed(tmp_path):
    path = tmp_path / "legacy.exr"
    _write_multipart(path, legacy=True)
    assert "Object Index" in read_passes(path)


def test_missing_pass_names_file_and_fix(tmp_path):
    path = tmp_path / "frame_0003.exr"
    write_exr(path, np.zeros((H, W, 3), np.float32))
    with pytest.raises(UserError, match=r"frame_0003.exr has no Vector pass; enable it in View Layer > Passes"):
        read_pass(path, "Vector")


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(UserError, match="not found"):
        read_passes(tmp_path / "nope.exr")
    bad = tmp_path / "bad.exr"
    bad.write_bytes(b"not an exr")
    with pytest.raises(UserError, match="not a readable EXR"):
        read_passes(bad)


def test_unknown_layer(tmp_path):
    path = tmp_path / "f.exr"
    _write_multipart(path, layer="Fore.ground")
    assert "Vector" in read_passes(path, layer="Fore.ground")
    with pytest.raises(UserError, match="no view layer 'Back'"):
        read_passes(path, layer="Back")


@pytest.mark.parametrize("half", [False, True])
def test_write_exr_round_trip(tmp_path, half):
    image = np.random.default_rng(0).random((H, W, 4), dtype=np.float32) * 4
    passes = read_passes(write_exr(tmp_path / "out.exr", image, half=half))
    np.testing.assert_allclose(passes["Combined"], image, rtol=1e-3 if half else 0)
