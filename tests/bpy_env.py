"""Where the Blender-as-a-module interpreter is, and how tests run scripts in it.

TensorFlow never goes into Blender's Python, so Blender tests run in the engine venv and start
the bpy interpreter as a subprocess. It is, in order: ``$DREAMVIDEO_BPY_PYTHON``;
``.venv-bpy/bin/python`` at the repo root (made by the CI script); ``/work/bpyvenv/bin/python``.
Without one the tests skip, unless ``DREAMVIDEO_REQUIRE_BPY`` is set (CI): then they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV_VAR = "DREAMVIDEO_BPY_PYTHON"
DEFAULTS = (ROOT / ".venv-bpy" / "bin" / "python", Path("/work/bpyvenv/bin/python"))


def find_bpy_python() -> tuple[Path | None, str]:
    """(interpreter, reason it is missing)."""
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        return (path, "") if path.is_file() else (None, f"{ENV_VAR}={env} does not exist")
    for path in DEFAULTS:
        if path.is_file():
            return path, ""
    return None, (f"no bpy interpreter: set {ENV_VAR} or create {DEFAULTS[0]} "
                  "(python3.11 -m venv .venv-bpy && .venv-bpy/bin/pip install bpy==5.0.1)")


BPY_PYTHON, MISSING = find_bpy_python()
REQUIRED = bool(os.environ.get("DREAMVIDEO_REQUIRE_BPY"))  # CI: a missing bpy fails, not skips
skip_without_bpy = pytest.mark.skipif(BPY_PYTHON is None and not REQUIRED, reason=MISSING)
requires_bpy = [pytest.mark.blender, skip_without_bpy]


def run_bpy(*args: str | Path, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``BPY_PYTHON args...`` from the repo root; fail the test with its stderr tail."""
    if BPY_PYTHON is None:
        pytest.fail(MISSING)
    proc = subprocess.run([str(BPY_PYTHON), *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        pytest.fail(f"{Path(str(args[0])).name} failed (exit {proc.returncode}):\n{tail}")
    return proc


def engine_python() -> str:
    """The interpreter running the tests: it has dreamvideo installed."""
    return sys.executable


def render_test_scene(tmp_path_factory) -> dict:
    """The test scene (tests/blender_scene.py) rendered once per session, shared by every test
    module that asks: its ``scene.json`` with ``dir``, the folder holding ``exr/`` and the PNGs."""
    out = tmp_path_factory.getbasetemp() / "blender_render"
    if not (out / "scene.json").is_file():  # written last: its presence means a full render
        out.mkdir(exist_ok=True)
        run_bpy(ROOT / "tests" / "blender_scene.py", out)
    info = json.loads((out / "scene.json").read_text())
    info["dir"] = out
    return info
