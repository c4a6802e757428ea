"""Errors before work: every input file a preset names is checked before a work folder is made
or TensorFlow loads; a work folder that holds no frames is never refused."""

import json
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from dreamvideo.cli import main
from dreamvideo.config import parse_preset
from dreamvideo.errors import UserError
from dreamvideo.engine import WorkFolder
from dreamvideo.components.inputs import check_inputs

STYLE = """\
effect: style
source: {image: in.png}
output: {path: out.mp4, frames: 2, size: [32, 32]}
style: {images: [STYLE], iterations: {first: 2, next: 1}}
"""


@pytest.fixture()
def folder(tmp_path):
    cv2.imwrite(str(tmp_path / "in.png"), np.full((32, 32, 3), 120, np.uint8))
    cv2.imwrite(str(tmp_path / "style.png"), np.random.default_rng(0).integers(0, 255, (32, 32, 3), np.uint8))
    return tmp_path


def test_style_image_typo_fails_before_tensorflow_and_leaves_no_work_folder(folder):
    preset = folder / "p.yaml"
    preset.write_text(STYLE.replace("STYLE", "styel.png"))
    probe = ("import sys; from dreamvideo.cli import main; code = main(['render', sys.argv[1], '--quiet']);"
             "print(code, 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe, str(preset)], capture_output=True, text=True)
    assert result.stdout.split() == ["2", "False"]  # exit 2, TensorFlow never imported
    assert result.stderr.strip() == f"dreamvideo: error: style.images[0]: not found: {folder / 'styel.png'}"
    assert not (folder / "out.mp4.work").exists()


@pytest.mark.parametrize("raw, key", [
    ({"source": {"image": "nope.png"}}, "source.image"),
    ({"source": {"video": "nope.mp4"}}, "source.video"),
    ({"source": {"sequence": "nope/%04d.png"}}, "source.sequence"),
    ({"model": {"weights": "nope.h5"}}, "model.weights"),
    ({"dream": {"objective": [{"layer": "block3_conv1"}, {"layer": "block3_conv1", "guide": "nope.png"}]}},
     "dream.objective[1].guide"),
    ({"effect": "style", "style": {"images": ["style.png", {"path": "nope.png", "weight": 2}]}},
     "style.images[1].path"),
])
def test_each_named_input_is_checked_with_its_key_path(folder, raw, key):
    preset = parse_preset(raw, base_dir=folder)
    with pytest.raises(UserError, match=f"^{re.escape(key)}: (not found:|no images found for) .*nope"):
        check_inputs(preset)


def test_style_without_images_and_folder_instead_of_file(folder):
    with pytest.raises(UserError, match=r"^style.images: give at least one"):
        check_inputs(parse_preset({"effect": "style"}, base_dir=folder))
    with pytest.raises(UserError, match=r"^source.image: not a file: "):
        check_inputs(parse_preset({"source": {"image": "."}}, base_dir=folder))
    check_inputs(parse_preset({"effect": "style", "style": {"images": ["style.png"]},
                               "source": {"image": "in.png"}}, base_dir=folder))  # all present: fine
    relative = parse_preset({"source": {"sequence": "*.png"}}, base_dir=folder)  # like every path
    assert relative.source.sequence == str(folder / "*.png")
    check_inputs(relative)


def test_work_folder_without_frames_is_taken_over(folder, capsys):
    """The corrected run after a failed one renders, even though settings.json differs."""
    preset = folder / "p.yaml"
    preset.write_text(STYLE.replace("STYLE", "style.png"))
    work = folder / "out.mp4.work"
    (work / "frames").mkdir(parents=True)
    (work / "settings.json").write_text(json.dumps({"left": "behind by a failed run"}))
    assert main(["render", str(preset), "--quiet"]) == 0, capsys.readouterr().err
    assert (folder / "out.mp4").is_file()


def test_a_run_that_fails_before_its_first_frame_leaves_no_work_folder(tmp_path):
    work = WorkFolder(tmp_path / "out.mp4.work")
    with pytest.raises(RuntimeError, match="network failed"):
        with work.prepared({"a": 1}, overwrite=False):
            raise RuntimeError("network failed")
    assert not work.root.exists()
    with pytest.raises(RuntimeError):
        with work.prepared({"a": 1}, overwrite=False):
            work.write(0, np.zeros((8, 8, 3), np.uint8))
            raise RuntimeError("failed at frame 1")
    assert work.has_frames()  # made frames stay for a resume


@pytest.mark.parametrize("output, key, says", [
    ({"path": "clip", "codec": "h264"}, "output.codec", "has no suffix"),
    ({"path": "clip.mp4", "codec": "prores"}, "output.codec", "cannot be written to .mp4"),
    ({"path": "clip.avi"}, "output.path", "cannot write 'clip.avi'"),
    ({"path": "frames_%05d.jpg"}, "output.path", "must end in .png or .exr"),
])
def test_output_path_and_codec_that_do_not_fit_fail_before_work(folder, output, key, says, capsys):
    raw = {"source": {"image": "in.png"}, "output": {**output, "frames": 2, "size": [32, 32]}}
    with pytest.raises(UserError, match=f"^{re.escape(key)}: .*{re.escape(says)}"):
        check_inputs(parse_preset(raw, base_dir=folder))
    preset = folder / "p.yaml"
    preset.write_text(f"source: {{image: in.png}}\noutput: {json.dumps({**output, 'frames': 2})}\n")
    assert main(["render", str(preset), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"dreamvideo: error: {key}: ")
    assert not list(folder.glob("*.work"))
