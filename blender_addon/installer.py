"""Install Engine: a virtual environment with the dreamvideo engine, made in the background.

Pure Python (no ``bpy``): the preferences' operator steps an :class:`EngineInstall` from a timer
(a :class:`.background.Job`).
Three steps, each a child process whose output goes to one log file:

1. ``PYTHON -m venv --clear FOLDER`` with a Python 3.10-3.12 (Blender's own works);
2. ``FOLDER/bin/python -m pip install WHEEL``: the engine wheel shipped inside the add-on zip
   (same version as the add-on), with TensorFlow and the rest from the package index;
3. the engine's self-description (:data:`DESCRIBE_CODE`): dreamvideo, TensorFlow and device.

A failure ends in one line naming the cause (no network, disk full, unwritable folder, wrong
Python) and the log's path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PYTHON_RANGE = ((3, 10), (3, 12))  # the engine's requires-python: >=3.10,<3.13
WHEEL_FOLDER = "engine"  # inside the add-on: the dreamvideo wheel build.py puts there
PROBE_TIMEOUT_S = 30.0
DESCRIBE_CODE = (
    "import json, dreamvideo, tensorflow as tf; "
    "gpus = tf.config.list_physical_devices('GPU'); "
    "print(json.dumps({'dreamvideo': dreamvideo.__version__, 'tensorflow': tf.__version__, "
    "'device': 'GPU' if gpus else 'CPU', 'gpus': len(gpus)}))")
# Log text -> the cause, in one line ({folder} is the engine folder); the first match wins.
CAUSES = (
    (("No space left on device", "[Errno 28]", "Disk quota exceeded"),
     "the disk is full (TensorFlow needs about 2 GB in {folder})"),
    (("Permission denied", "Read-only file system", "[Errno 13]", "[Errno 30]"),
     "cannot write to {folder}"),
    (("Failed to establish a new connection", "Temporary failure in name resolution",
      "Network is unreachable", "Name or service not known", "ConnectionError",
      "ReadTimeoutError", "Could not fetch URL", "No matching distribution found",
      "Could not find a version that satisfies"),
     "could not download the engine's packages (no network? a proxy?)"),
    (("requires a different Python", "is not a supported wheel on this platform"),
     "the packages do not fit this Python; choose a Python 3.10-3.12 in Python for Install"),
    (("ensurepip", "No module named venv"),
     "this Python cannot make a virtual environment with pip; choose another in Python for Install"),
)


class InstallError(Exception):
    """A reason the install cannot start; the message is one line for the user."""


@dataclass(frozen=True)
class Step:
    label: str
    command: list[str]
    share: float  # of the progress bar


def venv_python(folder: Path) -> Path:
    folder = Path(folder)
    return folder / "Scripts" / "python.exe" if sys.platform == "win32" else folder / "bin" / "python"


def bundled_wheel(addon_dir: Path) -> Path | None:
    """The dreamvideo wheel inside the add-on (put there by build.py), or None."""
    wheels = sorted((Path(addon_dir) / WHEEL_FOLDER).glob("dreamvideo-*.whl"))
    return wheels[-1] if wheels else None


def python_version(python: str) -> tuple[int, int, int]:
    """(major, minor, micro) of ``python``, if it can make virtual environments; else InstallError."""
    code = "import sys, venv; print(*sys.version_info[:3])"
    try:
        proc = subprocess.run([python, "-c", code], capture_output=True, text=True,
                              timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL, env=clean_env())
    except (OSError, subprocess.TimeoutExpired) as err:
        raise InstallError(f"cannot run {python}: {getattr(err, 'strerror', None) or err}") from None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()] or ["no output"]
        raise InstallError(f"{python} cannot make virtual environments: {lines[-1]}")
    return tuple(int(part) for part in proc.stdout.split()[:3])


def fits(version: tuple[int, ...]) -> bool:
    return PYTHON_RANGE[0] <= tuple(version[:2]) <= PYTHON_RANGE[1]


def find_python(chosen: str = "") -> tuple[str, tuple[int, int, int]]:
    """The Python to make the venv with: ``chosen`` if given (it must fit), else the first of
    this process's interpreter (Blender's own), python3.11, 3.12, 3.10, python3 that fits."""
    wanted = "{}.{}-{}.{}".format(*PYTHON_RANGE[0], *PYTHON_RANGE[1])
    if chosen.strip():
        version = python_version(chosen.strip())
        if not fits(version):
            raise InstallError(f"{chosen} is Python {'.'.join(map(str, version))}; the engine "
                               f"needs Python {wanted}")
        return chosen.strip(), version
    names = ["python3.11", "python3.12", "python3.10", "python3"]
    candidates = [sys.executable] + [found for name in names if (found := shutil.which(name))]
    for candidate in dict.fromkeys(c for c in candidates if c):
        try:
            version = python_version(candidate)
        except InstallError:
            continue
        if fits(version):
            return candidate, version
    raise InstallError(f"found no Python {wanted}; install one and choose it in Python for Install")


def writable_folder(folder: Path) -> Path:
    """Make ``folder`` and prove it is writable; InstallError naming it otherwise."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".dreamvideo_write_test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise InstallError(f"cannot write to {folder}: {err.strerror or err}") from None
    return folder


