"""Scene -> engine job: the one place where Blender settings become the engine's preset keys.

:func:`build_job` reads ``scene.dreamvideo`` and the scene's render and colour settings and
returns a plain dict in the engine's preset schema (``effect``, ``source: {blender: ...}``,
``output``, ``style`` / ``dream`` / ``zoom``). Animated properties are baked to a keyframe at
every output frame, ``[{"frame": i, "value": v}, ...]``, where ``i`` counts output frames from 0
(Blender frame ``first + i``); a property the panel's sound file drives becomes the engine's
driven value instead (``{audio: track, band: low, min, max, ...}``, docs/music.md). Nothing here
renders or writes files; the key names live in the tables below. The job is written as JSON
(:func:`to_json`), which the engine reads as a preset.
"""

from __future__ import annotations

import json

EFFECTS = {"STYLE": "style", "DREAM": "dream", "DREAM_ZOOM": "dream_zoom"}
SECTIONS = {"style": ("style",), "dream": ("dream",), "dream_zoom": ("dream", "zoom")}
# panel property -> (job section, job key, panel value -> engine value); baked per frame
ANIMATED = {
    "style_weight": ("style", "style_weight", float),
    "dream_strength": ("dream", "step_size", float),
    "zoom_speed": ("zoom", "scale", lambda speed: 1.0 + speed),
}
# panel property a sound file may drive -> (its switch, its peak property, the peak's label)
SOUND_DRIVEN = {
    "dream_strength": ("sound_strength", "sound_strength_peak", "Peak Strength"),
    "zoom_speed": ("sound_zoom", "sound_zoom_peak", "Peak Zoom Speed"),
}
# panel property -> (job section, job key); constant for the whole job
CONSTANT = {
    "dream_steps": ("dream", "steps"),
}
CODECS = {"MP4": ("h264", ".mp4"), "PNG": ("png", ""), "EXR": ("exr", "")}


class JobError(ValueError):
    """A setting in the panel that cannot make a job; the message is for the user."""


def output_frames(scene) -> range:
    """Blender frames that become output frames: the frame range, or from the current frame
    to the end for Dream Zoom."""
    settings = scene.dreamvideo
    first = scene.frame_current if settings.effect == "DREAM_ZOOM" else scene.frame_start
    first = min(max(first, scene.frame_start), scene.frame_end)
    return range(first, scene.frame_end + 1)


def source_frames(scene) -> range:
    """Blender frames to render for the engine: one (the start image) for Dream Zoom."""
    frames = output_frames(scene)
    return frames[:1] if scene.dreamvideo.effect == "DREAM_ZOOM" else frames


def render_size(scene) -> tuple[int, int]:
    scale = scene.render.resolution_percentage / 100.0
    return (max(1, round(scene.render.resolution_x * scale)),
            max(1, round(scene.render.resolution_y * scale)))


def scene_fps(scene) -> float:
    return scene.render.fps / scene.render.fps_base


def output_path(scene, folder: str) -> str:
    """``folder/<name>.mp4`` or ``folder/<name>`` (a PNG or EXR folder)."""
    settings = scene.dreamvideo
    suffix = CODECS[settings.output_format][1]
    name = (settings.output_name.strip() or "dreamvideo") + suffix
    return folder.rstrip("/\\") + "/" + name


def build_job(scene, *, frames: str, output: str, ocio_config: str | None) -> dict:
    """The engine job for ``scene``; ``frames`` names the rendered EXRs (a folder holding exactly
    them, or one file), ``output`` is the result's path, ``ocio_config`` Blender's ``config.ocio``."""
    settings = scene.dreamvideo
    effect = EFFECTS[settings.effect]
    job = {
        "effect": effect,
        "source": {"blender": _blender_source(scene, frames, ocio_config)},
        "output": {
            "path": output,
            "fps": scene_fps(scene),
            "frames": len(output_frames(scene)),
            "size": list(render_size(scene)),
            "codec": CODECS[settings.output_format][0],
        },
    }
    frames_out = output_frames(scene)
    sections = {name: job.setdefault(name, {}) for name in SECTIONS[effect]}
    for prop, (section, key) in CONSTANT.items():
        if section in sections:
            sections[section][key] = getattr(settings, prop)
    animated = [prop for prop, (section, _, _) in ANIMATED.items() if section in sections]
    baked = bake(scene, animated, frames_out)
    for prop, values in baked.items():
        section, key, convert = ANIMATED[prop]
        sections[section][key] = _convert(values, convert)
    _follow_sound(scene, sections, job["output"])
    if "style" in sections:
        images = [{"path": _abspath(item.path), "weight": _f32(item.weight)}
                  for item in settings.style_images if item.path.strip()]
        network = getattr(settings, "style_network", "").strip()
        if network:  # a network from `dreamvideo train-style`: no style images needed
            sections["style"].update(method="network", network=_abspath(network))
        if images:
            sections["style"]["images"] = images
        elif not network and not settings.preset_path.strip():
            raise JobError("add a style image (Output Properties > dreamvideo > Style Images)")
    return job


