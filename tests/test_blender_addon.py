"""The Blender add-on: built zip, install and register in real Blender, job baking, and full runs
with the real engine as a subprocess (render -> engine -> Sequencer, and cancellation).

Blender parts run tests/bpy_addon_probe.py in the bpy interpreter, with the built zip installed as
an extension into a private BLENDER_USER_RESOURCES folder.
"""

import ast
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from bpy_env import ROOT, run_bpy, skip_without_bpy
from dreamvideo.config import StyleImage, load_preset, parse_preset, value_at
from dreamvideo.videoio.exr import write_exr

ADDON = ROOT / "blender_addon"


@pytest.fixture(scope="session")
def addon_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, str(ADDON / "build.py"), "--out", str(out)],
                          capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def _probe(addon_zip, tmp_path, mode, timeout=300, **options):
    resources = tmp_path / "blender_user"
    resources.mkdir(exist_ok=True)
    out = tmp_path / f"probe_{mode}.json"
    args = [f"--{key}={value}" for key, value in options.items()]
    proc = run_bpy(ROOT / "tests" / "bpy_addon_probe.py", addon_zip, out, mode, *args,
                   env={"BLENDER_USER_RESOURCES": str(resources)}, timeout=timeout)
    result = json.loads(out.read_text())
    result["log"] = proc.stdout + proc.stderr
    return result


def _psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


# ----- no Blender needed --------------------------------------------------------------------------

def test_zip_is_an_extension_and_a_legacy_addon(addon_zip):
    with zipfile.ZipFile(addon_zip) as archive:
        names = set(archive.namelist())
        manifest = archive.read("dreamvideo_blender/blender_manifest.toml").decode()
    assert {"dreamvideo_blender/__init__.py", "dreamvideo_blender/render_op.py"} <= names
    assert not any("__pycache__" in n or n.endswith("build.py") for n in names)
    version = re.search(r'^version = "(.+)"', manifest, re.MULTILINE).group(1)
    assert re.search(r'^blender_version_min = "4\.2\.0"', manifest, re.MULTILINE)
    tree = ast.parse((ADDON / "__init__.py").read_text())
    bl_info = next(ast.literal_eval(node.value) for node in tree.body
                   if isinstance(node, ast.Assign) and node.targets[0].id == "bl_info")
    assert ".".join(map(str, bl_info["version"])) == version
    assert addon_zip.endswith(f"dreamvideo-{version}.zip")
    # The engine Install Engine installs: a wheel of this repository, of the add-on's version.
    wheels = [n for n in names if n.startswith("dreamvideo_blender/engine/")]
    assert [n.rsplit("/", 1)[1].split("-")[:2] for n in wheels] == [["dreamvideo", version]]
    with zipfile.ZipFile(addon_zip) as archive, \
            zipfile.ZipFile(io.BytesIO(archive.read(wheels[0]))) as wheel:
        packaged = set(wheel.namelist())
    assert {"dreamvideo/__init__.py", "dreamvideo/cli/__init__.py", "dreamvideo/motion/flow.py",
            "dreamvideo/blender/source.py"} <= packaged
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "dreamvideo").rglob("*.py")}
    assert sources <= packaged  # every module, and nothing stale from an old build/ folder
    assert {n for n in packaged if n.startswith("dreamvideo/") and n.endswith(".py")} == sources


def _addon_imports() -> dict[str, set[str]]:
    """Each add-on module -> the add-on modules it imports (anywhere in it, lazily too)."""
    modules = {path.stem for path in ADDON.glob("*.py")}
    graph = {}
    for name in modules:
        found = set()
        for node in ast.walk(ast.parse((ADDON / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {node.module} if node.module else {alias.name for alias in node.names}
        graph[name] = found & modules
    return graph


def test_addon_imports_have_no_cycle():
    graph = _addon_imports()
    assert "preferences" in graph["__init__"] and "install_op" in graph["preferences"]

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, (*seen, n))) for n in graph[start])

    assert [name for name in sorted(graph) if reaches(name, name)] == []


