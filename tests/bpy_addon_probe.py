"""Exercise the add-on inside Blender (run with the bpy interpreter); results go to a JSON file.

    python tests/bpy_addon_probe.py ZIP OUT.json MODE [--engine PY] [--work DIR] [--preset P]

Set ``BLENDER_USER_RESOURCES`` to an empty folder: the zip is installed there as an extension
(Get Extensions > Install from Disk) and enabled. Modes:

- ``register``: classes, panel, preferences, scene properties; then disable -> all gone.
- ``job``: the test scene with ``style_weight`` keyframed 100 @ frame 1 -> 600 @ frame 6 and
  ``dream_strength`` driven by the frame: the style and dream (EXR output) jobs and their JSON;
  with ``--work`` (a folder of EXR frames) also the Sequencer strip made from it.
- ``run``: the render operator end to end (``bpy.ops.dreamvideo.render()``, blocking) with the
  real engine; records each step's progress, then saves Blender's own display render of the
  start frame for comparison.
- ``cancel``: a Run driven like the modal operator, cancelled once the engine reports a frame.
- ``fade``: Dream with ``dream_strength`` keyframed 0 (frames 1-3) -> 1.5 (frame 6), rendered
  by the operator; Blender's own display renders of every frame saved beside it.
- ``train``: *Train Style Network* on the passes (a tiny training), cancelled at step 2, then
  pressed again (continues from the checkpoint); then Render with the network it set.
- ``install``: *Install Engine* (blocking), into ``--folder`` if given, else the add-on's user
  folder; then *Check*. Reports, the preferences and the log's path.

The ``run`` and ``fade`` modes also save the ``dreamvideo preview`` image's pixels (preview.npy).
"""

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import bpy
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import blender_scene  # noqa: E402  (the test scene, built in code)

MODULE = "bl_ext.user_default.dreamvideo"
TRAIN_STEPS = 300  # the train probe's tiny training (tests/test_blender_addon.py checks it ends there)


@contextlib.contextmanager
def _after_each_step(run_class, record):
    """``record(run)`` after every ``run_class.step`` while the block runs (the operator's own loop)."""
    original_step = run_class.step

    def recording_step(run):
        finished = original_step(run)
        record(run)
        return finished

    run_class.step = recording_step
    try:
        yield
    finally:
        run_class.step = original_step


def install(zip_path):
    result = bpy.ops.extensions.package_install_files(filepath=str(zip_path), repo="user_default",
                                                      enable_on_install=True)
    if result != {"FINISHED"} or MODULE not in bpy.context.preferences.addons:
        raise SystemExit(f"installing {zip_path} failed: {result}")
    return sys.modules[MODULE]


class RecordingLayout:
    """Stands in for UILayout when drawing headless: checks every property and operator drawn."""

    def __init__(self, drawn):
        self.drawn = drawn

    def prop(self, data, name, **_):
        if name not in data.bl_rna.properties:
            raise AttributeError(f"panel draws unknown property {name!r}")
        self.drawn.append(name)

    def operator(self, idname, **_):
        category, name = idname.split(".")
        if not hasattr(getattr(bpy.ops, category), name):
            raise AttributeError(f"panel draws unknown operator {idname!r}")
        self.drawn.append(idname)
        return self

    def __getattr__(self, name):  # row(), column(), box(), label(), separator(), flags ...
        return lambda *args, **kwargs: self

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)


def _draw(cls, context, **attrs):
    """Call ``cls.draw`` on a stand-in with the class's helpers and a recording layout."""
    drawn = []
    helpers = {k: v for k, v in vars(cls).items() if not k.startswith("__") and k != "draw"}
    fake = type("Drawer", (), {**helpers, **attrs, "layout": RecordingLayout(drawn)})()
    cls.draw(fake, context)
    return drawn


