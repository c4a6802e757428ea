"""The dreamvideo engine as a child process: start, read JSON progress, cancel, explain failures.

Pure Python (no ``bpy``): the render operator polls an :class:`EngineProcess` from a timer, and
tests drive it with a fake engine script. The engine prints one JSON object per line on stdout
(``--progress json``): ``{"stage", "frame", "total", "elapsed_s", "eta_s", "output"}`` (``"step"``
instead of ``"frame"`` from ``train-style``), and for each finished frame its ``"file"`` and the
``"clip_frame"`` it shows; stage ``"message"`` carries ``"message"``, stage ``"done"`` ends a
successful run (with ``"work"``, the work folder, when it is kept). Other stdout lines are ignored. stderr is kept (last lines) to explain a failure.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .installer import DESCRIBE_CODE, clean_env, describe

STDERR_LINES = 40
CHECK_TIMEOUT_S = 120.0
EXIT_INTERRUPTED = 130


def _hear_sigint() -> None:
    """In the engine's process before it starts: SIGINT back to its default, so Cancel stops it
    even when Blender was started with SIGINT ignored (a background job, nohup, a service), which
    the child would otherwise inherit and Python would then never raise KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class EngineProgress:
    """The latest state reported by the engine."""

    stage: str = "starting"
    frame: int = 0
    total: int = 0
    elapsed_s: float = 0.0
    eta_s: float | None = None
    output: str = ""
    file: str = ""  # the newest finished frame's file
    clip_frame: int = 0  # the clip frame it shows
    work: str = ""  # the kept work folder, named when the run is done
    messages: list[str] = field(default_factory=list)

    @property
    def fraction(self) -> float:
        return min(1.0, self.frame / self.total) if self.total else 0.0

    def status(self) -> str:
        """One status-bar line, e.g. ``dreamvideo: frame 12/48 (25%), 1 min 30 s left``."""
        if self.stage == "starting":
            return "dreamvideo: starting the engine (loading the model)..."
        text = f"dreamvideo: {self.stage} {self.frame}/{self.total} ({self.fraction:.0%})"
        if self.eta_s is not None and self.stage != "done":
            text += f", {format_seconds(self.eta_s)} left"
        return text + " - Esc to cancel" if self.stage != "done" else text

    def apply(self, record: dict) -> None:
        stage = record.get("stage", self.stage)
        if stage == "message":
            self.messages.append(str(record.get("message", "")))
            return
        self.stage = stage
        count = record.get("frame", record.get("step"))  # train-style counts steps
        if isinstance(count, int):
            self.frame = count
        if isinstance(record.get("total"), int):
            self.total = record["total"]
        if isinstance(record.get("elapsed_s"), (int, float)):
            self.elapsed_s = float(record["elapsed_s"])
        self.eta_s = record.get("eta_s") if isinstance(record.get("eta_s"), (int, float)) else None
        if record.get("output"):
            self.output = str(record["output"])
        if record.get("file") and isinstance(record.get("clip_frame"), int):
            self.file, self.clip_frame = str(record["file"]), record["clip_frame"]
        if record.get("work"):
            self.work = str(record["work"])