# ----- in Blender ---------------------------------------------------------------------------------

@pytest.mark.blender
@skip_without_bpy
class TestInBlender:
    def test_registers_with_panel_and_preferences(self, addon_zip, tmp_path):
        info = _probe(addon_zip, tmp_path, "register", engine=sys.executable)
        assert info["panel"] and info["panel_context"] == "output"
        drawn = info["drawn"]  # the panel drawn headless; every property and operator exists
        assert {"style_weight", "dreamvideo.style_image_add", "dreamvideo.render"} <= set(drawn["STYLE"])
        assert {"dream_strength", "zoom_speed", "mask_indices"} <= set(drawn["DREAM_ZOOM"])
        assert "zoom_speed" not in drawn["DREAM"]
        assert {"sound_file", "sound_follow", "sound_strength_peak", "sound_zoom_peak", "sound_in_video"} <= set(drawn["DREAM_ZOOM"])
        assert "sound_zoom_peak" not in drawn["DREAM"] and "sound_file" not in drawn["STYLE"]
        assert drawn["prefs"] == ["engine_python", "dreamvideo.check_engine",
                                  "dreamvideo.install_engine", "dreamvideo.open_install_log",
                                  "install_python", "engine_folder", "cache_dir"]
        assert drawn["prefs_installing"][:4] == ["engine_python", "dreamvideo.check_engine",
                                                 "dreamvideo.install_cancel",
                                                 "dreamvideo.open_install_log"]
        assert drawn["install_poll"] is False  # one install at a time
        assert set(info["operators"]) == {"render", "check_engine", "style_image_add",
                                          "install_engine", "install_cancel", "open_install_log",
                                          "train_network", "train_cancel"}
        # Train Style Network: its settings and button; while training, progress and Cancel.
        assert {"train_steps", "train_size", "dreamvideo.train_network"} <= set(drawn["STYLE"])
        training = drawn["STYLE_training"]
        assert "dreamvideo.train_cancel" in training and "dreamvideo.train_network" not in training
        assert drawn["train_poll"] is False  # one training at a time
        assert info["prefs"]["cache_dir"] == "//dreamvideo_cache"
        assert {"effect", "preset_path", "style_images", "style_weight", "dream_strength",
                "zoom_speed", "mask_indices", "output_format"} <= set(info["scene_props"])
        assert all(info["animatable"].values())
        assert info["check"][0] and info["check"][1].startswith("dreamvideo ")
        assert ", TensorFlow 2." in info["check"][1] and ", CPU (" in info["check"][1]
        assert "Info: dreamvideo " in info["log"]  # the Check operator's report
        assert info["after_disable"] == {"panel": False, "scene_prop": False}

    def test_keyframed_properties_arrive_as_per_frame_values(self, addon_zip, tmp_path):
        exr_frames = tmp_path / "exr_result"
        for index in range(3):
            write_exr(exr_frames / f"{index:06d}.exr", np.full((6, 8, 3), 0.25 * index, np.float32))
        info = _probe(addon_zip, tmp_path, "job", work=exr_frames)
        job = info["job"]
        keys = job["style"]["style_weight"]
        assert [k["frame"] for k in keys] == list(range(6))  # a key at every output frame
        assert [k["value"] for k in keys] == pytest.approx([100, 200, 300, 400, 500, 600])
        assert job["source"]["blender"]["mask"] == {"object_indices": [1, 2], "feather_px": 2.0}
        assert job["output"] == {"path": "/out/x.mp4", "fps": 24.0, "frames": 6, "size": [96, 54],
                                 "codec": "h264"}
        # The JSON file the add-on writes is what the engine reads.
        job_file = tmp_path / "job.json"
        job_file.write_text(info["job_text"], encoding="utf-8")
        assert json.loads(info["job_text"]) == job
        preset = load_preset(job_file)
        assert preset == parse_preset(job)
        assert preset.effect == "style"
        assert [value_at(preset.style.style_weight, i) for i in range(6)] == \
            pytest.approx([100, 200, 300, 400, 500, 600])
        assert preset.style.images == [StyleImage(path="/tmp/style.png", weight=1.0),
                                       StyleImage(path="/tmp/other style.jpg", weight=0.25)]
        assert preset.source.blender.flow == "vector" and preset.source.blender.ocio_config == "/ocio"
        assert preset.source.blender.mask.object_indices == [1, 2]
        # A driver (dream_strength = frame / 10) is baked by frame_set, and the frame restored.
        assert json.loads(info["dream_text"]) == info["dream_job"]
        dream = parse_preset(json.loads(info["dream_text"]))
        assert dream.effect == "dream" and dream.dream.steps == 7
        assert [value_at(dream.dream.step_size, i) for i in range(6)] == \
            pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        assert set(info["dream_job"]) == {"effect", "source", "output", "dream"}
        assert dream.source.blender.flow == "vector" and dream.source.blender.mask is not None
        assert (dream.output.codec, str(dream.output.path)) == ("exr", "/out/dreamvideo")
        assert info["exr_strips"] == [{"type": "IMAGE", "length": 3, "files": 3}]
        assert info["frame_after"] == 1
        # A sound file drives Dream Strength and Zoom Speed: driven values the engine reads.
        sound = info["sound_job"]
        follow = {"audio": "/music/track.wav", "band": "high", "release": 0.1, "offset": 0.08333333}  # 2 frames at 24 fps
        assert sound["dream"]["step_size"] == {**follow, "min": 1.0, "max": 2.5}
        assert sound["zoom"]["scale"] == {**follow, "min": 1.01, "max": 1.04}
        assert sound["output"]["audio"] == {"path": "/music/track.wav", "offset": 0.08333333}
        assert json.loads(info["sound_text"]) == sound
        driven = parse_preset(sound)
        assert (driven.zoom.scale.band, driven.zoom.scale.max, driven.output.audio.offset) == ("high", 1.04, 0.08333333)
        assert info["sound_error"] == "Peak Zoom Speed (0) is below the value in silence (0.01); raise it"

    def test_job_overrides_apply_on_top_of_a_preset(self, addon_zip, tmp_path):
        info = _probe(addon_zip, tmp_path, "job")
        preset_file = tmp_path / "base.yaml"
        preset_file.write_text("effect: dream_zoom\nstyle: {content_weight: 3.0}\nseed: 5\n")
        preset = load_preset(preset_file, info["overrides"])
        assert preset.effect == "style" and preset.seed == 5 and preset.style.content_weight == 3.0
        assert value_at(preset.style.style_weight, 5) == pytest.approx(600)
        assert preset.source.blender.frames == "/cache/exr"
        assert preset.source.blender.mask.object_indices == [1, 2]

    def test_render_operator_end_to_end(self, addon_zip, tmp_path):
        """Zero dream strength and full source blend: the engine's frames are Blender's own
        display of the rendered frame (AgX), so the colour path is exact end to end."""
        preset = tmp_path / "zero.yaml"
        preset.write_text("effect: dream_zoom\ndream: {steps: 0, first_frame_steps: 0}\n"
                          "zoom: {source_blend: 1.0}\n")
        work = tmp_path / "work"
        info = _probe(addon_zip, tmp_path, "run", engine=sys.executable, work=work, preset=preset)
        assert info["result"] == ["FINISHED"], info["log"][-2000:]
        assert "motion blur is off" in info["log"] and info["motion_blur_restored"]
        assert info["file_format_restored"] == "PNG"  # the scene's own output settings are back
        fractions = [step["fraction"] for step in info["steps"]]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
        assert any(s["status"].startswith("dreamvideo: done 6/6 (100%)") for s in info["steps"])
        frames = sorted((work / "out" / "result").glob("*.png"))
        assert len(frames) == info["frames_in_scene"] == 6
        blender = cv2.imread(info["display_png"])
        for frame in frames:
            assert _psnr(cv2.imread(str(frame)), blender) >= 40
        assert info["strips"] == [{"name": "result", "type": "IMAGE", "frame_start": 1.0, "length": 6}]
        job = json.loads((tmp_path / "work" / "cache" / "Scene" / "job.json").read_text())
        assert job["source"]["blender"]["view_transform"] == "AgX"
        # The live preview holds the last finished frame; the work folder is gone afterwards.
        preview = info["preview"]
        assert preview["frame"] == 6 and preview["size"] == [96, 54]
        np.testing.assert_array_equal(np.load(preview["path"]), cv2.imread(str(frames[-1]))[..., ::-1])
        assert any(" | preview: frame " in s["status"] for s in info["steps"])
        assert not list((work / "out").glob("*.work"))

    def test_cancel_stops_the_engine_after_the_current_frame(self, addon_zip, tmp_path):
        info = _probe(addon_zip, tmp_path, "cancel", engine=sys.executable, work=tmp_path / "work")
        assert info["state"] == "cancelled" and info["returncode"] == 130
        assert info["running"] is False and info["cancelled_at"] <= info["last_frame"] < info["total"]
        assert "run again to resume" in info["message"]

    def test_dream_keyframed_from_zero_is_blenders_render_there(self, addon_zip, tmp_path):
        """Dream Strength keyframed 0 (frames 1-3) -> 1.5 (frame 6): the add-on's output is
        Blender's own render on the 0 frames, and the dream grows after them."""
        info = _probe(addon_zip, tmp_path, "fade", engine=sys.executable, work=tmp_path / "work")
        assert info["result"] == ["FINISHED"], info["log"][-2000:]
        frames = [cv2.imread(str(p)) for p in sorted(Path(info["output"]).glob("*.png"))]
        display = [cv2.imread(p) for p in info["display"]]
        assert len(frames) == len(display) == 6
        psnr = [_psnr(ours, theirs) for ours, theirs in zip(frames, display)]
        print("add-on dream 0 -> 1.5, PSNR per frame:", [round(v, 1) for v in psnr])
        assert min(psnr[:3]) >= 40, psnr
        assert psnr[3] > psnr[4] > psnr[5] and psnr[5] < 35, psnr  # fades in
        assert info["preview"]["frame"] == 6
        np.testing.assert_array_equal(np.load(info["preview"]["path"]), frames[-1][..., ::-1])
        previewed = [s.rsplit(" ", 1)[1] for s in info["statuses"] if " | preview: frame " in s]
        assert previewed and previewed == sorted(previewed, key=int)

    @pytest.mark.timeout(1800)
    def test_train_style_network_cancel_resume_and_use(self, addon_zip, tmp_path):
        """Train Style Network on the cached passes in the engine's process: cancelled at step
        2 (a checkpoint stays), pressed again it continues from there to the last step, sets the
        panel's Style Network, and Render with dreamvideo then uses that network."""
        style = tmp_path / "style.png"
        stripes = np.zeros((64, 64, 3), np.uint8)
        stripes[:, ::8] = (230, 40, 20)
        cv2.imwrite(str(style), stripes)
        info = _probe(addon_zip, tmp_path, "train", timeout=1700, engine=sys.executable,
                      work=tmp_path / "work", style=style)
        first = info["first"]
        assert first["state"] == "cancelled" and first["returncode"] == 130, info["log"][-2000:]
        assert first["rendered"] == 4 and first["checkpoint"] and first["network_after_cancel"] == ""
        assert "training stopped at step" in first["message"] and "again to continue" in first["message"]
        assert any(s.startswith("dreamvideo: rendering passes") for s in first["statuses"])
        assert any(s.startswith("dreamvideo: training step ") for s in first["statuses"])
        assert info["result"] == ["FINISHED"], info["log"][-2000:]
        counts = info["counts"]  # the second run starts where the first stopped
        assert counts and counts[0] >= first["cancelled_at"] and counts[-1] == first["train_steps"]
        assert info["network_exists"] and not info["checkpoint_left"]
        assert Path(info["network"]).name == "style_network.keras"
        train_job = json.loads(Path(info["train_file"]).read_text())
        assert train_job["source"]["blender"]["flow"] == "vector"  # trained along the Vector pass
        assert "network" not in train_job["style"]
        assert info["render"] == ["FINISHED"], info["log"][-2000:]
        job = json.loads(Path(info["job_file"]).read_text())
        assert job["style"]["method"] == "network" and job["style"]["network"] == info["network"]
        frames = sorted(Path(info["output"]).glob("*.png"))
        assert len(frames) == 4 and cv2.imread(str(frames[0])).shape == (54, 96, 3)

    @pytest.mark.parametrize("case", ["unwritable", "wrong_python"])
    def test_failed_install_reports_one_line(self, addon_zip, tmp_path, case):
        """Install Engine into a folder nobody can write (not even root), or with a Python the
        engine cannot use: one line naming the cause, with the log's path."""
        if case == "unwritable":
            options, cause = {"folder": "/proc/dreamvideo_engine"}, \
                "cannot write to /proc/dreamvideo_engine"
        else:
            old = tmp_path / "python3.9"
            old.write_text("#!/bin/sh\necho 3 9 18\n")
            old.chmod(0o755)
            options, cause = {"python": old}, f"{old} is Python 3.9.18; the engine needs Python 3.10-3.12"
        info = _probe(addon_zip, tmp_path, "install", **options)
        assert info["result"] == ["CANCELLED"] and info["engine_python"] == ""
        error = info["error"].strip().splitlines()
        assert len(error) == 1, info["error"]
        assert f"Install Engine failed: {cause}" in error[0]
        assert error[0].endswith(f"(log: {info['install_log']})")
        assert Path(info["install_log"]).parent == Path(info["user_folder"])
        assert str(tmp_path / "blender_user") in info["user_folder"]  # the add-on's user folder
        assert cause in Path(info["install_log"]).read_text()


