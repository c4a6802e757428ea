"""The production shot inside Blender (run with the bpy interpreter; driven by
``bench/bench_production_shot.py``, which makes the photographs and the add-on zip first).

    python bench/production_shot_bpy.py ZIP WORK --engine PY --style PNG --photos DIR
        [--frames 100] [--size 1920 1080] [--samples 16] [--steps 2000] [--train-size 256]

The scene is ``tests/blender_scene.py``'s (three objects with procedural textures crossing
each other, a moving camera) with real photographs as textures: the back wall and the floor
(scikit-image's ``astronaut`` and ``coffee``, tiled), and a card with ``chelsea`` sliding
across in front of the objects. The add-on (the built zip, installed as an extension) then
does what a user does:

1. *Train Style Network* (``bpy.ops.dreamvideo.train_network``, blocking): it renders the
   frame range's passes into the cache (stage ``passes``), then trains (stage ``train``);
2. *Render with dreamvideo* (``bpy.ops.dreamvideo.render``) with the network it set: the
   cached passes are reused, the engine stylises every frame (stage ``stylise``).

Per stage: wall seconds, CPU seconds (this process's own for ``passes``, Cycles' threads
included; the engine subprocesses' for the others, from ``getrusage(RUSAGE_CHILDREN)``), the
load average at its start and end. Written to ``WORK/stages.json`` as each stage ends.
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import bpy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import blender_scene  # noqa: E402

MODULE = "bl_ext.user_default.dreamvideo"
PHOTOS = {"Wall": ("astronaut.png", 6.0), "Floor": ("coffee.png", 8.0)}  # material: photo, tiles
CARD_PASS_INDEX = 4


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class Clock:
    """Wall and CPU seconds of the stages, written to ``path`` as each one ends."""

    def __init__(self, path: Path) -> None:
        """A re-run keeps the stages of the run before it: passes already cached are timed as
        ``passes_cached`` and do not replace the ``passes`` that rendered them."""
        self.path = path
        self.stages = json.loads(path.read_text()) if path.is_file() else {}
        self._open: dict | None = None

    @property
    def running(self) -> str | None:
        return None if self._open is None else self._open["name"]

    def start(self, name: str, who: int) -> None:
        self._open = {"name": name, "who": who, "wall": time.monotonic(), "cpu": _cpu(who),
                      "load": os.getloadavg()}

    def stop(self, **extra) -> None:
        run = self._open
        if run["name"] == "passes" and extra.get("frames") == 0:
            run["name"] = "passes_cached"
        self.stages[run["name"]] = {
            "wall_s": time.monotonic() - run["wall"], "cpu_s": _cpu(run["who"]) - run["cpu"],
            "cpu_of": "self" if run["who"] == resource.RUSAGE_SELF else "engine subprocess",
            "load_start": run["load"], "load_end": os.getloadavg(), **extra}
        self._open = None
        self.path.write_text(json.dumps(self.stages, indent=1))
        print(f"stage {run['name']}: {self.stages[run['name']]}", flush=True)


def photo_material(name: str, photo: Path, tiles: float):
    """Diffuse + a little emission (as the test scene's materials) of a tiled photograph."""
    mat = bpy.data.materials.new(name)
    mat.cycles.emission_sampling = "NONE"
    nodes, links = mat.node_tree.nodes, mat.node_tree.links
    nodes.clear()
    coords = nodes.new("ShaderNodeTexCoord")
    mapping = nodes.new("ShaderNodeMapping")
    mapping.inputs["Scale"].default_value = (tiles, tiles, 1.0)
    texture = nodes.new("ShaderNodeTexImage")
    texture.image = bpy.data.images.load(str(photo))
    texture.interpolation = "Cubic"
    diffuse = nodes.new("ShaderNodeBsdfDiffuse")
    glow = nodes.new("ShaderNodeEmission")
    glow.inputs["Strength"].default_value = 0.4
    add = nodes.new("ShaderNodeAddShader")
    out = nodes.new("ShaderNodeOutputMaterial")
    links.new(coords.outputs["UV"], mapping.inputs["Vector"])
    links.new(mapping.outputs["Vector"], texture.inputs["Vector"])
    links.new(texture.outputs["Color"], diffuse.inputs["Color"])
    links.new(texture.outputs["Color"], glow.inputs["Color"])
    links.new(diffuse.outputs["BSDF"], add.inputs[0])
    links.new(glow.outputs["Emission"], add.inputs[1])
    links.new(add.outputs["Shader"], out.inputs["Surface"])
    return mat


def build(args):
    """The test scene with photographs on the wall and floor and a photo card crossing."""
    scene = blender_scene.build_scene(args.frames, tuple(args.size), args.samples)
    for name, (photo, tiles) in PHOTOS.items():
        obj = scene.objects[name]
        obj.data.materials[0] = photo_material(name + "Photo", args.photos / photo, tiles)
    bpy.ops.mesh.primitive_plane_add(size=1.0)
    card = bpy.context.active_object
    card.name, card.pass_index = "Card", CARD_PASS_INDEX
    card.scale = (2.4, 1.6, 1.0)  # chelsea is 451 x 300
    card.data.materials.append(photo_material("CardPhoto", args.photos / "chelsea.png", 1.0))
    for frame, x in ((1, -3.2), (args.frames, 3.0)):
        card.location = (x, -2.2, 1.3)
        card.rotation_euler = (1.45, 0.0, 0.25 if frame == 1 else -0.2)
        card.keyframe_insert("location", frame=frame)
        card.keyframe_insert("rotation_euler", frame=frame)
    for fcurve in blender_scene._fcurves(card):
        for point in fcurve.keyframe_points:
            point.interpolation = "LINEAR"
    scene.view_settings.view_transform = "AgX"
    return scene


def install(zip_path: Path):
    result = bpy.ops.extensions.package_install_files(filepath=str(zip_path), repo="user_default",
                                                      enable_on_install=True)
    if result != {"FINISHED"} or MODULE not in bpy.context.preferences.addons:
        raise SystemExit(f"installing {zip_path} failed: {result}")
    return sys.modules[MODULE]


def configure(scene, args):
    prefs = bpy.context.preferences.addons[MODULE].preferences
    prefs.engine_python = args.engine
    prefs.cache_dir = str(args.work / "cache")
    scene.render.filepath = str(args.work / "out") + "/"
    settings = scene.dreamvideo
    settings.effect = "STYLE"
    image = settings.style_images.add()
    image.path = str(args.style)
    settings.train_steps, settings.train_size = args.steps, args.train_size
    settings.output_format = "PNG"
    settings.output_name = "styled"
    scene.frame_set(1)
    return settings


def watch(run_class, clock: Clock, every_s: float = 60.0):
    """Wrap ``run_class.step``: a progress line every ``every_s``; the passes stage ends (and the
    engine's begins) when the run leaves its ``render`` state."""
    original = run_class.step
    last = [0.0]

    def step(run):
        before = run.state
        finished = original(run)
        if before == "render" and run.state != "render" and clock.running == "passes":
            clock.stop(frames=len(run.todo))
            clock.start("train", resource.RUSAGE_CHILDREN)
        if time.monotonic() - last[0] > every_s:
            last[0] = time.monotonic()
            print(time.strftime("%H:%M:%S"), run.status, os.getloadavg(), flush=True)
        return finished

    run_class.step = step
    return original


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("zip", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--engine", required=True)
    parser.add_argument("--style", type=Path, required=True)
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--size", type=int, nargs=2, default=(1920, 1080))
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--train-size", type=int, default=256)
    parser.add_argument("--skip-train", action="store_true",
                        help="use the network already in the cache (stylise only)")
    args = parser.parse_args(sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else None)
    args.work.mkdir(parents=True, exist_ok=True)
    scene = build(args)
    install(args.zip)
    settings = configure(scene, args)
    clock = Clock(args.work / "stages.json")
    train_op = sys.modules[MODULE + ".train_op"]
    render_op = sys.modules[MODULE + ".render_op"]
    if args.skip_train:
        settings.style_network = str(args.work / "cache" / scene.name / train_op.NETWORK_NAME)
    else:
        original = watch(train_op.TrainRun, clock)
        clock.start("passes", resource.RUSAGE_SELF)
        result = bpy.ops.dreamvideo.train_network()
        train_op.TrainRun.step = original
        clock.stop(result=sorted(result), network=settings.style_network)
    original = watch(render_op.Run, clock)
    clock.start("stylise", resource.RUSAGE_CHILDREN)
    result = bpy.ops.dreamvideo.render()
    render_op.Run.step = original
    clock.stop(result=sorted(result), output=str(args.work / "out" / "styled"),
               job=str(args.work / "cache" / scene.name / "job.json"))


if __name__ == "__main__":
    main()