def check_target(folder: Path) -> Path:
    """``folder`` may be replaced by a new environment: empty, or an environment already (venv
    --clear empties it). Anything else is refused, so a wrong Engine Folder deletes nothing."""
    folder = Path(folder)
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "pyvenv.cfg").is_file():
        raise InstallError(f"{folder} holds other files; choose an empty folder for the engine")
    return folder


def install_steps(python: str, folder: Path, wheel: Path, pip_args: tuple[str, ...] = ()) -> list[Step]:
    engine = str(venv_python(folder))
    return [
        Step("creating the virtual environment", [python, "-m", "venv", "--clear", str(folder)], 0.05),
        Step("installing dreamvideo and TensorFlow",
             [engine, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar",
              "off", *pip_args, str(wheel)], 0.85),
        Step("checking the engine", [engine, "-c", DESCRIBE_CODE], 0.10),
    ]


def describe(output: str) -> str:
    """``dreamvideo 0.1.0, TensorFlow 2.21.0, CPU`` from :data:`DESCRIBE_CODE`'s output."""
    for line in reversed(output.splitlines()):
        if line.strip().startswith("{"):
            try:
                info = json.loads(line)
            except ValueError:
                continue
            device = f"GPU ({info['gpus']})" if info.get("gpus", 0) > 1 else info.get("device", "?")
            return f"dreamvideo {info.get('dreamvideo', '?')}, TensorFlow {info.get('tensorflow', '?')}, {device}"
    return "the engine did not describe itself"


def explain(log_text: str, folder: Path, returncode: int | None = None) -> str:
    """The cause of a failed step, in one line, from its log."""
    for needles, cause in CAUSES:
        if any(needle in log_text for needle in needles):
            return cause.format(folder=folder)
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    errors = [line for line in lines if re.match(r"(ERROR|error|\w+Error)\b", line)]
    return (errors or lines or [f"exit code {returncode}"])[-1]


def clean_env() -> dict[str, str]:
    """This environment without Blender's Python settings and pip's user/target overrides."""
    drop = ("PYTHONHOME", "PYTHONPATH", "PIP_USER", "PIP_TARGET", "PIP_PREFIX", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if k not in drop}