@pytest.mark.slow
@pytest.mark.timeout(2700)
@pytest.mark.blender
@skip_without_bpy
def test_install_engine_makes_a_working_engine(addon_zip, tmp_path):
    """Install Engine from the built zip into a fresh user folder (a venv with the zip's wheel and
    TensorFlow from the package index: minutes), then Check and a tiny render with it."""
    info = _probe(addon_zip, tmp_path, "install", timeout=2400)
    assert info["result"] == ["FINISHED"], (info["error"], Path(info["install_log"]).read_text()[-3000:])
    engine = Path(info["engine_python"])
    assert engine.is_file() and Path(info["user_folder"]) in engine.parents
    assert str(tmp_path / "blender_user") in info["user_folder"]
    assert "/extensions/" in info["user_folder"] and "dreamvideo_blender" not in str(engine)
    ok, message = info["check"]
    assert ok and re.match(r"dreamvideo 0\.1\.0, TensorFlow 2\.\d+\.\d+, (CPU|GPU)", message), message
    assert "Info: engine installed: dreamvideo 0.1.0, TensorFlow 2." in info["log"]
    preset = tmp_path / "tiny.yaml"
    preset.write_text("effect: dream_zoom\nsource: {noise: {seed: 1}}\noutput: {path: out.mp4, size: [32, 32], frames: 2}\n"
                      "dream: {steps: 1, objective: [{layer: block1_conv1}]}\n")
    proc = subprocess.run([str(engine), "-m", "dreamvideo", "render", str(preset)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "out.mp4").stat().st_size > 0
