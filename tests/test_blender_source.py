"""BlenderSource plumbing on synthetic EXR sequences (no Blender needed).

The synthetic Vector pass follows Blender's convention as documented in
dreamvideo.blender.source; test_blender.py proves that convention on real Blender renders.
"""

import numpy as np
import OpenEXR
import pytest

from dreamvideo.blender.source import BlenderSource, object_mask
from dreamvideo.config.media import BlenderSourceConfig
from dreamvideo.errors import UserError
from dreamvideo.motion.flow import warp

W, H, N = 40, 24, 4
DX, DY = 2.0, 1.0  # image motion per frame, y down


def _texture(t):
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    x, y = x - DX * t, y - DY * t
    return 0.5 + 0.25 * np.sin(x * 0.7) * np.cos(y * 0.9) + 0.2 * np.sin(0.3 * x + 0.5 * y)


def _write_frame(path, t, with_vector=True):
    lum = _texture(t).astype(np.float32)
    index = np.zeros((H, W), np.float32)
    index[8:16, 10:20] = 3
    # Blender: XY = previous - now, ZW = now - next, in pixels with y up.
    passes = {
        "Combined": {"R": lum, "G": lum * 0.8, "B": lum * 0.6, "A": np.ones_like(lum)},
        "Depth": {"Z": np.full((H, W), 10.0, np.float32)},
        "Object Index": {"X": index},
    }
    if with_vector:
        passes["Vector"] = {c: np.full((H, W), v, np.float32)
                            for c, v in zip("XYZW", (-DX, DY, -DX, DY))}
    parts = []
    for pass_name, chans in passes.items():
        name = f"ViewLayer.{pass_name}"
        parts.append(OpenEXR.Part({"name": name, "type": OpenEXR.scanlineimage,
                                   "compression": OpenEXR.ZIP_COMPRESSION},
                                  {f"{name}.{c}": v for c, v in chans.items()}))
    OpenEXR.File(parts).write(str(path))


@pytest.fixture
def renders(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    for t in range(N):
        _write_frame(folder / f"frame_{t + 1:04d}.exr", t)
    return folder


def test_protocol_and_frames(renders):
    source = BlenderSource({"frames": str(renders), "fps": 24})
    assert source.size == (W, H) and source.frame_count == N and source.fps == 24
    frames = list(source.frames(start=1))
    assert len(frames) == N - 1
    assert frames[0].dtype == np.uint8 and frames[0].shape == (H, W, 3)


def test_vector_flow_in_project_convention(renders):
    source = BlenderSource({"frames": str(renders / "frame_%04d.exr")})
    fw, bw = source.flow_pair(1)
    np.testing.assert_allclose(fw[5, 5], [DX, DY])
    np.testing.assert_allclose(bw[5, 5], [-DX, -DY])
    a, b = source.frame(1).astype(np.float32), source.frame(2).astype(np.float32)
    inner = (slice(4, H - 4), slice(4, W - 4))
    assert np.abs(warp(a, bw) - b)[inner].max() <= 1.0
    with pytest.raises(UserError, match="no flow after frame 3"):
        source.flow_pair(N - 1)


def test_resized_flow_is_scaled(renders):
    source = BlenderSource({"frames": str(renders / "*.exr")}, size=(W // 2, H // 2))
    fw, _ = source.flow_pair(0)
    assert fw.shape == (H // 2, W // 2, 2)
    np.testing.assert_allclose(fw[3, 3], [DX / 2, DY / 2], rtol=1e-6)
    assert next(source.frames()).shape == (H // 2, W // 2, 3)


def test_mask_is_soft_and_covers_the_object(renders):
    source = BlenderSource({"frames": str(renders), "mask": {"object_indices": [3], "feather_px": 4}})
    mask = source.mask(0)
    assert mask.dtype == np.float32 and mask.shape == (H, W)
    assert mask[12, 15] > 0.9 and mask[2, 2] < 0.01
    assert 0.2 < mask[12, 10] < 0.8  # soft edge
    hard = object_mask(np.full((4, 4), 3.0), [3], feather_px=0, invert=True)
    assert (hard == 0).all()
    assert (BlenderSource({"frames": str(renders)}).mask(0) == 1).all()


def test_missing_vector_pass_explains_the_fix(tmp_path):
    _write_frame(tmp_path / "frame_0001.exr", 0, with_vector=False)
    _write_frame(tmp_path / "frame_0002.exr", 1, with_vector=False)
    source = BlenderSource({"frames": str(tmp_path)})
    with pytest.raises(UserError, match="frame_0001.exr has no Vector pass; enable it in View Layer"):
        source.flow_pair(0)


def test_config_validation_and_relative_paths(tmp_path):
    config = BlenderSourceConfig.model_validate({"frames": "cache/*.exr"}, context={"base_dir": tmp_path})
    assert config.frames == str(tmp_path / "cache" / "*.exr")
    with pytest.raises(ValueError, match="extra"):
        BlenderSourceConfig.model_validate({"frames": "x", "colour": "AgX"})
    with pytest.raises(ValueError, match=">= 1"):
        BlenderSourceConfig.model_validate({"frames": "x", "mask": {"object_indices": [0]}})
    with pytest.raises(UserError, match="no EXR files"):
        BlenderSource({"frames": str(tmp_path / "*.exr")})
