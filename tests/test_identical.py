"""bench/identical.py's compare (issue #21's safety net) sees a one-level change in one pixel of
one frame, in a PNG and in an EXR, and names that frame; no rendering."""

import importlib.util
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import OpenEXR

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "identical.py"


def _identical():
    spec = importlib.util.spec_from_file_location("identical", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    return module


def _write_frames(folder: Path, frames: list[np.ndarray], depth: np.ndarray) -> Path:
    folder.mkdir(parents=True)
    for index, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"{index:06d}.png"), frame)
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, {"Z": depth}) as exr:
        exr.write(str(folder / "depth.exr"))
    return folder


def _record(identical, folder: Path, path: Path, commit: str) -> Path:
    entry = {"digests": identical.folder_digests(folder), "frames": 3}
    path.write_text(json.dumps({"format": identical.FORMAT, "commit": commit, "dirty": False, "inputs": {},
                                "renders": {"clip": entry}}))
    return path


def test_compare_names_the_frame_one_level_of_one_pixel_changed(tmp_path, capsys):
    identical = _identical()
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (12, 16, 3), np.uint8) for _ in range(3)]
    depth = rng.random((12, 16), dtype=np.float32)
    base = _record(identical, _write_frames(tmp_path / "a", frames, depth), tmp_path / "a.json", "a" * 40)
    same = _record(identical, _write_frames(tmp_path / "b", frames, depth.copy()), tmp_path / "b.json", "b" * 40)
    assert identical.compare(base, same) == 0
    assert "clip                     identical (4 frames)" in capsys.readouterr().out

    frames[1][5, 7, 2] ^= 1
    changed = _record(identical, _write_frames(tmp_path / "c", frames, depth), tmp_path / "c.json", "c" * 40)
    assert identical.compare(base, changed) == 1
    assert "clip                     DIFFERS: frames 000001.png (of 4)" in capsys.readouterr().out

    frames[1][5, 7, 2] ^= 1
    depth[3, 4] = np.nextafter(depth[3, 4], np.float32(2))
    changed = _record(identical, _write_frames(tmp_path / "d", frames, depth), tmp_path / "d.json", "d" * 40)
    assert identical.compare(base, changed) == 1
    assert "DIFFERS: frames depth.exr (of 4)" in capsys.readouterr().out
