"""Preset validation: each error class names the key path and what is allowed."""

import json
from pathlib import Path

import pytest
import yaml

from dreamvideo.config import load_preset, parse_preset, value_at
from dreamvideo.errors import UserError
from fresh_python import modules_loaded


def error_of(raw: dict) -> str:
    with pytest.raises(UserError) as info:
        parse_preset(raw)
    return str(info.value)


def test_defaults_are_valid():
    preset = parse_preset({})
    assert preset.effect == "dream_zoom" and preset.model.backbone == "vgg16-hed"


@pytest.mark.parametrize("raw, expected", [
    ({"output": {"fps": -3}}, "output.fps: must be > 0"),
    ({"output": {"fps": -3}}, "got -3"),
    ({"output": {"fsp": 3}}, "output.fsp: unknown key; allowed: path, fps"),
    ({"colour": 1}, "colour: unknown key; allowed: effect, source"),
    ({"effect": "dreamz"}, "effect: must be one of 'dream_zoom', 'dream' or 'style', got 'dreamz'"),
    ({"output": {"frames": 2.5}}, "output.frames: input should be a valid integer"),
    ({"output": {"crf": 99}}, "output.crf: must be <= 51, got 99"),
    ({"output": {"size": [10, 100]}}, "output.size[0]: must be >= 16, got 10"),
    ({"output": {"codec": "divx"}}, "output.codec: must be one of 'h264', 'prores', 'hap', 'vp9', 'png' or 'exr'"),
    ({"source": {"image": "a.png", "noise": {"seed": 1}}}, "source: give exactly one of image, noise"),
    ({"zoom": {"scale": "fast"}}, "zoom.scale: input should be a valid number"),
    ({"zoom": {"scale": [{"frame": 0, "value": 1}, {"frame": 0, "value": 2}]}},
     "zoom.scale: keyframes must have distinct frames"),
    ({"zoom": {"rotate": [{"frame": -1, "value": 1}]}}, "zoom.rotate[0].frame: must be >= 0"),
    ({"dream": {"objective": [{"layer": "x", "chanel": 3}]}}, "dream.objective[0].chanel: unknown key"),
    ({"dream": {"objective": [{"channel": 3}]}}, "dream.objective[0]: needs a layer"),
    ({"style": {"images": [{"path": "a.png", "weight": -1}]}}, "style.images[0].weight: must be > 0"),
    ({"style": {"flow_edges": "bilateral"}}, "style.flow_edges: must be one of 'median' or 'off'"),
    ({"style": {"flow_preset": "best"}}, "style.flow_preset: must be one of 'fine', 'medium'"),
])
def test_errors_name_key_path_and_allowed_values(raw, expected):
    assert expected in error_of(raw)


def test_error_is_one_line():
    assert "\n" not in error_of({"output": {"fps": -3, "crf": 99}, "zoom": {"scale": "x"}})