def parse_line(line: str) -> dict | None:
    """A progress record from one stdout line, or None for anything else."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def engine_command(python: str | Path, job_path: str | Path) -> list[str]:
    """``PYTHON -m dreamvideo render JOB --progress json --overwrite --keep-work`` (the add-on
    shows the work folder's frames as they come, and removes the folder itself)."""
    return [str(python), "-m", "dreamvideo", "render", str(job_path), "--progress", "json",
            "--overwrite", "--keep-work"]


def train_command(python: str | Path, styles: list[str], content: str | Path, network: str | Path, *,
                  steps: int, size: int, preset: str | Path | None = None,
                  overrides: list[str] = ()) -> list[str]:
    """``PYTHON -m dreamvideo train-style STYLE... --content JOB -o NET --steps N --size S
    --progress json --overwrite`` (``--overwrite``: a finished network is trained again; a
    checkpoint next to it, from a cancelled run, is continued), with ``--preset`` and ``--set``
    items for the style settings."""
    command = [str(python), "-m", "dreamvideo", "train-style", *map(str, styles), "--content", str(content),
               "-o", str(network), "--steps", str(steps), "--size", str(size), "--progress", "json",
               "--overwrite"]
    if preset:
        command += ["--preset", str(preset)]
    for item in overrides:
        command += ["--set", item]
    return command


class EngineProcess:
    """A running engine: ``poll()`` from a timer, ``cancel()`` to stop after the current frame.

    Two daemon threads read stdout and stderr so neither pipe can fill and block the engine.
    """

    def __init__(self, command: list[str], *, cwd: str | Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.command = list(command)
        self.progress = EngineProgress()
        self.cancelled = False
        self._records: queue.Queue = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._cancel_at: float | None = None
        flags = subprocess.CREATE_NEW_PROCESS_GROUP if sys.platform == "win32" else 0
        self._proc = subprocess.Popen(
            self.command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", bufsize=1,
            creationflags=flags, preexec_fn=None if sys.platform == "win32" else _hear_sigint)
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return self._proc.poll()

    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    @property
    def succeeded(self) -> bool:
        return self._proc.poll() == 0 and not self.cancelled

    def poll(self) -> list[dict]:
        """New progress records since the last call (progress is updated); never blocks."""
        records = []
        while True:
            try:
                record = self._records.get_nowait()
            except queue.Empty:
                break
            self.progress.apply(record)
            records.append(record)
        self._enforce_cancel()
        return records

    def _enforce_cancel(self) -> None:
        if self._cancel_at is not None and self.running and time.monotonic() > self._cancel_at:
            self._proc.kill()  # it did not stop in time after the polite request

    def cancel(self, *, grace_s: float = 30.0) -> None:
        """Ask the engine to stop after the current frame (SIGINT; CTRL_BREAK on Windows);
        it is killed if still running ``grace_s`` later (checked by ``poll``/``wait``)."""
        if not self.running:
            return
        self.cancelled = True
        self._cancel_at = time.monotonic() + grace_s
        try:
            if sys.platform == "win32":
                self._proc.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                self._proc.send_signal(signal.SIGINT)
        except OSError:
            pass

    def kill(self) -> None:
        if self.running:
            self._proc.kill()
        self._proc.wait()

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the exit (honouring a pending cancel's grace time) and for all its output to be
        read; returns the exit code. Records stay queued for the next ``poll()``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.running:
            self._enforce_cancel()
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.command, timeout)
            time.sleep(0.02)
        for thread in self._threads:
            thread.join(timeout=5)
        return self._proc.returncode

    def stderr_tail(self) -> list[str]:
        return list(self._stderr)

    def error_line(self) -> str:
        """The engine's own error line (``dreamvideo: error: ...``), else the last stderr line."""
        lines = [line for line in self._stderr if line.strip()]
        for line in reversed(lines):
            if line.startswith("dreamvideo:"):
                return line
        if lines:
            return lines[-1]
        return f"the engine exited with code {self._proc.returncode} and printed no error"

    def _read_stdout(self) -> None:
        for line in self._proc.stdout:
            record = parse_line(line)
            if record is not None:
                self._records.put(record)
        self._proc.stdout.close()

    def _read_stderr(self) -> None:
        for line in self._proc.stderr:
            self._stderr.append(line.rstrip("\n"))
        self._proc.stderr.close()


def check_engine(python: str | Path) -> tuple[bool, str]:
    """Ask ``PYTHON`` for its dreamvideo and TensorFlow versions and device: (ok, e.g.
    ``dreamvideo 0.1.0, TensorFlow 2.21.0, CPU (PATH)``, or the exact problem and what to do)."""
    if not str(python).strip():
        return False, "set the engine's Python interpreter in the add-on preferences (or Install Engine)"
    path = Path(python).expanduser()
    if not path.exists():
        return False, f"no such file: {path}"
    if path.is_dir():
        return False, f"{path} is a folder; choose the python executable (e.g. venv/bin/python)"
    if not os.access(path, os.X_OK):
        return False, f"{path} is not executable"
    try:
        proc = subprocess.run([str(path), "-c", DESCRIBE_CODE], capture_output=True, text=True,
                              timeout=CHECK_TIMEOUT_S, stdin=subprocess.DEVNULL, env=clean_env())
    except subprocess.TimeoutExpired:
        return False, f"{path} did not answer within {CHECK_TIMEOUT_S:.0f} s"
    except OSError as err:
        return False, f"cannot run {path}: {err.strerror or err}"
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        problem = lines[-1] if lines else f"exit code {proc.returncode}"
        hint = ("; press Install Engine, or pip install the engine there"
                if "No module named" in problem else "")
        return False, f"{path}: {problem}{hint}"
    return True, f"{describe(proc.stdout)} ({path})"


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