def probe_register(addon, args):
    prefs = bpy.context.preferences.addons[MODULE].preferences
    scene = bpy.context.scene
    scene.dreamvideo.style_images.add()
    drawn = {}
    for effect in ("STYLE", "DREAM", "DREAM_ZOOM"):
        scene.dreamvideo.effect = effect
        drawn[effect] = _draw(bpy.types.DREAMVIDEO_PT_main, bpy.context)
    drawn["prefs"] = _draw(type(prefs), bpy.context, bl_rna=prefs.bl_rna)
    # While an install runs, the preferences show its progress and a Cancel button instead.
    install = sys.modules[MODULE + ".install_op"].DREAMVIDEO_OT_install_engine
    install.active = type("Running", (), {"fraction": 0.4, "status": "Install Engine 2/3: ..."})()
    try:
        drawn["prefs_installing"] = _draw(type(prefs), bpy.context, bl_rna=prefs.bl_rna)
        drawn["install_poll"] = bpy.ops.dreamvideo.install_engine.poll()
    finally:
        install.active = None
    scene.dreamvideo.effect = "STYLE"
    train = sys.modules[MODULE + ".train_op"].DREAMVIDEO_OT_train_network
    train.active = type("Training", (), {"fraction": 0.3, "status": "dreamvideo: training step 3/10"})()
    try:
        drawn["STYLE_training"] = _draw(bpy.types.DREAMVIDEO_PT_main, bpy.context)
        drawn["train_poll"] = bpy.ops.dreamvideo.train_network.poll()
    finally:
        train.active = None
    info = {
        "drawn": drawn,
        "classes": [cls.__name__ for cls in addon.CLASSES],
        "panel": hasattr(bpy.types, "DREAMVIDEO_PT_main"),
        "panel_context": bpy.types.DREAMVIDEO_PT_main.bl_context,
        "operators": [op for op in ("render", "check_engine", "style_image_add", "install_engine",
                                    "install_cancel", "open_install_log", "train_network",
                                    "train_cancel")
                      if hasattr(bpy.ops.dreamvideo, op)],
        "prefs": {"engine_python": prefs.engine_python, "cache_dir": prefs.cache_dir},
        "scene_props": sorted(p.identifier for p in bpy.context.scene.dreamvideo.bl_rna.properties
                              if p.identifier not in ("rna_type", "name")),
        "animatable": {name: bpy.context.scene.dreamvideo.bl_rna.properties[name].is_animatable
                       for name in ("style_weight", "dream_strength", "zoom_speed")},
    }
    prefs.engine_python = args.engine or ""
    bpy.ops.dreamvideo.check_engine()  # reports in the log; the result is checked below
    from importlib import import_module

    info["check"] = list(import_module(MODULE + ".engine_process").check_engine(args.engine or ""))
    import addon_utils

    addon_utils.disable(MODULE)
    info["after_disable"] = {"panel": hasattr(bpy.types, "DREAMVIDEO_PT_main"),
                             "scene_prop": hasattr(bpy.types.Scene, "dreamvideo")}
    return info


def _scene(effect):
    scene = bpy.context.scene  # built by main() before the add-on was installed
    scene.dreamvideo.effect = effect
    return scene