class EngineInstall:
    """The install in the background: ``step()`` from a timer, ``cancel()`` to stop it.

    ``state``: running -> done | failed | cancelled; ``message`` is the one-line outcome;
    ``engine_python`` the new interpreter once done.
    """

    warnings: list[str] = []  # an install has none: its problems end it

    def __init__(self, steps: list[Step], *, folder: Path, log_path: Path) -> None:
        self.steps, self.folder, self.log_path = steps, Path(folder), Path(log_path)
        self.state, self.message, self.index = "running", "", -1
        self.engine_python = ""
        self._proc: subprocess.Popen | None = None
        self._log = None
        self._step_start = 0
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self._next()

    @classmethod
    def start(cls, *, python: str, folder: Path, wheel: Path | None, log_path: Path,
              pip_args: tuple[str, ...] = ()) -> "EngineInstall":
        """Check the Python, the folder and the wheel, then start; InstallError if one is wrong."""
        if wheel is None or not Path(wheel).is_file():
            raise InstallError("the add-on has no engine wheel; install the zip made by "
                               "blender_addon/build.py")
        python, _ = find_python(python)
        folder = writable_folder(check_target(folder))
        return cls(install_steps(python, folder, Path(wheel), pip_args), folder=folder,
                   log_path=log_path)

    # ----- driving

    @property
    def waiting(self) -> bool:
        return self.state == "running"

    def step(self) -> bool:
        """Advance; True once finished (done, failed or cancelled). Never blocks."""
        if self.state != "running":
            return True
        code = self._proc.poll()
        if code is None:
            return False
        if code != 0:
            step_log = self.log_text()[self._step_start:]
            self._finish("failed", f"Install Engine failed while {self.steps[self.index].label}: "
                                   f"{explain(step_log, self.folder, code)} (log: {self.log_path})")
        elif self.index + 1 < len(self.steps):
            self._next()
        else:
            self.engine_python = str(venv_python(self.folder))
            description = describe(self.log_text()[self._step_start:])
            self._finish("done", f"engine installed: {description} ({self.engine_python})")
        return self.state != "running"

    def wait(self, timeout: float | None = None, interval: float = 0.2) -> str:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.step():
            if deadline is not None and time.monotonic() > deadline:
                self.cancel()
                break
            time.sleep(interval)
        return self.state

    def cancel(self) -> None:
        """Stop the running step (and its children) now."""
        self._stop("cancelled", f"Install Engine cancelled (log: {self.log_path})")

    def fail(self, message: str) -> None:
        """Stop the running step (and its children) now and end failed with ``message``."""
        self._stop("failed", message)

    # ----- progress

    @property
    def fraction(self) -> float:
        if self.state == "done":
            return 1.0
        done = sum(step.share for step in self.steps[:max(0, self.index)])
        if self.index < 0 or self.state != "running":
            return done
        step = self.steps[self.index]
        return done + step.share * self._within_step()

    @property
    def status(self) -> str:
        if self.state != "running":
            return self.message
        line = self.last_line()
        text = f"Install Engine {self.index + 1}/{len(self.steps)}: {self.steps[self.index].label}"
        return f"{text} - {line[:80]}" if line else text

    def last_line(self) -> str:
        lines = [line.strip() for line in self.log_text()[self._step_start:].splitlines()
                 if line.strip() and not line.startswith("$ ")]
        return lines[-1] if lines else ""

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _within_step(self) -> float:
        """pip's progress from its log: packages collected, then installing, then done."""
        text = self.log_text()[self._step_start:]
        if "Successfully installed" in text:
            return 1.0
        if "Installing collected packages" in text:
            return 0.85
        return min(0.8, text.count("Collecting ") / 50)

    # ----- processes

    def _next(self) -> None:
        self.index += 1
        step = self.steps[self.index]
        self._log.write(f"$ {' '.join(step.command)}\n")
        self._log.flush()
        self._step_start = len(self.log_text())
        try:
            self._proc = subprocess.Popen(
                step.command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                env={**clean_env(), "PYTHONUNBUFFERED": "1"}, start_new_session=sys.platform != "win32")
        except OSError as err:
            self._finish("failed", f"Install Engine failed: cannot run {step.command[0]}: "
                                   f"{err.strerror or err} (log: {self.log_path})")

    def _stop(self, state: str, message: str) -> None:
        if self.state != "running":
            return
        self._kill()
        self._finish(state, message)

    def _kill(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        try:
            if sys.platform == "win32":
                self._proc.kill()
            else:
                os.killpg(self._proc.pid, signal.SIGKILL)  # pip and whatever it started
        except OSError:
            pass
        self._proc.wait()

    def _finish(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        if self._log is not None and not self._log.closed:
            self._log.write(f"\n{message}\n")
            self._log.close()
