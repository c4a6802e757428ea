"""The frame engine through the real CLI: resume after kill -9 and Ctrl-C, no overwrite, progress."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from dreamvideo.cli import main
from dreamvideo.videoio import probe_video

PRESET = """\
effect: dream_zoom
source: {noise: {seed: 5}}
output: {path: OUT, fps: 12, frames: FRAMES, size: [48, 32]}
dream: {steps: 2, objective: [{layer: block3_conv1}], jitter: 4}
zoom: {scale: 1.05, rotate: 2}
seed: 11
"""


def write_preset(folder: Path, output: str, frames: int = 8) -> Path:
    path = folder / "p.yaml"
    path.write_text(PRESET.replace("OUT", output).replace("FRAMES", str(frames)))
    return path


def start_render(preset: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dreamvideo", "render", str(preset), "--progress", "json",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


def read_pngs(folder: Path) -> list[np.ndarray]:
    return [cv2.imread(str(p)) for p in sorted(folder.glob("*.png"))]


def stop_after(proc: subprocess.Popen, frames: int, sig: int) -> None:
    for line in proc.stdout:
        record = json.loads(line)
        if record["stage"] == "render" and record["frame"] >= frames:
            proc.send_signal(sig)
            break


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> list[np.ndarray]:
    folder = tmp_path_factory.mktemp("reference")
    assert main(["render", str(write_preset(folder, "frames")), "--quiet"]) == 0
    frames = read_pngs(folder / "frames")
    assert len(frames) == 8
    return frames


def test_resume_after_kill_9_gives_identical_frames(tmp_path, reference):
    preset = write_preset(tmp_path, "frames")
    proc = start_render(preset)
    stop_after(proc, 3, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "frames").exists()  # nothing under the final name
    done = sorted((tmp_path / "frames.work" / "frames").glob("*.png"))
    assert 3 <= len(done) < 8

    resumed = start_render(preset)
    records = [json.loads(line) for line in resumed.stdout]
    assert resumed.wait(timeout=120) == 0, resumed.stderr.read()
    first = next(r for r in records if r["stage"] == "render")
    assert first["frame"] == len(done)  # continued, did not redo finished frames
    frames = read_pngs(tmp_path / "frames")
    assert len(frames) == 8
    for mine, theirs in zip(frames, reference):
        np.testing.assert_array_equal(mine, theirs)
    assert not (tmp_path / "frames.work").exists()


def test_ctrl_c_stops_cleanly_and_resumes(tmp_path, reference):
    preset = write_preset(tmp_path, "frames")
    proc = start_render(preset)
    stop_after(proc, 2, signal.SIGINT)
    proc.stdout.read()
    assert proc.wait(timeout=60) == 130
    assert "run the same command again to resume" in proc.stderr.read()
    assert main(["render", str(preset), "--quiet"]) == 0
    for mine, theirs in zip(read_pngs(tmp_path / "frames"), reference, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_json_progress_lines(tmp_path):
    """Each finished frame's record names its file and clip frame; with ``--keep-work`` the last
    record names the kept work folder, and the named files are the frames of the output."""
    proc = start_render(write_preset(tmp_path, "clip.mp4", frames=3), "--keep-work")
    records = [json.loads(line) for line in proc.stdout]
    assert proc.wait(timeout=120) == 0
    renders = [r for r in records if r["stage"] == "render"]
    assert [r["frame"] for r in renders] == [0, 1, 2, 3]
    for record in renders:
        assert set(record) >= {"frame", "total", "elapsed_s", "eta_s", "output"}
        assert record["total"] == 3 and record["output"].endswith("clip.mp4")
    assert renders[-1]["eta_s"] == 0
    assert [r["clip_frame"] for r in renders[1:]] == [0, 1, 2] and "file" not in renders[0]
    files = [Path(r["file"]) for r in renders[1:]]
    assert len(set(files)) == 3 and all(file.is_file() for file in files)
    done = records[-1]
    assert done["stage"] == "done" and all(Path(done["work"]) in file.parents for file in files)


def test_cli_end_to_end_mp4_and_no_overwrite(tmp_path, capsys):
    preset = write_preset(tmp_path, "clip.mp4", frames=4)
    assert main(["render", str(preset), "--quiet"]) == 0
    info = probe_video(tmp_path / "clip.mp4")
    assert (info.frame_count, info.size, info.codec, info.fps) == (4, (48, 32), "h264", 12)
    before = (tmp_path / "clip.mp4").stat().st_mtime_ns

    assert main(["render", str(preset), "--quiet"]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert (tmp_path / "clip.mp4").stat().st_mtime_ns == before

    assert main(["render", str(preset), "--quiet", "--overwrite", "--set", "output.frames=2"]) == 0
    assert probe_video(tmp_path / "clip.mp4").frame_count == 2


def test_bad_preset_is_one_line_exit_2_without_traceback(tmp_path):
    preset = tmp_path / "bad.yaml"
    preset.write_text("output: {fps: -3}\n")
    result = subprocess.run([sys.executable, "-m", "dreamvideo", "render", str(preset)], capture_output=True,
                            text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 2
    assert result.stderr.strip() == "dreamvideo: error: output.fps: must be > 0.0, got -3"
    assert not (tmp_path / "out.mp4").exists()


def test_broken_json_preset_is_one_line_exit_2(tmp_path, capsys):
    preset = tmp_path / "job.json"
    preset.write_text('{"effect": "style", "output": {"frames": 2,}}')
    assert main(["render", str(preset), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == f"dreamvideo: error: {preset}: not valid JSON: Expecting property name enclosed in " \
                  "double quotes: line 1 column 44 (char 43)\n"


def test_changed_settings_do_not_mix_with_old_frames(tmp_path, capsys):
    preset = write_preset(tmp_path, "frames", frames=2)
    work = tmp_path / "frames.work"
    (work / "frames").mkdir(parents=True)
    (work / "settings.json").write_text(json.dumps({"something": "else"}))
    cv2.imwrite(str(work / "frames" / "000000.png"), np.zeros((32, 48, 3), np.uint8))
    assert main(["render", str(preset), "--quiet"]) == 2
    assert "rendered with other settings" in capsys.readouterr().err
    assert main(["render", str(preset), "--quiet", "--overwrite"]) == 0
    assert len(read_pngs(tmp_path / "frames")) == 2


def test_missing_source_image_is_a_clear_error(tmp_path, capsys):
    preset = tmp_path / "p.yaml"
    preset.write_text("source: {image: nowhere.png}\noutput: {path: o.mp4, frames: 2, size: [32, 32]}\n")
    assert main(["render", str(preset), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "nowhere.png" in err and len(err.strip().splitlines()) == 1


def test_changed_input_file_is_not_mixed_with_old_frames(tmp_path, capsys):
    picture = tmp_path / "in.png"
    cv2.imwrite(str(picture), np.full((32, 48, 3), 90, np.uint8))
    preset = tmp_path / "p.yaml"
    preset.write_text("source: {image: in.png}\noutput: {path: frames, frames: 2, size: [48, 32]}\n"
                      "dream: {steps: 1, objective: [{layer: block2_conv1}]}\n")
    assert main(["render", str(preset), "--quiet", "--keep-work"]) == 0
    for png in (tmp_path / "frames").glob("*.png"):
        png.unlink()
    (tmp_path / "frames").rmdir()
    cv2.imwrite(str(picture), np.full((32, 48, 3), 200, np.uint8))  # the input changes
    assert main(["render", str(preset), "--quiet"]) == 2
    assert "rendered with other settings" in capsys.readouterr().err
    assert main(["render", str(preset), "--quiet", "--overwrite"]) == 0
    assert read_pngs(tmp_path / "frames")[0].mean() > 120