def test_relative_paths_resolve_against_preset_folder(tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    (folder / "p.yaml").write_text("source: {image: pics/a.png}\noutput: {path: ../out/a.mp4}\n")
    preset = load_preset(folder / "p.yaml")
    assert preset.source.image == folder / "pics" / "a.png"
    assert preset.output.path.resolve() == (tmp_path / "out" / "a.mp4").resolve()


def test_overrides_are_validated_like_the_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("output: {frames: 10}\n")
    assert load_preset(path, ["output.frames=48", "zoom.scale=1.1"]).output.frames == 48
    with pytest.raises(UserError, match="output.frames: must be >= 1, got 0"):
        load_preset(path, ["output.frames=0"])
    with pytest.raises(UserError, match="expected KEY.PATH=VALUE"):
        load_preset(path, ["output.frames"])


def test_setting_another_source_kind_says_how_to_replace_the_source(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("source: {noise: {seed: 3}}\n")
    with pytest.raises(UserError) as info:
        load_preset(path, ["source.image=x.png"])
    assert str(info.value) == ("--set source.image: the preset's source is noise; replace the whole "
                               "source instead: --set 'source={image: x.png}'")
    with pytest.raises(UserError, match=r"--set 'source=\{blender: \{file: a.blend\}\}'"):
        load_preset(path, ["source.blender.file=a.blend"])
    replaced = load_preset(path, ["source={image: x.png}"])  # the suggested override works
    assert replaced.source.kind == "image" and replaced.source.image == tmp_path / "x.png"
    assert load_preset(path, ["source.noise.seed=5"]).source.noise.seed == 5  # same kind: fine


def test_unreadable_presets(tmp_path):
    with pytest.raises(UserError, match="preset not found"):
        load_preset(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("output: [unclosed\n")
    with pytest.raises(UserError, match="not valid YAML"):
        load_preset(bad)
    bad.write_text("- a list\n")
    with pytest.raises(UserError, match="a preset is a mapping"):
        load_preset(bad)


def test_json_preset_reads_like_yaml(tmp_path):
    """A ``.json`` preset (what the Blender add-on writes) is the same preset as its YAML twin:
    relative paths against its folder, overrides and validation alike."""
    folder = tmp_path / "presets"
    folder.mkdir()
    data = {"effect": "style", "source": {"image": "pics/a.png"},
            "output": {"path": "../out/a.mp4", "frames": 4, "fps": 12.5},
            "style": {"style_weight": [{"frame": 0, "value": 1e-05}, {"frame": 3, "value": 2.0}]}}
    (folder / "p.json").write_text(json.dumps(data))
    (folder / "p.yaml").write_text(yaml.safe_dump(data))
    preset = load_preset(folder / "p.json", ["output.frames=6"])
    assert preset == load_preset(folder / "p.yaml", ["output.frames=6"])
    assert preset.source.image == folder / "pics" / "a.png" and preset.output.frames == 6
    assert preset.style.style_weight[0].value == 1e-05
    data["output"]["fps"] = -3
    (folder / "p.json").write_text(json.dumps(data))
    with pytest.raises(UserError, match=r"^output.fps: must be > 0"):
        load_preset(folder / "p.json")


def test_broken_json_preset_is_one_line_naming_the_file(tmp_path):
    bad = tmp_path / "job.json"
    bad.write_text('{"effect": "style",\n "output": {"frames": 3,}}\n')
    with pytest.raises(UserError) as info:
        load_preset(bad)
    assert str(info.value).startswith(f"{bad}: not valid JSON: ") and "line 2" in str(info.value)
    assert "\n" not in str(info.value)
    bad.write_text("effect: style\n")  # YAML in a .json file is not JSON
    with pytest.raises(UserError, match="not valid JSON"):
        load_preset(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(UserError, match="a preset is a mapping"):
        load_preset(bad)


def test_keyframes_interpolate_linear_ease_and_hold():
    keys = parse_preset({"zoom": {"scale": [
        {"frame": 10, "value": 2.0, "ease": "hold"}, {"frame": 0, "value": 1.0, "ease": "ease"},
        {"frame": 20, "value": 3.0}]}}).zoom.scale
    assert [k.frame for k in keys] == [0, 10, 20]  # sorted
    assert value_at(keys, -5) == 1.0 and value_at(keys, 0) == 1.0
    assert value_at(keys, 5) == pytest.approx(1.5)          # smoothstep midpoint
    assert value_at(keys, 2) < 1.0 + 0.2                    # ease-in starts slow
    assert value_at(keys, 15) == 2.0                        # hold
    assert value_at(keys, 30) == 3.0
    assert value_at(1.25, 7) == 1.25


def test_shipped_presets_are_valid():
    for path in sorted(Path(__file__).parents[1].glob("presets/*.yaml")):
        load_preset(path)


def test_loading_a_preset_imports_no_runtime_code():
    """The configuration is data: reading every shipped preset loads neither TensorFlow nor
    OpenCV nor the motion, Blender or audio-analysis modules (a fresh interpreter)."""
    code = ("import glob\nfrom dreamvideo.config import load_preset\n"
            "for p in sorted(glob.glob('presets/*.yaml')): load_preset(p)")
    heavy = ("tensorflow", "keras", "cv2", "OpenEXR", "dreamvideo.motion.flow", "dreamvideo.blender.source",
             "dreamvideo.engine.job", "librosa", "scipy.signal", "dreamvideo.audio.drive")
    assert modules_loaded(code, heavy) == []
