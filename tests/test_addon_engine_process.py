"""The add-on's pure parts (no ``bpy``): the engine driver against fake engines that print JSON
progress, and Install Engine's steps, failures and cancel (real venv and pip, tiny installs)."""

import importlib
import importlib.util
import json
import os
import signal
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "dreamvideo_addon_pure"


def addon_module(name):
    """A module of blender_addon/ without running its __init__ (which imports bpy)."""
    if PACKAGE not in sys.modules:
        package = types.ModuleType(PACKAGE)
        package.__path__ = [str(ROOT / "blender_addon")]
        sys.modules[PACKAGE] = package
    return importlib.import_module(f"{PACKAGE}.{name}")


ep = addon_module("engine_process")
inst = addon_module("installer")

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


def _poll_until_frame(engine, frame: int, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while engine.progress.frame < frame and time.monotonic() < deadline:
        engine.poll()
        time.sleep(0.01)


def test_cancel_stops_after_the_current_frame(fake_engine):
    engine = ep.EngineProcess(fake_engine(100, 0.05))
    _poll_until_frame(engine, 2)
    engine.cancel()
    assert engine.wait(timeout=10) == ep.EXIT_INTERRUPTED
    engine.poll()
    assert engine.cancelled and not engine.succeeded
    assert 2 <= engine.progress.frame < 100
    assert "interrupted" in engine.error_line()


def test_cancel_stops_the_engine_when_blender_ignores_sigint(tmp_path):
    """Blender started with SIGINT ignored (a background job, nohup) must not pass that on to the
    engine, whose Ctrl-C is Python's own KeyboardInterrupt: Cancel still stops it."""
    script = tmp_path / "engine.py"
    script.write_text("import json, sys, time\ntry:\n    for frame in range(1, 101):\n"
                      "        time.sleep(0.05)\n        print(json.dumps({'frame': frame, 'total': 100}), flush=True)\n"
                      "except KeyboardInterrupt:\n    sys.exit(130)\n")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        engine = ep.EngineProcess([sys.executable, str(script)])
    finally:
        signal.signal(signal.SIGINT, previous)
    _poll_until_frame(engine, 2)
    engine.cancel()
    assert engine.wait(timeout=10) == ep.EXIT_INTERRUPTED
    engine.poll()
    assert engine.progress.frame < 100


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
    assert ep.engine_command("/py", "job.json") == [
        "/py", "-m", "dreamvideo", "render", "job.json", "--progress", "json", "--overwrite",
        "--keep-work"]


def test_training_progress_and_command():
    """train-style's JSON lines (the engine's own Progress) count ``step``: read as frames are."""
    import io

    from dreamvideo.progress import Progress

    stream = io.StringIO()
    progress = Progress("json", stream=stream)
    progress.start(120, 0, stage="train", unit="step")
    progress.update(30, stage="train")
    state = ep.EngineProgress()
    for line in stream.getvalue().splitlines():
        state.apply(ep.parse_line(line))
    assert (state.stage, state.frame, state.total, state.fraction) == ("train", 30, 120, 0.25)
    assert ep.train_command("/py", ["a.png", "b.png"], "train.json", "net.keras", steps=40, size=32,
                            preset="p.yaml", overrides=["style.scale=0.5"]) == [
        "/py", "-m", "dreamvideo", "train-style", "a.png", "b.png", "--content", "train.json",
        "-o", "net.keras", "--steps", "40", "--size", "32", "--progress", "json", "--overwrite",
        "--preset", "p.yaml", "--set", "style.scale=0.5"]


def test_check_engine(tmp_path):
    import tensorflow as tf

    import dreamvideo

    ok, message = ep.check_engine(sys.executable)  # the test venv has dreamvideo installed
    assert ok and message == (f"dreamvideo {dreamvideo.__version__}, TensorFlow {tf.__version__}, "
                              f"CPU ({sys.executable})")
    bare = tmp_path / "bare.py"
    bare.write_text("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'dreamvideo'\" >&2\nexit 1\n")
    bare.chmod(0o755)
    ok, message = ep.check_engine(bare)
    assert not ok and "No module named 'dreamvideo'" in message and "Install Engine" in message
    assert ep.check_engine("")[1].startswith("set the engine's Python interpreter")
    assert not ep.check_engine(tmp_path / "nope")[0]
    assert "folder" in ep.check_engine(tmp_path)[1]


def test_no_process_left_behind(fake_engine):
    engine = ep.EngineProcess(fake_engine(100, 0.05))
    engine.kill()
    assert engine.returncode is not None
    with pytest.raises(ProcessLookupError):  # reaped: the pid is gone
        os.kill(engine.pid, 0)


# ----- the background-job operator (background.py) -----------------------------------------------

bg = addon_module("background")


class StepJob:
    """A job that ends done after ``steps`` steps, warning at the second; or raises at ``boom``."""

    def __init__(self, steps=3, boom=None):
        self.state, self.message, self.warnings = "running", "", []
        self.steps, self.boom, self.count = steps, boom, 0

    fraction = property(lambda self: self.count / self.steps)
    status = property(lambda self: f"step {self.count}")
    waiting = property(lambda self: self.state == "running")

    def step(self):
        if self.state != "running":
            return True
        self.count += 1
        if self.count == self.boom:
            raise OSError("disk gone")
        if self.count == 2:
            self.warnings.append("half way")
        if self.count >= self.steps:
            self.state, self.message = "done", "all done"
        return self.state != "running"

    def cancel(self):
        self.state, self.message = "cancelled", "stopped"

    def fail(self, message):
        self.state, self.message = "failed", message


class FakeWindowManager:
    def __init__(self):
        self.calls, self.windows = [], []

    def __getattr__(self, name):  # progress_begin, event_timer_add, ...: recorded
        return lambda *args, **kwargs: self.calls.append(name) or name


def _operator(**settings):
    class Operator(bg.JobOperator):
        job = None
        done = []

        def make_job(self, context):
            if self.job is None:
                raise bg.StartError("add a style image")
            return self.job

        def job_done(self, context, job):
            self.done.append(job)

        def report(self, kind, message):
            self.reports.append((next(iter(kind)), message))

    for key, value in settings.items():
        setattr(Operator, key, value)
    operator = Operator()
    operator.reports = []
    context = types.SimpleNamespace(window_manager=FakeWindowManager(), window=None,
                                    workspace=types.SimpleNamespace(status_text_set=lambda text: None))
    return operator, context


def _event(kind):
    return types.SimpleNamespace(type=kind, value="PRESS")


def test_job_operator_steps_on_timer_and_reports_the_end():
    operator, context = _operator(job=StepJob(3), window_progress=True)
    assert operator.invoke(context, None) == {"RUNNING_MODAL"}
    assert type(operator).active is operator.job
    assert operator.modal(context, _event("MOUSEMOVE")) == {"PASS_THROUGH"}
    assert operator.modal(context, _event("ESC")) == {"PASS_THROUGH"}  # Esc cancels only where asked
    assert operator.modal(context, _event("TIMER")) == {"RUNNING_MODAL"}
    assert operator.modal(context, _event("TIMER")) == {"RUNNING_MODAL"}
    assert operator.reports == [("WARNING", "half way")]  # warnings as they come
    assert operator.modal(context, _event("TIMER")) == {"FINISHED"}
    assert operator.reports[1:] == [("INFO", "all done")] and operator.done == [operator.job]
    assert type(operator).active is None
    calls = context.window_manager.calls
    assert calls[:3] == ["progress_begin", "event_timer_add", "modal_handler_add"]
    assert calls[-2:] == ["event_timer_remove", "progress_end"]


def test_job_operator_cancel_failure_and_start_error():
    operator, context = _operator(job=StepJob(10), esc_cancels=True)
    operator.invoke(context, None)
    assert operator.modal(context, _event("ESC")) == {"CANCELLED"}
    assert operator.reports == [("WARNING", "stopped")] and operator.done == []
    operator, context = _operator(job=StepJob(10, boom=2))
    operator.invoke(context, None)
    operator.modal(context, _event("TIMER"))
    assert operator.modal(context, _event("TIMER")) == {"CANCELLED"}
    assert operator.reports == [("ERROR", "dreamvideo failed: disk gone")]
    operator, context = _operator()
    assert operator.execute(context) == {"CANCELLED"}
    assert operator.reports == [("ERROR", "add a style image")] and type(operator).active is None


def test_job_operator_blocking_run_and_stop():
    operator, context = _operator(job=StepJob(3))
    assert operator.execute(context) == {"FINISHED"}
    assert operator.reports == [("WARNING", "half way"), ("INFO", "all done")]
    operator, context = _operator(job=StepJob(10), closed="closed by Blender")
    operator.invoke(context, None)
    type(operator).stop_active()  # the add-on is disabled while the job runs
    assert operator.job.state == "failed" and operator.job.message == "closed by Blender"
    assert operator.modal(context, _event("TIMER")) == {"CANCELLED"}
    assert operator.reports == [("ERROR", "closed by Blender")]


def test_cancel_button_cancels_the_running_job_only():
    operator, context = _operator(job=StepJob(10))

    class Cancel(bg.CancelJob):
        job_operator = type(operator)

    assert Cancel().execute(context) == {"FINISHED"}  # nothing running: nothing to do
    operator.invoke(context, None)
    Cancel().execute(context)
    assert operator.job.state == "cancelled"
    assert operator.modal(context, _event("TIMER")) == {"CANCELLED"}
    assert operator.reports == [("WARNING", "stopped")]


# ----- the job file (job.py) ---------------------------------------------------------------------

def _tiny_float_job(folder: Path) -> dict:
    """A job as ``build_job`` makes it, with floats Python writes with an exponent (1e-05) and a
    path outside ASCII."""
    return {"effect": "style",
            "source": {"blender": {"frames": str(folder / "exr"), "exposure": 1e-05, "gamma": 1.0,
                                   "fps": 24.0, "frame_start": 1, "flow": "vector",
                                   "mask": {"object_indices": [1, 3], "feather_px": 2.5e-06}}},
            "output": {"path": str(folder / "sortie é.mp4"), "fps": 24.0, "frames": 3,
                       "size": [64, 48], "codec": "h264"},
            "style": {"style_weight": [{"frame": i, "value": v} for i, v in enumerate((1e-05, 0.5, 3e+20))],
                      "images": [{"path": str(folder / "stil ü.png"), "weight": 1.0}]}}


def test_job_file_and_overrides_are_the_job_for_the_engine(tmp_path):
    """The JSON job file, and the ``--set`` items on top of a preset, validate to the preset the
    job itself makes: every float and path arrives unchanged."""
    from dreamvideo.config import load_preset, parse_preset

    jobs = addon_module("job")
    job = _tiny_float_job(tmp_path)
    expected = parse_preset(job)
    path = tmp_path / "job.json"
    path.write_text(jobs.to_json(job), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == job
    assert load_preset(path) == expected
    base = tmp_path / "base.yaml"
    base.write_text("effect: dream_zoom\nsource: {noise: {seed: 2}}\n")
    assert load_preset(base, jobs.preset_overrides(job)) == expected
    assert expected.style.style_weight[0].value == 1e-05 and expected.source.blender.exposure == 1e-05


# ----- Install Engine (installer.py) -------------------------------------------------------------

def _script(tmp_path, name, body):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def _steps(*codes):
    return [inst.Step(f"step {i}", [sys.executable, "-c", code], 1 / len(codes))
            for i, code in enumerate(codes)]


def _one_line(message, log):
    assert "\n" not in message and message.endswith(f"(log: {log})"), message


def test_install_python_is_checked_before_anything_runs(tmp_path):
    old = _script(tmp_path, "python3.9", "echo 3 9 18\n")
    with pytest.raises(inst.InstallError, match=r"is Python 3\.9\.18; the engine needs Python 3\.10-3\.12"):
        inst.find_python(old)
    broken = _script(tmp_path, "nopython", "echo 'No module named venv' >&2; exit 1\n")
    with pytest.raises(inst.InstallError, match="cannot make virtual environments: No module named venv"):
        inst.find_python(broken)
    python, version = inst.find_python("")  # this interpreter, or one on the PATH
    assert inst.fits(version) and os.access(python, os.X_OK)
    with pytest.raises(inst.InstallError, match="cannot write to /proc/dreamvideo_engine"):
        inst.writable_folder(Path("/proc/dreamvideo_engine"))  # unwritable, even for root
    full = tmp_path / "documents"
    (full / "thesis.txt").parent.mkdir()
    (full / "thesis.txt").write_text("keep me")
    with pytest.raises(inst.InstallError, match="holds other files; choose an empty folder"):
        inst.EngineInstall.start(python="", folder=full, wheel=Path(__file__), log_path=tmp_path / "log")
    assert (full / "thesis.txt").read_text() == "keep me"
    (tmp_path / "old_env").mkdir()
    (tmp_path / "old_env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert inst.check_target(tmp_path / "old_env") == tmp_path / "old_env"  # replaced by --clear
    with pytest.raises(inst.InstallError, match="no engine wheel"):
        inst.EngineInstall.start(python="", folder=tmp_path / "env", wheel=None,
                                 log_path=tmp_path / "log")


@pytest.mark.parametrize("log, cause", [
    ("Collecting tensorflow\nERROR: Could not install packages due to an OSError: [Errno 28] "
     "No space left on device", "the disk is full"),
    ("WARNING: Retrying ... NewConnectionError('Failed to establish a new connection: [Errno -3] "
     "Temporary failure in name resolution')\nERROR: No matching distribution found for "
     "tensorflow", "could not download"),
    ("ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: '/x'",
     "cannot write to /env"),
    ("ERROR: Package 'dreamvideo' requires a different Python: 3.9.1 not in '<3.13,>=3.10'",
     "do not fit this Python"),
    ("Traceback ...\nKeyError: 'x'\n  some trailing context", "KeyError: 'x'"),
])
def test_failure_causes_in_one_line(log, cause):
    assert cause in inst.explain(log, Path("/env"))


def test_install_steps_run_in_order_and_describe_the_engine(tmp_path):
    describe = ("import json; print(json.dumps({'dreamvideo': '9.9', 'tensorflow': '2.0', "
                "'device': 'CPU', 'gpus': 0}))")
    job = inst.EngineInstall(_steps("print('Collecting tensorflow')", "print('step two')", describe),
                             folder=tmp_path / "env", log_path=tmp_path / "install.log")
    fractions = []
    while not job.step():
        fractions.append(job.fraction)
        time.sleep(0.05)
    assert job.state == "done" and job.fraction == 1.0
    assert fractions == sorted(fractions)
    assert job.message == (f"engine installed: dreamvideo 9.9, TensorFlow 2.0, CPU "
                           f"({inst.venv_python(tmp_path / 'env')})")
    log = (tmp_path / "install.log").read_text()
    assert log.index("Collecting tensorflow") < log.index("step two") < log.index("engine installed")


def test_failed_step_reports_one_line_with_the_log(tmp_path):
    failing = "import sys; print('ERROR: [Errno 28] No space left on device'); sys.exit(1)"
    log = tmp_path / "install.log"
    job = inst.EngineInstall(_steps("print('ok')", failing, "print('never')"),
                             folder=tmp_path / "env", log_path=log)
    assert job.wait(timeout=30) == "failed"
    assert job.message.startswith("Install Engine failed while step 1: the disk is full")
    _one_line(job.message, log)
    assert "never" not in log.read_text()


def test_cancel_stops_the_step_and_its_children(tmp_path):
    sleeper = ("import subprocess, sys, time; "
               "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
               "print(child.pid, flush=True); time.sleep(60)")
    job = inst.EngineInstall(_steps(sleeper), folder=tmp_path, log_path=tmp_path / "install.log")
    deadline = time.monotonic() + 20
    while not job.last_line().isdigit() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(job.last_line())
    started = time.monotonic()
    job.cancel()
    assert job.state == "cancelled" and job.step() and time.monotonic() - started < 5
    _one_line(job.message, tmp_path / "install.log")
    time.sleep(0.2)
    assert not _alive(child)  # pip's children are gone too


def _alive(pid):
    """Running (a killed orphan may stay a zombie until init reaps it: not alive)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture(scope="module")
def engine_wheel(tmp_path_factory):
    """The engine wheel as build.py makes it for the zip."""
    spec = importlib.util.spec_from_file_location("dreamvideo_addon_build",
                                                  ROOT / "blender_addon" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.build_wheel(tmp_path_factory.mktemp("wheel"), build.manifest_version())


def test_real_venv_without_the_network_fails_in_one_line(tmp_path, engine_wheel, monkeypatch):
    """The real steps (venv, pip install of the add-on's wheel, check) with every package source
    switched off (index, local mirrors, pip's configuration): pip cannot get TensorFlow, and the
    message says so."""
    for name in [n for n in os.environ if n.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    log = tmp_path / "install.log"
    job = inst.EngineInstall.start(python=sys.executable, folder=tmp_path / "env", wheel=engine_wheel,
                                   log_path=log, pip_args=("--no-index",))
    assert job.wait(timeout=300) == "failed", job.message
    assert job.message.startswith("Install Engine failed while installing dreamvideo and "
                                  "TensorFlow: could not download the engine's packages")
    _one_line(job.message, log)
    assert inst.venv_python(tmp_path / "env").is_file()  # step 1 made the venv