def probe_job(addon, args):
    jobs = sys.modules[MODULE + ".job"]
    scene = _scene("STYLE")
    settings = scene.dreamvideo
    for frame, value in ((1, 100.0), (6, 600.0)):
        settings.style_weight = value
        scene.keyframe_insert('dreamvideo.style_weight', frame=frame)
    fcurve = jobs.find_fcurve(scene, "dreamvideo.style_weight")
    for point in fcurve.keyframe_points:
        point.interpolation = "LINEAR"
    for path, weight in (("/tmp/style.png", 1.0), ("/tmp/other style.jpg", 0.25)):
        image = settings.style_images.add()
        image.path, image.weight = path, weight
    settings.use_mask, settings.mask_indices = True, "2, 1"
    job = jobs.build_job(scene, frames="/cache/exr", output="/out/x.mp4", ocio_config="/ocio")
    # A driver needs frame_set: dream_strength = frame / 10 for the dream effect.
    settings.effect = "DREAM"
    settings.dream_steps = 7
    driver = scene.driver_add("dreamvideo.dream_strength").driver
    driver.type, driver.expression = "SCRIPTED", "frame / 10"
    settings.output_format = "EXR"
    dream_job = jobs.build_job(scene, frames="/cache/exr", output=jobs.output_path(scene, "/out"),
                               ocio_config=None)
    # A sound file drives Dream Strength and Zoom Speed of a zoom; the track goes into the MP4.
    settings.effect, settings.output_format = "DREAM_ZOOM", "MP4"
    scene.driver_remove("dreamvideo.dream_strength")
    settings.dream_strength, settings.zoom_speed = 1.0, 0.01
    settings.sound_file, settings.sound_follow, settings.sound_release = "/music/track.wav", "HIGH", 0.1
    settings.sound_strength_peak, settings.sound_zoom, settings.sound_zoom_peak = 2.5, True, 0.04
    scene.frame_current = 3  # a zoom starts at the current frame: 2 frames into the track
    sound_job = jobs.build_job(scene, frames="/cache/exr", output="/out/z.mp4", ocio_config=None)
    settings.sound_zoom_peak = 0.0  # below Zoom Speed: a JobError naming the peak
    try:
        jobs.build_job(scene, frames="/cache/exr", output="/out/z.mp4", ocio_config=None)
        sound_error = None
    except jobs.JobError as err:
        sound_error = str(err)
    scene.frame_current = 1
    strips = []
    if args.work:  # a folder of EXR frames, as the engine writes them: into the Sequencer
        strip_scene = sys.modules[MODULE + ".render_op"].load_into_sequencer(scene, args.work, 1)
        strips = [{"type": s.type, "length": s.frame_final_duration, "files": len(s.elements)}
                  for s in strip_scene.sequence_editor.strips_all]
    return {"job": job, "job_text": jobs.to_json(job), "dream_job": dream_job,
            "dream_text": jobs.to_json(dream_job), "exr_strips": strips,
            "frame_after": scene.frame_current, "overrides": jobs.preset_overrides(job),
            "sound_job": sound_job, "sound_text": jobs.to_json(sound_job), "sound_error": sound_error}


def _configure(scene, args, effect, frames=6):
    prefs = bpy.context.preferences.addons[MODULE].preferences
    prefs.engine_python = args.engine
    prefs.cache_dir = str(Path(args.work) / "cache")
    scene.frame_end = frames
    scene.render.filepath = str(Path(args.work) / "out") + "/"
    scene.render.use_motion_blur = True  # the run must switch it off (and warn)
    scene.view_settings.view_transform = "AgX"
    settings = scene.dreamvideo
    settings.effect = effect
    settings.preset_path = args.preset or ""
    settings.output_format = "PNG"
    settings.output_name = "result"
    return settings


def probe_run(addon, args):
    render_op = sys.modules[MODULE + ".render_op"]
    scene = _scene("DREAM_ZOOM")
    settings = _configure(scene, args, "DREAM_ZOOM")
    settings.dream_strength = 0.0
    scene.frame_set(1)
    steps = []
    started = time.monotonic()
    with _after_each_step(render_op.Run, lambda run: steps.append(
            {"state": run.state, "fraction": run.fraction, "status": run.status})):
        result = bpy.ops.dreamvideo.render()
    restored = {"motion_blur_restored": scene.render.use_motion_blur,
                "file_format_restored": scene.render.image_settings.file_format}
    # Blender's own display render of the start frame, for the colour check (motion blur off,
    # as in the EXRs the run rendered).
    scene.render.use_motion_blur = False
    bpy.ops.render.render()
    scene.render.image_settings.media_type = "IMAGE"
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    display_png = Path(args.work) / "blender_display.png"
    bpy.data.images["Render Result"].save_render(str(display_png), scene=scene)
    preview = _save_preview(Path(args.work) / "preview.npy")
    strip_scene = bpy.data.scenes.get(f"{scene.name}.dreamvideo")
    strips = [] if strip_scene is None else [
        {"name": s.name, "type": s.type, "frame_start": s.frame_start, "length": s.frame_final_duration}
        for s in strip_scene.sequence_editor.strips_all]
    return {
        "result": sorted(result), "seconds": time.monotonic() - started, "steps": steps,
        **restored,
        "output": str(Path(args.work) / "out" / "result"), "display_png": str(display_png),
        "job_file": str(Path(args.work) / "cache" / scene.name / "job.json"),
        "strips": strips, "frames_in_scene": scene.frame_end - scene.frame_start + 1,
        "preview": preview,
    }


