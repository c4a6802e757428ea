"""Files around a run (bpy, no operator state): the EXR renders and their cache, the output
folder, Blender's OCIO config, the engine's environment, and the result as a Sequencer strip."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import bpy

from . import job as jobs
from .properties import DEFAULT_CACHE

EXR_NAME = "frame_{:04d}.exr"


def render_exr(scene, frame: int, folder: Path) -> Path:
    """Render ``frame`` and save all passes as a multi-part EXR (scene settings already set)."""
    scene.frame_set(frame)
    bpy.ops.render.render()
    path = folder / EXR_NAME.format(frame)
    bpy.data.images["Render Result"].save_render(str(path), scene=scene)
    return path


def render_stamp(scene) -> str:
    """What cached EXRs depend on besides the scene content: size, engine, mask pass."""
    return json.dumps({"size": list(jobs.render_size(scene)), "engine": scene.render.engine,
                       "object_index": scene.dreamvideo.use_mask}, sort_keys=True)


def cache_folder(scene, cache_dir: str) -> Path:
    """``<cache>/<scene name>``; ``//`` paths need a saved .blend, else the temp folder."""
    cache_dir = cache_dir.strip() or DEFAULT_CACHE
    if cache_dir.startswith("//") and not bpy.data.filepath:
        root = Path(tempfile.gettempdir()) / "dreamvideo_cache"
    else:
        root = Path(bpy.path.abspath(cache_dir))
    return root / _safe_name(scene.name)


def output_folder(scene) -> str:
    """The folder of the scene's output path (Output Properties > Output)."""
    path = bpy.path.abspath(scene.render.filepath or "//")
    if path.startswith("//"):  # unsaved file: relative paths have no base
        path = os.path.join(tempfile.gettempdir(), path[2:])
    folder = path if path.endswith(("/", "\\")) else os.path.dirname(path)
    os.makedirs(folder or ".", exist_ok=True)
    return folder.rstrip("/\\") or "/"


def ocio_config_path() -> str | None:
    """The OCIO config this Blender uses: $OCIO, else its bundled config.ocio."""
    if os.environ.get("OCIO"):
        return os.environ["OCIO"]
    for kind in ("LOCAL", "SYSTEM"):
        root = bpy.utils.resource_path(kind)
        path = os.path.join(root, "datafiles", "colormanagement", "config.ocio") if root else ""
        if path and os.path.isfile(path):
            return path
    return None


def engine_environment() -> dict[str, str]:
    """Blender's environment without its Python settings, which must not leak into the engine."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}


def load_into_sequencer(scene, output: str, frame_start: int):
    """Add the result as a strip to the sequencer of scene '<name>.dreamvideo' (made if needed,
    so the user's own scene keeps rendering its 3D view); returns that scene."""
    name = f"{scene.name}.dreamvideo"
    target = bpy.data.scenes.get(name) or bpy.data.scenes.new(name)
    for attr in ("fps", "fps_base", "resolution_x", "resolution_y", "resolution_percentage"):
        setattr(target.render, attr, getattr(scene.render, attr))
    editor = target.sequence_editor or target.sequence_editor_create()
    strips = editor.strips if hasattr(editor, "strips") else editor.sequences
    every = editor.strips_all if hasattr(editor, "strips_all") else editor.sequences_all
    channel = 1 + max((strip.channel for strip in every), default=0)
    label = Path(output).name or "dreamvideo"
    if os.path.isdir(output):
        files = sorted(f for f in os.listdir(output) if f.lower().endswith((".png", ".exr")))
        strip = strips.new_image(label, os.path.join(output, files[0]), channel, frame_start)
        for file in files[1:]:
            strip.elements.append(file)
    else:
        strip = strips.new_movie(label, output, channel, frame_start)
    target.frame_start = frame_start
    target.frame_end = max(target.frame_end, strip.frame_final_end - 1)
    return target


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scene"
