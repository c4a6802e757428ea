"""The add-on's engine driver (pure Python) against fake engines that print JSON progress."""

import importlib.util
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_engine_process():
    # blender_addon/__init__.py imports bpy; this module does not, so load it on its own.
    spec = importlib.util.spec_from_file_location(
        "dreamvideo_addon_engine_process", ROOT / "blender_addon" / "engine_process.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


ep = _load_engine_process()

FAKE_ENGINE = textwrap.dedent("""
    import json, signal, sys, time
    total, delay = int(sys.argv[1]), float(sys.argv[2])
    stop = []
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))  # like the engine: finish the frame
    print("TensorFlow says hello", flush=True)  # not JSON: ignored
    print(json.dumps({"stage": "message", "message": "resuming"}), flush=True)
    for frame in range(1, total + 1):
        time.sleep(delay)
        print(json.dumps({"stage": "render", "frame": frame, "total": total, "elapsed_s": frame * delay,
                          "eta_s": (total - frame) * delay, "output": "out.mp4"}), flush=True)
        if stop and frame < total:
            print(f"dreamvideo: interrupted at frame {frame}/{total}", file=sys.stderr)
            sys.exit(130)
    print(json.dumps({"stage": "done", "frame": total, "total": total, "elapsed_s": 1.0,
                      "eta_s": 0, "output": "out.mp4"}), flush=True)
""")


@pytest.fixture
def fake_engine(tmp_path):
    script = tmp_path / "fake_engine.py"
    script.write_text(FAKE_ENGINE)
    return lambda total, delay: [sys.executable, str(script), str(total), str(delay)]


def test_progress_reaches_100_percent(fake_engine):
    engine = ep.EngineProcess(fake_engine(5, 0.01))
    seen = []
    while engine.running:
        seen += engine.poll()
        time.sleep(0.01)
    assert engine.wait(timeout=10) == 0 and engine.succeeded
    seen += engine.poll()
    progress = engine.progress
    assert (progress.stage, progress.frame, progress.total, progress.fraction) == ("done", 5, 5, 1.0)
    assert progress.output == "out.mp4" and progress.messages == ["resuming"]
    assert [r["frame"] for r in seen if r.get("stage") == "render"] == [1, 2, 3, 4, 5]
    assert progress.status().startswith("dreamvideo: done 5/5 (100%)")


def test_cancel_stops_after_the_current_frame(fake_engine):
    engine = ep.EngineProcess(fake_engine(100, 0.05))
    deadline = time.monotonic() + 10
    while engine.progress.frame < 2 and time.monotonic() < deadline:
        engine.poll()
        time.sleep(0.01)
    engine.cancel()
    assert engine.wait(timeout=10) == ep.EXIT_INTERRUPTED
    engine.poll()
    assert engine.cancelled and not engine.succeeded
    assert 2 <= engine.progress.frame < 100
    assert "interrupted" in engine.error_line()


def test_cancel_kills_an_engine_that_ignores_it(tmp_path):
    script = tmp_path / "stubborn.py"
    script.write_text("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                      "print('ready', flush=True)\ntime.sleep(60)\n")
    engine = ep.EngineProcess([sys.executable, str(script)])
    time.sleep(0.3)
    engine.cancel(grace_s=0.5)
    assert engine.wait(timeout=10) != 0 and not engine.running


def test_failure_reports_the_engines_error_line(tmp_path):
    script = tmp_path / "failing.py"
    script.write_text("import sys\nprint('Traceback noise', file=sys.stderr)\n"
                      "print('dreamvideo: error: style.images: required', file=sys.stderr)\n"
                      "print('W0000 tensorflow shutdown noise', file=sys.stderr)\nsys.exit(2)\n")
    engine = ep.EngineProcess([sys.executable, str(script)])
    assert engine.wait(timeout=10) == 2 and not engine.succeeded
    assert engine.error_line() == "dreamvideo: error: style.images: required"


def test_parse_line_and_status():
    assert ep.parse_line('{"frame": 1}\n') == {"frame": 1}
    assert ep.parse_line("loading model") is None and ep.parse_line("{broken") is None
    progress = ep.EngineProgress()
    progress.apply({"stage": "render", "frame": 3, "total": 12, "eta_s": 95.0})
    assert progress.status() == "dreamvideo: render 3/12 (25%), 1 min 35 s left - Esc to cancel"
    assert ep.engine_command("/py", "job.yaml") == [
        "/py", "-m", "dreamvideo", "render", "job.yaml", "--progress", "json", "--overwrite"]


def test_check_engine(tmp_path):
    ok, message = ep.check_engine(sys.executable)  # the test venv has dreamvideo installed
    assert ok and message.startswith("dreamvideo ")
    bare = tmp_path / "bare.py"
    bare.write_text("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'dreamvideo'\" >&2\nexit 1\n")
    bare.chmod(0o755)
    ok, message = ep.check_engine(bare)
    assert not ok and "No module named 'dreamvideo'" in message and "pip install" in message
    assert ep.check_engine("") == (False, "set the engine's Python interpreter in the add-on preferences")
    assert not ep.check_engine(tmp_path / "nope")[0]
    assert "folder" in ep.check_engine(tmp_path)[1]


def test_no_process_left_behind(fake_engine):
    engine = ep.EngineProcess(fake_engine(100, 0.05))
    engine.kill()
    assert engine.returncode is not None
    with pytest.raises(ProcessLookupError):  # reaped: the pid is gone
        os.kill(engine.pid, 0)
