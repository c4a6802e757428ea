"""Byte-identical frames before and after a behaviour-preserving change (issue #21's safety net).

A fixed set of tiny renders — every shipped preset (presets/*.yaml) at 96x54 or 64x36 and a few
frames, the zoom presets with ``design_width`` below the render width (refine runs) and the VJ loop
with its cadence, loop and tiles; a style clip with ``passes: 2``; ``style.method: network`` with a
network trained for 5 steps; a segmented farm job (2 segments, ``--workers 2``); two renders of a
Blender source (EXR passes rendered by real bpy, tests/blender_scene.py); the single-picture
``dream`` and ``stylize`` commands and ``dreamvideo.api.dream_frames`` — made through the public
entry points only (``python -m dreamvideo ...`` and ``dreamvideo.api``), so modules may move.

    python bench/identical.py record OUT.json [--work DIR] [--blender-scene DIR] [--only NAME ...]
    python bench/identical.py compare A.json B.json
    python bench/identical.py check --ref COMMIT [--work DIR] [--only NAME ...]

``record`` renders from the checkout in the current folder (run it from a worktree's root: the
venv's .pth puts the current folder's ``dreamvideo`` first; the record names the package it used)
and writes, per render, the sha256 of every output frame's decoded pixels (PNG via OpenCV, EXR via
OpenEXR: container metadata does not count) with the command, preset, overrides and frame count.
``compare`` prints each render as identical or differs (which frames) and exits 1 on any
difference. ``check`` records COMMIT in a temporary ``git worktree`` and the current checkout,
both from the same Blender scene (Cycles' input is not under test), compares, and removes the
worktree. Blender needs ``$DREAMVIDEO_BPY_PYTHON`` (or ``.venv-bpy/bin/python`` at the repo root).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import numpy as np

FORMAT = 1
HERE = Path(__file__).resolve()
SCENE_SCRIPT = HERE.parent.parent / "tests" / "blender_scene.py"
SCENE_FRAMES, SCENE_SIZE, SCENE_SAMPLES = 3, (64, 36), 16
ZOOM = ("output.size=[96,54]", "output.frames=3", "dream.design_width=64", "dream.first_frame_steps=4",
        "dream.steps=2", "dream.refine_steps=1")
VIDEO = ("output.size=[64,36]", "output.frames=3")
STYLE = (*VIDEO, "style.iterations={first: 8, next: 4}")
BLENDER_AGX = ('source={blender: {frames: "{scene}/exr", fps: 24, ocio_config: "{ocio}", view_transform: AgX, '
               'look: "AgX - Punchy", exposure: 0.5, gamma: 1.2, mask: {object_indices: [2], feather_px: 2}}}')
BLENDER_STANDARD = 'source={blender: {frames: "{scene}/exr", fps: 24}}'
API_DREAM_FRAMES = """\
import sys
from pathlib import Path
import cv2
import numpy as np
from dreamvideo import api
out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(5)
base = cv2.resize(rng.integers(0, 255, (9, 16, 3), np.uint8), (80, 45), interpolation=cv2.INTER_CUBIC)
frames = [np.ascontiguousarray(base[2:38, dx:dx + 64]) for dx in (0, 3, 6)]  # a pan, 3 px a frame
for index, frame in enumerate(api.dream_frames(frames, steps=2, first_frame_steps=4, step_size=3.0, octaves=1,
                                                 objective=[{"layer": "block3_conv3"}])):
    cv2.imwrite(str(out / f"{index:06d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
"""


@dataclass(frozen=True)
class Render:
    """One render of the set: ``argv`` after ``python``, with placeholders ``{out}`` (the output
    folder), ``{scene}`` and ``{ocio}`` (the Blender scene) and ``{network}``; ``preset`` the shipped
    preset it starts from and ``overrides`` its ``--set`` items (both recorded as metadata)."""

    name: str
    argv: tuple[str, ...]
    preset: str | None = None
    overrides: tuple[str, ...] = ()
    frames: int = 0
    needs: tuple[str, ...] = field(default=())


def preset_render(name: str, preset: str, overrides: tuple[str, ...], frames: int, *,
                  extra: tuple[str, ...] = (), needs: tuple[str, ...] = ()) -> Render:
    """``dreamvideo render presets/PRESET.yaml`` to a PNG (or EXR) folder with ``overrides``."""
    items = ("output.path={out}", *(() if any(o.startswith("output.codec") for o in overrides)
                                    else ("output.codec=png",)), *overrides)
    argv = ("-m", "dreamvideo", "render", f"presets/{preset}.yaml", "--quiet", "--overwrite", *extra,
            *(arg for item in items for arg in ("--set", item)))
    return Render(name, argv, f"presets/{preset}.yaml", items, frames, needs)


def render_set() -> list[Render]:
    """The fixed set, in the order it is rendered."""
    return [
        preset_render("quickstart", "quickstart", ZOOM, 3),
        preset_render("preview", "preview", ZOOM, 3),
        preset_render("guide_dream", "guide_dream", ZOOM, 3),
        preset_render("spiral_zoom", "spiral_zoom", ZOOM, 3),
        preset_render("zoom_out", "zoom_out", (*ZOOM, "zoom.border_steps=1"), 3),
        preset_render("vj_loop_1080p", "vj_loop_1080p",
                      ("output.size=[96,54]", "output.frames=6", "output.loop_frames=2", "dream.design_width=48",
                       "dream.first_frame_steps=4", "dream.steps=2", "dream.refine_steps=1", "dream.tile_size=64"), 6),
        preset_render("dream_video", "dream_video", (*VIDEO, "dream.first_frame_steps=4", "dream.steps=2"), 3),
        preset_render("style_video", "style_video", STYLE, 3),
        preset_render("style_passes2", "style_video", (*STYLE, "style.passes=2"), 3),
        preset_render("style_network", "style_video", (*VIDEO, "style.method=network", "style.network={network}"),
                      3, needs=("network",)),
        preset_render("farm_segments", "style_video",
                      ("output.size=[64,36]", "output.frames=4", "style.iterations={first: 8, next: 4}",
                       "segments={frames: 2, overlap: 1}"), 4, extra=("--workers", "2")),
        preset_render("blender_dream_agx_mask", "dream_video",
                      (BLENDER_AGX, "output.frames=3", "dream.first_frame_steps=4", "dream.steps=2", "dream.octaves=1"),
                      3, needs=("scene",)),
        preset_render("blender_style_exr", "style_video",
                      (BLENDER_STANDARD, "output.frames=3", "output.codec=exr", "style.iterations={first: 8, next: 4}",
                       "style.resolutions=1"), 3, needs=("scene",)),
        Render("single_dream", ("-m", "dreamvideo", "dream", "presets/assets/source_candy.png", "-o", "{out}/000000.png",
                                "--size", "64x36", "--preset", "presets/zoom_out.yaml", "--set", "dream.steps=4",
                                "--overwrite"), "presets/zoom_out.yaml", ("dream.steps=4",), 1),
        Render("single_stylize", ("-m", "dreamvideo", "stylize", "presets/assets/source_lagoon.png",
                                  "presets/assets/strokes.png", "-o", "{out}/000000.png", "--size", "64x36",
                                  "--set", "style.iterations.first=8", "--overwrite"),
               None, ("style.iterations.first=8",), 1),
        Render("api_dream_frames", ("-c", API_DREAM_FRAMES, "{out}"), None, (), 3),
    ]


def fail(message: str) -> NoReturn:
    """Bad input: one line, exit 2."""
    print(f"identical.py: {message}", file=sys.stderr)
    raise SystemExit(2)


# ----- hashing ---------------------------------------------------------------------------------

def frame_digest(path: Path) -> str:
    """sha256 of a frame's decoded pixels (shape, dtype and values; PNG or EXR)."""
    pixels = read_exr(path) if path.suffix == ".exr" else read_png(path)
    digest = hashlib.sha256(f"{pixels.shape} {pixels.dtype}".encode())
    digest.update(np.ascontiguousarray(pixels).tobytes())
    return digest.hexdigest()


def read_png(path: Path) -> np.ndarray:
    import cv2

    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise ValueError(f"{path}: not a readable image")
    return pixels


def read_exr(path: Path) -> np.ndarray:
    """Every channel of every part, stacked in name order."""
    import OpenEXR

    with OpenEXR.File(str(path), separate_channels=True) as exr:
        channels = {f"{number}.{name}": channel.pixels for number, part in enumerate(exr.parts)
                    for name, channel in part.channels.items()}
    return np.stack([channels[name] for name in sorted(channels)])


def folder_digests(folder: Path) -> dict[str, str]:
    """File name -> pixel digest of every frame (PNG, EXR) in ``folder``."""
    frames = sorted(p for p in folder.iterdir() if p.suffix in (".png", ".exr") and not p.name.startswith("."))
    return {p.name: frame_digest(p) for p in frames}


# ----- record ----------------------------------------------------------------------------------

def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv: list[str], cwd: Path, timeout: float = 1200) -> tuple[str | None, float]:
    """Run a command; (its error tail or None, CPU seconds it used)."""
    start = children_cpu()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0"}
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    cpu = children_cpu() - start
    if proc.returncode == 0:
        return None, cpu
    tail = (proc.stdout + proc.stderr).strip().splitlines()[-12:]
    return f"exit {proc.returncode}: " + "\n".join(tail), cpu


def bpy_python() -> Path:
    """The Blender-as-a-module interpreter: $DREAMVIDEO_BPY_PYTHON, else .venv-bpy at a checkout."""
    env = os.environ.get("DREAMVIDEO_BPY_PYTHON")
    candidates = [Path(env)] if env else [root / ".venv-bpy" / "bin" / "python" for root in (Path.cwd(), main_root())]
    for path in candidates:
        if path.is_file():
            return path
    fail(f"no bpy interpreter ({', '.join(map(str, candidates))}); "
                     "set DREAMVIDEO_BPY_PYTHON=/path/to/.venv-bpy/bin/python")


def main_root() -> Path:
    """The main worktree of the repository in the current folder."""
    common = git(["rev-parse", "--path-format=absolute", "--git-common-dir"], Path.cwd())
    return Path(common).parent


def render_scene(folder: Path) -> Path:
    """Render the Blender test scene (3 frames, 64x36) into ``folder`` unless it is there."""
    if not (folder / "scene.json").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        width, height = SCENE_SIZE
        error, _ = run([str(bpy_python()), str(SCENE_SCRIPT), str(folder), "--frames", str(SCENE_FRAMES),
                        "--size", str(width), str(height), "--samples", str(SCENE_SAMPLES)], cwd=HERE.parent)
        if error:
            fail(f"tests/blender_scene.py failed: {error}")
    return folder


def train_network(work: Path, scene: Path, checkout: Path) -> tuple[Path, str | None, float]:
    """``train-style`` for 5 steps on the Blender scene's EXR frames (the network ``style_network`` uses)."""
    network = work / "network.keras"
    error, cpu = run([sys.executable, "-m", "dreamvideo", "train-style", "presets/assets/strokes.png",
                      "--content", str(scene / "exr"), "-o", str(network), "--size", "32", "--steps", "5",
                      "--preset", "presets/style_video.yaml", "--progress", "none", "--overwrite"], cwd=checkout)
    return network, error, cpu


def record_render(render: Render, places: dict[str, str], checkout: Path) -> dict:
    """Run one render of the set; its metadata and per-frame digests (or its error)."""
    out = Path(places["work"]) / render.name
    shutil.rmtree(out, ignore_errors=True)
    if render.argv[:3] != ("-m", "dreamvideo", "render"):  # the others write files into it
        out.mkdir(parents=True)
    values = {**places, "out": str(out)}
    argv = [sys.executable, *(fill(arg, values) for arg in render.argv)]
    started = time.monotonic()
    error, cpu = run(argv, cwd=checkout)
    entry = {"command": ["python", *render.argv], "preset": render.preset, "overrides": list(render.overrides),
             "frames": render.frames, "cpu_s": round(cpu, 1), "wall_s": round(time.monotonic() - started, 1)}
    if render.preset:
        entry["preset_sha256"] = hashlib.sha256((checkout / render.preset).read_bytes()).hexdigest()
    if error is None and out.is_dir():
        entry["digests"] = folder_digests(out)
    else:
        entry["error"] = error or f"no output folder {out}"
    return entry


def fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def git(args: list[str], cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def package_location(checkout: Path) -> str:
    """Where ``import dreamvideo`` resolves from ``checkout`` (it must be that checkout's)."""
    found = subprocess.run([sys.executable, "-c", "import dreamvideo; print(dreamvideo.__file__)"], cwd=checkout,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not Path(found).resolve().is_relative_to(checkout.resolve()):
        fail(f"dreamvideo imports from {found}, not from {checkout}: run from the "
                         "checkout's root with the venv whose .pth puts the current folder first")
    return found


def record(out_json: Path, work: Path, scene: Path | None, renders: list[Render]) -> int:
    """Render ``renders`` from the checkout in the current folder; write the digests to ``out_json``."""
    checkout = Path.cwd()
    work.mkdir(parents=True, exist_ok=True)
    result = {"format": FORMAT, "commit": git(["rev-parse", "HEAD"], checkout),
              "dirty": bool(git(["status", "--porcelain", "--untracked-files=no"], checkout)),
              "dreamvideo": package_location(checkout), "renders": {}, "inputs": {}}
    places = {"work": str(work)}
    if any(r.needs for r in renders):
        scene = render_scene(scene or work / "blender_scene")
        places.update(scene=str(scene), ocio=json.loads((scene / "scene.json").read_text())["ocio_config"])
        result["inputs"]["blender_scene"] = folder_digests(scene / "exr")
    if any("network" in r.needs for r in renders):
        network, error, cpu = train_network(work, scene, checkout)
        places["network"] = str(network)
        result["inputs"]["train_style"] = {"cpu_s": round(cpu, 1), **({"error": error} if error else {})}
    for render in renders:
        print(f"[{time.strftime('%H:%M:%S')}] {render.name}", file=sys.stderr, flush=True)
        result["renders"][render.name] = record_render(render, places, checkout)
        entry = result["renders"][render.name]
        print(f"    {entry.get('error') or str(len(entry['digests'])) + ' frames'}, {entry['cpu_s']} CPU-s",
              file=sys.stderr, flush=True)
    result["cpu_s"] = round(sum(e["cpu_s"] for e in result["renders"].values())
                            + result["inputs"].get("train_style", {}).get("cpu_s", 0), 1)
    out_json.write_text(json.dumps(result, indent=1) + "\n")
    failed = [name for name, entry in result["renders"].items() if "error" in entry]
    print(f"wrote {out_json}: {len(renders)} renders, {result['cpu_s']} CPU-s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""), file=sys.stderr)
    return 1 if failed else 0


# ----- compare ---------------------------------------------------------------------------------

def render_verdict(a: dict | None, b: dict | None) -> str | None:
    """None if the two recordings of a render agree, else why not."""
    if a is None or b is None:
        return f"only in {'B' if a is None else 'A'}"
    for side, entry in (("A", a), ("B", b)):
        if "error" in entry:
            return f"failed in {side}: {entry['error'].splitlines()[0]}"
    da, db = a["digests"], b["digests"]
    if list(da) != list(db):
        return f"frames {list(da)} vs {list(db)}"
    changed = [name for name in da if da[name] != db[name]]
    return f"frames {', '.join(changed)} (of {len(da)})" if changed else None


def compare(a_path: Path, b_path: Path) -> int:
    """Print each render as identical / differs; 1 on any difference."""
    a, b = (load_record(p) for p in (a_path, b_path))
    print(f"A: {a_path} ({a['commit'][:10]}{' dirty' if a['dirty'] else ''})\n"
          f"B: {b_path} ({b['commit'][:10]}{' dirty' if b['dirty'] else ''})")
    differences = 0
    scenes = [record["inputs"].get("blender_scene") for record in (a, b)]
    if None not in scenes and scenes[0] != scenes[1]:
        print("inputs: the Blender scenes differ (record both with the same --blender-scene)")
        differences += 1
    for name in dict.fromkeys([*a["renders"], *b["renders"]]):
        verdict = render_verdict(a["renders"].get(name), b["renders"].get(name))
        differences += verdict is not None
        frames = len(a["renders"].get(name, {}).get("digests", ()))
        print(f"{name:24s} " + (f"identical ({frames} frame{'s' * (frames != 1)})" if verdict is None else f"DIFFERS: {verdict}"))
    print("all identical" if not differences else f"{differences} difference(s)")
    return 1 if differences else 0


def load_record(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        fail(f"{path}: not a record ({err})")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        fail(f"{path}: not a record of format {FORMAT}")
    return data


# ----- check -----------------------------------------------------------------------------------

def check(ref: str, work: Path, renders: list[Render]) -> int:
    """Record ``ref`` in a temporary worktree and the current checkout from one Blender scene; compare."""
    here = Path.cwd()
    try:
        commit = git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], here)
    except subprocess.CalledProcessError:
        fail(f"--ref {ref}: not a commit of {here}")
    work.mkdir(parents=True, exist_ok=True)
    tree = Path(tempfile.mkdtemp(prefix="identical-ref-", dir=work))
    git(["worktree", "add", "--detach", str(tree), commit], here)
    try:
        scene = render_scene(work / "blender_scene") if any(r.needs for r in renders) else None
        options = [*(["--blender-scene", str(scene)] if scene else []), "--only", *(r.name for r in renders)]
        for label, checkout in (("ref", tree), ("here", here)):
            subprocess.run([sys.executable, str(HERE), "record", str(work / f"{label}.json"),
                            "--work", str(work / label), *options], cwd=checkout, check=False)
        return compare(work / "ref.json", work / "here.json")
    finally:
        git(["worktree", "remove", "--force", str(tree)], here)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="render the set from the checkout here; write digests")
    rec.add_argument("out", type=Path)
    rec.add_argument("--blender-scene", type=Path, help="a rendered tests/blender_scene.py folder to reuse")
    cmp_ = commands.add_parser("compare", help="identical / differs per render; exit 1 on a difference")
    cmp_.add_argument("a", type=Path)
    cmp_.add_argument("b", type=Path)
    chk = commands.add_parser("check", help="record COMMIT in a temporary worktree and here; compare")
    chk.add_argument("--ref", required=True, help="commit (or branch) to compare against")
    for sub in (rec, chk):
        sub.add_argument("--work", type=Path, help="folder for outputs (default: a temporary folder)")
        sub.add_argument("--only", nargs="+", default=[], metavar="NAME", help="only these renders")
    return parser


def selected(only: list[str]) -> list[Render]:
    """The renders ``--only`` names (all without it), in the set's order."""
    unknown = set(only) - {render.name for render in render_set()}
    if unknown:
        fail(f"--only: no render named {', '.join(sorted(unknown))}")
    return [render for render in render_set() if not only or render.name in only]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "compare":
        return compare(args.a, args.b)
    if not (Path.cwd() / "dreamvideo" / "__init__.py").is_file():
        fail(f"run from a checkout's root (no dreamvideo/ in {Path.cwd()})")
    renders = selected(args.only)
    with tempfile.TemporaryDirectory(prefix="identical-") as temporary:
        work = (args.work or Path(temporary)).resolve()
        if args.command == "record":
            return record(args.out.resolve(), work, args.blender_scene and args.blender_scene.resolve(), renders)
        return check(args.ref, work, renders)


if __name__ == "__main__":
    sys.exit(main())