def _save_preview(path):
    """The preview image's pixels as uint8 RGB, top row first (as in a PNG), and its frame."""
    image = bpy.data.images.get("dreamvideo preview")
    if image is None:
        return None
    width, height = image.size
    pixels = np.empty(width * height * 4, np.float32)
    image.pixels.foreach_get(pixels)
    rgb = np.rint(pixels.reshape(height, width, 4)[::-1, :, :3] * 255).astype(np.uint8)
    np.save(path, rgb)
    return {"path": str(path), "frame": image.get("dreamvideo_frame"), "size": [width, height]}


def _render_display(scene, frame, path):
    """Blender's own display render of ``frame`` (motion blur off, as in the EXRs)."""
    scene.render.use_motion_blur = False
    scene.frame_set(frame)
    bpy.ops.render.render()
    settings = scene.render.image_settings
    settings.media_type, settings.file_format, settings.color_mode = "IMAGE", "PNG", "RGB"
    bpy.data.images["Render Result"].save_render(str(path), scene=scene)
    return str(path)


def probe_fade(addon, args):
    jobs = sys.modules[MODULE + ".job"]
    scene = _scene("DREAM")
    settings = _configure(scene, args, "DREAM")
    settings.dream_steps = 2
    settings.output_name = "fade"
    for frame, value in ((1, 0.0), (3, 0.0), (6, 1.5)):
        settings.dream_strength = value
        scene.keyframe_insert("dreamvideo.dream_strength", frame=frame)
    for point in jobs.find_fcurve(scene, "dreamvideo.dream_strength").keyframe_points:
        point.interpolation = "LINEAR"
    scene.frame_set(1)
    statuses = []
    render_op = sys.modules[MODULE + ".render_op"]
    with _after_each_step(render_op.Run, lambda run: statuses.append(run.status)):
        result = sorted(bpy.ops.dreamvideo.render())
    display = [_render_display(scene, frame, Path(args.work) / f"display_{frame}.png")
               for frame in range(1, 7)]
    return {"result": result, "output": str(Path(args.work) / "out" / "fade"), "display": display,
            "statuses": statuses, "preview": _save_preview(Path(args.work) / "preview.npy")}


def probe_install(addon, args):
    from importlib import import_module

    prefs = bpy.context.preferences.addons[MODULE].preferences
    prefs.engine_folder = args.folder
    prefs.install_python = args.python
    try:
        result = sorted(bpy.ops.dreamvideo.install_engine())
        error = ""
    except RuntimeError as err:  # an operator's ERROR report, in background mode
        result, error = ["CANCELLED"], str(err)
    install_op = sys.modules[MODULE + ".install_op"]
    check = import_module(MODULE + ".engine_process").check_engine(prefs.engine_python)
    return {"result": result, "error": error, "engine_python": prefs.engine_python,
            "user_folder": str(install_op.user_folder()),
            "install_log": install_op.DREAMVIDEO_OT_install_engine.last_log, "check": list(check)}