def _follow_sound(scene, sections: dict, output: dict) -> None:
    """Values the panel's sound file drives become the engine's driven values
    (``{audio, band|beats, min, max, release, offset}``: the property's own value in silence, its
    peak at the loudest moment); the track goes into an MP4 when asked. The track starts at the
    scene's first frame."""
    settings = scene.dreamvideo
    drivable = [prop for prop in SOUND_DRIVEN if ANIMATED[prop][0] in sections]  # none for style
    if not drivable or not settings.sound_file.strip():
        return
    track = _abspath(settings.sound_file.strip())
    offset = _f32((output_frames(scene).start - scene.frame_start) / scene_fps(scene))
    follow = {"beats": True} if settings.sound_follow == "BEATS" else {"band": settings.sound_follow.lower()}
    for prop in drivable:
        (switch, peak, label), (section, key, convert) = SOUND_DRIVEN[prop], ANIMATED[prop]
        if not getattr(settings, switch):
            continue
        low, high = convert(float(getattr(settings, prop))), convert(float(getattr(settings, peak)))
        if low > high:
            raise JobError(f"{label} ({getattr(settings, peak):g}) is below the value in silence "
                           f"({getattr(settings, prop):g}); raise it")
        sections[section][key] = {"audio": track, **follow, "min": _f32(low), "max": _f32(high),
                                  "release": _f32(settings.sound_release), "offset": offset}
    if settings.sound_in_video and settings.output_format == "MP4":
        output["audio"] = {"path": track, "offset": offset}


def training_job(job: dict) -> dict:
    """The job a style network is trained from: the same source and style settings, without
    ``style.method``/``style.network`` (the network being made)."""
    style = {k: v for k, v in job.get("style", {}).items() if k not in ("method", "network")}
    return {**job, "style": style}


def _blender_source(scene, frames: str, ocio_config: str | None) -> dict:
    settings, view = scene.dreamvideo, scene.view_settings
    source = {
        "frames": frames,
        "view_transform": view.view_transform,
        "look": view.look,
        "exposure": _f32(view.exposure),
        "gamma": _f32(view.gamma),
        "display": scene.display_settings.display_device,
        "fps": scene_fps(scene),
        "frame_start": source_frames(scene).start,
        "flow": "vector",
    }
    if ocio_config:
        source["ocio_config"] = ocio_config
    if settings.use_mask:
        source["mask"] = {"object_indices": parse_indices(settings.mask_indices),
                          "feather_px": _f32(settings.mask_feather)}
    return source


def parse_indices(text: str) -> list[int]:
    """``"1, 3"`` -> ``[1, 3]``; pass indices are whole numbers >= 1."""
    try:
        indices = [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
    except ValueError:
        raise JobError(f"mask pass indices {text!r}: write whole numbers separated by commas, "
                       "e.g. 1, 3") from None
    if not indices or min(indices) < 1:
        raise JobError(f"mask pass indices {text!r}: give at least one index >= 1 (0 is 'no object')")
    return sorted(set(indices))


# ----- baking animated values ------------------------------------------------------------------

def bake(scene, props: list[str], frames: range) -> dict[str, float | list[float]]:
    """Per-frame values of ``scene.dreamvideo.<prop>`` for animated props, the constant value
    for others. Plain F-curves are evaluated directly; drivers and NLA need ``frame_set``."""
    settings = scene.dreamvideo
    result: dict[str, float | list[float]] = {}
    needs_frame_set = []
    for prop in props:
        path = f"dreamvideo.{prop}"
        if _driven_or_nla(scene, path):
            needs_frame_set.append(prop)
        elif (fcurve := find_fcurve(scene, path)) is not None:
            result[prop] = [float(fcurve.evaluate(frame)) for frame in frames]
        else:
            result[prop] = float(getattr(settings, prop))
    if needs_frame_set:
        current = scene.frame_current
        samples = {prop: [] for prop in needs_frame_set}
        try:
            for frame in frames:
                scene.frame_set(frame)
                for prop in needs_frame_set:
                    samples[prop].append(float(getattr(scene.dreamvideo, prop)))
        finally:
            scene.frame_set(current)
        result.update(samples)
    return {prop: result[prop] for prop in props}


def find_fcurve(id_data, data_path: str):
    """The F-curve animating ``data_path`` in the ID's action (Blender 4.4+ slotted actions or
    the older flat list), or None."""
    anim = id_data.animation_data
    if anim is None or anim.action is None:
        return None
    fcurves = getattr(anim.action, "fcurves", None)
    if fcurves is None:
        from bpy_extras import anim_utils

        channelbag = anim_utils.action_get_channelbag_for_slot(anim.action, anim.action_slot)
        fcurves = channelbag.fcurves if channelbag is not None else ()
    return next((fc for fc in fcurves if fc.data_path == data_path), None)


def _driven_or_nla(id_data, data_path: str) -> bool:
    anim = id_data.animation_data
    if anim is None:
        return False
    return any(d.data_path == data_path for d in anim.drivers) or any(
        not track.mute for track in anim.nla_tracks)


def _convert(values, convert):
    if isinstance(values, list):
        return [{"frame": i, "value": _f32(convert(v))} for i, v in enumerate(values)]
    return _f32(convert(values))


def _f32(value: float) -> float:
    """Blender floats are 32-bit: 7 significant digits say all there is (0.2, not 0.200000003)."""
    return float(f"{value:.7g}")


def _abspath(path: str) -> str:
    try:
        import bpy

        return bpy.path.abspath(path)
    except ImportError:  # outside Blender (tests of the pure parts)
        return path


# ----- writing ------------------------------------------------------------------------------

def to_json(job: dict) -> str:
    """The job file's text: the engine reads a ``.json`` file as a preset."""
    return json.dumps(job, indent=2, ensure_ascii=False) + "\n"


def preset_overrides(job: dict) -> list[str]:
    """``--set KEY=VALUE`` items that put the job's values on top of a preset file: whole
    ``effect`` and ``source``; ``output`` and effect sections key by key. Each value is JSON,
    which the engine's ``--set`` reads as YAML (an exponent without a ``.``, ``1e-05``, comes as
    text that the preset's number fields read as that number)."""
    items = [f"effect={_json(job['effect'])}", f"source={_json(job['source'])}"]
    for section, values in job.items():
        if section in ("effect", "source"):
            continue
        items += [f"{section}.{key}={_json(value)}" for key, value in values.items()]
    return items


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)
