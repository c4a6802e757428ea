"""Build the installable zip: ``python blender_addon/build.py [--out DIST]``.

Writes ``DIST/dreamvideo-<version>.zip`` (default ``dist/`` at the repo root) holding one folder,
``dreamvideo_blender/``, with the manifest, the modules and ``engine/dreamvideo-<version>-*.whl``:
the engine built from this repository (``pip wheel --no-deps``), which *Install Engine* installs,
so the engine's version is always the add-on's. Blender 4.2+ installs the zip as an extension
(Get Extensions > Install from Disk), older Blenders as a legacy add-on (it has ``bl_info``).
Runs with any Python 3 that has pip; no Blender needed. Prints the zip's path.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FOLDER = "dreamvideo_blender"
WHEEL_FOLDER = "engine"  # installer.WHEEL_FOLDER
EXCLUDE_NAMES = {"build.py", "__pycache__"}
ENGINE_SOURCES = ("pyproject.toml", "README.md", "dreamvideo")


def manifest_version(manifest: Path = HERE / "blender_manifest.toml") -> str:
    match = re.search(r'^version\s*=\s*"([^"]+)"', manifest.read_text(), re.MULTILINE)
    if match is None:
        raise SystemExit(f"{manifest}: no version = \"...\" line")
    return match.group(1)


def addon_files(source: Path = HERE) -> list[Path]:
    files = [p for p in source.rglob("*") if p.is_file() and p.suffix in (".py", ".toml")]
    return sorted(p for p in files if not EXCLUDE_NAMES & set(p.relative_to(source).parts))


def build_wheel(out_dir: Path, version: str) -> Path:
    """The engine wheel, built from a clean copy of the sources (no stale build/ folder)."""
    with tempfile.TemporaryDirectory() as temp:
        source = Path(temp) / "src"
        source.mkdir()
        for name in ENGINE_SOURCES:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(path, source / name)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                   "-q", "-w", str(out_dir), str(source)]
        # Offline first, with the build tools already here; else pip fetches them.
        proc = subprocess.run(command[:4] + ["--no-build-isolation"] + command[4:],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"building the engine wheel failed:\n{proc.stderr[-2000:]}")
    wheels = sorted(out_dir.glob("dreamvideo-*.whl"))
    if len(wheels) != 1 or not wheels[0].name.startswith(f"dreamvideo-{version}-"):
        raise SystemExit(f"engine wheel {[w.name for w in wheels]} does not match the add-on's "
                         f"version {version} (pyproject.toml and blender_manifest.toml)")
    return wheels[0]


def build(out_dir: Path) -> Path:
    version = manifest_version()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"dreamvideo-{version}.zip"
    with tempfile.TemporaryDirectory() as temp, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in addon_files():
            archive.write(path, f"{FOLDER}/{path.relative_to(HERE).as_posix()}")
        wheel = build_wheel(Path(temp), version)
        archive.write(wheel, f"{FOLDER}/{WHEEL_FOLDER}/{wheel.name}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "dist", help="output folder")
    args = parser.parse_args(argv)
    print(build(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