def probe_cancel(addon, args):
    render_op = sys.modules[MODULE + ".render_op"]
    scene = _scene("DREAM_ZOOM")
    settings = _configure(scene, args, "DREAM_ZOOM", frames=40)
    settings.dream_strength, settings.dream_steps = 1.0, 20
    settings.output_name = "cancelled"
    run = render_op.Run(bpy.context)
    deadline = time.monotonic() + 240
    cancelled_at = None
    while not run.step() and time.monotonic() < deadline:
        if run.state == "engine" and run.engine.progress.frame >= 1 and cancelled_at is None:
            cancelled_at = run.engine.progress.frame
            run.cancel()
        time.sleep(0.05)
    return {"state": run.state, "message": run.message, "cancelled_at": cancelled_at,
            "last_frame": run.engine.progress.frame if run.engine else None,
            "total": run.engine.progress.total if run.engine else None,
            "returncode": run.engine.returncode if run.engine else None,
            "running": run.engine.running if run.engine else None}


def probe_train(addon, args):
    """Train Style Network on the cached passes: cancelled once the engine reports step 2, then
    pressed again (blocking) to finish from the checkpoint; then Render with the network it set."""
    train_op = sys.modules[MODULE + ".train_op"]
    scene = _scene("STYLE")
    settings = _configure(scene, args, "STYLE", frames=4)
    image = settings.style_images.add()
    image.path = args.style
    # enough steps that the cancel lands mid-training on a fast, idle machine (40 could all run
    # between two polls, and the engine then finished with 0 instead of stopping with 130)
    settings.train_steps, settings.train_size = TRAIN_STEPS, 32
    settings.output_name = "styled"
    scene.frame_set(1)
    run = train_op.TrainRun(bpy.context)
    deadline = time.monotonic() + 300
    cancelled_at, statuses = None, []
    while not run.step() and time.monotonic() < deadline:
        statuses.append(run.status)
        if run.state == "engine" and run.engine.progress.frame >= 2 and cancelled_at is None:
            cancelled_at = run.engine.progress.frame
            run.cancel()
        time.sleep(0.05)
    first = {"state": run.state, "message": run.message, "cancelled_at": cancelled_at,
             "returncode": run.engine.returncode if run.engine else None,
             "checkpoint": (run.network.parent / (run.network.name + ".ckpt.npz")).is_file(),
             "network_after_cancel": settings.style_network, "statuses": statuses,
             "rendered": len(run.todo), "train_steps": TRAIN_STEPS}
    counts = []
    def count_training_step(run):
        if run.state == "engine" and run.engine is not None and run.engine.progress.stage == "train":
            counts.append(run.engine.progress.frame)

    with _after_each_step(train_op.TrainRun, count_training_step):
        result = sorted(bpy.ops.dreamvideo.train_network())
    network = settings.style_network
    rendered = sorted(bpy.ops.dreamvideo.render())
    return {"first": first, "result": result, "counts": counts, "network": network,
            "network_exists": Path(network).is_file(),
            "checkpoint_left": Path(network + ".ckpt.npz").exists(),
            "render": rendered, "output": str(Path(args.work) / "out" / "styled"),
            "job_file": str(Path(args.work) / "cache" / scene.name / "job.json"),
            "train_file": str(Path(args.work) / "cache" / scene.name / "train.json")}


MODES = {"register": probe_register, "train": probe_train, "job": probe_job, "run": probe_run, "cancel": probe_cancel,
         "fade": probe_fade, "install": probe_install}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("zip", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--engine", default="")
    parser.add_argument("--work", default="")
    parser.add_argument("--preset", default="")
    parser.add_argument("--folder", default="")
    parser.add_argument("--python", default="")
    parser.add_argument("--style", default="")
    args = parser.parse_args()
    if args.mode not in ("register", "install"):  # first: loading factory settings would reset the preferences
        blender_scene.build_scene(6, (96, 54), 16)
    addon = install(args.zip)
    args.out.write_text(json.dumps(MODES[args.mode](addon, args), indent=1, default=str))


if __name__ == "__main__":
    main()
