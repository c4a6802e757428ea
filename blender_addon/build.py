"""Build the installable zip: ``python blender_addon/build.py [--out DIST]``.

Writes ``DIST/dreamvideo-<version>.zip`` (default ``dist/`` at the repo root) holding one folder,
``dreamvideo_blender/``, with the manifest and the modules. Blender 4.2+ installs it as an
extension (Get Extensions > Install from Disk; a single folder with blender_manifest.toml is
accepted), older Blenders as a legacy add-on (it has ``bl_info``). Runs with any Python 3; no
Blender needed. Prints the zip's path.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FOLDER = "dreamvideo_blender"
EXCLUDE_NAMES = {"build.py", "__pycache__"}


def manifest_version(manifest: Path = HERE / "blender_manifest.toml") -> str:
    match = re.search(r'^version\s*=\s*"([^"]+)"', manifest.read_text(), re.MULTILINE)
    if match is None:
        raise SystemExit(f"{manifest}: no version = \"...\" line")
    return match.group(1)


def addon_files(source: Path = HERE) -> list[Path]:
    files = [p for p in source.rglob("*") if p.is_file() and p.suffix in (".py", ".toml")]
    return sorted(p for p in files if not EXCLUDE_NAMES & set(p.relative_to(source).parts))


def build(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"dreamvideo-{manifest_version()}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in addon_files():
            archive.write(path, f"{FOLDER}/{path.relative_to(HERE).as_posix()}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "dist", help="output folder")
    args = parser.parse_args(argv)
    print(build(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
