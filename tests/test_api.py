"""The Python API (`import dreamvideo`): the same work as the CLI, typed errors with the CLI's
one-line messages, progress records as `--progress json` prints them, frames you bring."""

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import dreamvideo
from dreamvideo.cli import main
from synthetic import textured_image, translating_clip

DREAM = {"steps": 2, "objective": [{"layer": "block2_conv1"}], "jitter": 4}
ZOOM = {"effect": "dream_zoom", "source": {"noise": {"seed": 5}},
        "output": {"path": "zoom.mp4", "fps": 12, "frames": 3, "size": [48, 32]},
        "dream": {"steps": 1, "objective": [{"layer": "block2_conv1"}], "jitter": 4},
        "zoom": {"scale": 1.05}, "seed": 11}


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def test_import_is_light():
    code = ("import sys, dreamvideo; heavy = [m for m in ('tensorflow', 'keras', 'cv2') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_load_preset_from_a_path_a_mapping_or_a_preset(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("dream: {steps: 3}\noutput: {path: out.mp4}\n")
    from_file = dreamvideo.load_preset(path, overrides={"dream.octaves": 2})
    assert (from_file.dream.steps, from_file.dream.octaves) == (3, 2)
    assert from_file.output.path == tmp_path / "out.mp4"  # relative to the preset's folder, as in the CLI
    from_mapping = dreamvideo.load_preset({"dream": {"steps": 3}}, overrides=["dream.octaves=2"])
    assert from_mapping.dream == from_file.dream
    again = dreamvideo.load_preset(from_file, overrides={"zoom.scale": 1.1})
    assert again.zoom.scale == 1.1 and again.dream == from_file.dream
    assert isinstance(again, dreamvideo.Preset)


def test_errors_are_typed_with_the_cli_line(tmp_path, capsys):
    with pytest.raises(dreamvideo.PresetError) as caught:
        dreamvideo.load_preset({"output": {"fps": -3}})
    message = str(caught.value)
    assert main(["render", str(tmp_path / "p.yaml"), "--set", "output.fps=-3"]) == 2  # file missing first
    (tmp_path / "p.yaml").write_text("{}\n")
    assert main(["render", str(tmp_path / "p.yaml"), "--set", "output.fps=-3"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"dreamvideo: error: {message}"
    assert "\n" not in message and message.startswith("output.fps")

    with pytest.raises(dreamvideo.PresetError, match="dream.stepz"):
        dreamvideo.dream_image(np.zeros((32, 32, 3), np.uint8), stepz=3)
    with pytest.raises(dreamvideo.InputError, match="not found"):
        dreamvideo.dream_image(tmp_path / "none.png")
    with pytest.raises(dreamvideo.InputError, match=r"shape \(32, 32\)"):
        dreamvideo.dream_image(np.zeros((32, 32)))
    with pytest.raises(dreamvideo.UserError, match="dream_zoom makes its own frames"):
        dreamvideo.process_frames([], ZOOM)
    assert issubclass(dreamvideo.OutputExistsError, dreamvideo.UserError)


def test_dream_image_is_what_the_dream_command_makes(tmp_path):
    photo = write_rgb(tmp_path / "in.png", textured_image((56, 40), seed=4))
    assert main(["dream", str(photo), "-o", str(tmp_path / "cli.png"), "--set", "dream.steps=2",
                 "--set", "dream.objective=[{layer: block2_conv1}]", "--set", "seed=3", "--strength", "0.5"]) == 0
    from_cli = cv2.cvtColor(cv2.imread(str(tmp_path / "cli.png")), cv2.COLOR_BGR2RGB)

    dreamt = dreamvideo.dream_image(photo, steps=2, objective=[{"layer": "block2_conv1"}], overrides={"seed": 3},
                                    strength=0.5)
    assert dreamt.dtype == np.uint8 and dreamt.shape == (40, 56, 3)
    np.testing.assert_array_equal(dreamt, from_cli)
    array_in = dreamvideo.dream_image(textured_image((56, 40), seed=4).astype(np.float32), strength=0.5,
                                      steps=2, objective=[{"layer": "block2_conv1"}], overrides={"seed": 3})
    np.testing.assert_array_equal(array_in, from_cli)  # an array (float here) dreams like its file
    assert np.abs(dreamt.astype(int) - textured_image((56, 40), seed=4)).mean() > 1


def test_stylize_image_with_arrays_and_files(tmp_path):
    content = textured_image((40, 32), seed=1)
    style_a = textured_image((48, 48), seed=2)[:, :, ::-1].copy()
    style_b = np.tile(np.linspace(0, 255, 48, dtype=np.uint8)[None, :, None], (48, 1, 3))
    settings = {"iterations": {"first": 8}, "scale": 0.1}
    styled = dreamvideo.stylize_image(content, [style_a, style_b], **settings)
    assert styled.shape == (32, 40, 3) and styled.dtype == np.uint8
    assert np.abs(styled.astype(int) - content).mean() > 1
    files = [write_rgb(tmp_path / "a.png", style_a), write_rgb(tmp_path / "b.png", style_b)]
    np.testing.assert_array_equal(dreamvideo.stylize_image(content, files, **settings), styled)
    with pytest.raises(dreamvideo.UserError, match="at least one style image"):
        dreamvideo.stylize_image(content)


def test_render_reports_the_json_records_and_returns_the_path(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    records = []
    path = dreamvideo.render(ZOOM, progress=records.append)
    assert path == tmp_path / "zoom.mp4" and path.is_file()
    assert not (tmp_path / "zoom.mp4.work").exists()
    with pytest.raises(dreamvideo.OutputExistsError, match="exists; pass --overwrite"):
        dreamvideo.render(ZOOM)

    (tmp_path / "p.yaml").write_text(json.dumps({**ZOOM, "output": {**ZOOM["output"], "path": "cli.mp4"}}))
    assert main(["render", "p.yaml", "--progress", "json"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    shape = [(r["stage"], sorted(r)) for r in records]
    assert shape == [(r["stage"], sorted(r)) for r in printed]  # the same records, as dicts
    assert [r["frame"] for r in records if r["stage"] == "render"] == [0, 1, 2, 3]
    assert records[-1]["stage"] == "done" and records[-1]["output"] == str(path)

    again = dreamvideo.render(ZOOM, overrides={"output.frames": 2}, overwrite=True)
    assert again == path
    assert dreamvideo.render(ZOOM, preview=True) == tmp_path / "zoom.preview.mp4"


def test_dream_frames_equals_a_render_of_the_same_frames(tmp_path):
    clip = translating_clip((48, 32), 4, shift=(2, 1), seed=3)
    streamed = dreamvideo.dream_frames(iter(clip.frames), overrides={"seed": 5}, **DREAM)
    outputs = list(streamed)
    assert len(outputs) == 4 and all(o.shape == (32, 48, 3) and o.dtype == np.uint8 for o in outputs)

    folder = tmp_path / "frames"
    folder.mkdir()
    for index, frame in enumerate(clip.frames):
        write_rgb(folder / f"f{index:03d}.png", frame)
    preset = {"effect": "dream", "source": {"sequence": str(folder)}, "seed": 5, "dream": DREAM,
              "output": {"path": str(tmp_path / "out"), "codec": "png"}}
    dreamvideo.render(preset)
    rendered = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in sorted((tmp_path / "out").glob("*.png"))]
    assert len(rendered) == 4
    for mine, theirs in zip(outputs, rendered):
        np.testing.assert_array_equal(mine, theirs)


def test_stylize_frames_brings_its_own_frames(tmp_path):
    clip = translating_clip((40, 32), 3, shift=(1, 0), seed=2)
    style = write_rgb(tmp_path / "s.png", textured_image((48, 48), seed=7))
    frames = dreamvideo.stylize_frames(clip.frames, style, scale=0.1, iterations={"first": 8, "next": 4})
    first = next(frames)  # a generator: the first frame comes before the others are made
    rest = list(frames)
    assert len(rest) == 2 and first.shape == (32, 40, 3)
    assert np.abs(first.astype(int) - clip.frames[0]).mean() > 1
    with pytest.raises(dreamvideo.InputError, match="frame 1"):
        list(dreamvideo.stylize_frames([clip.frames[0], clip.frames[1][:, :20]], style, iterations={"first": 2}))


def test_the_example_in_docs_api_runs(tmp_path, monkeypatch, capsys):
    root = Path(__file__).resolve().parent.parent
    text = (root / "docs" / "api.md").read_text()
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(example.replace('"presets/quickstart.yaml"', repr(str(root / "presets" / "quickstart.yaml"))),
                 "docs/api.md", "exec"), {})
    out = capsys.readouterr().out
    assert "dreamt (128, 128, 3) uint8" in out and "frame 3/3" in out and "frame 2 (128, 128, 3)" in out
    assert "error: output.fps" in out and (tmp_path / "api_demo.mp4").is_file()
