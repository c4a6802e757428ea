"""Build and render the Blender test scene (run with the bpy interpreter, not the engine venv).

    .venv-bpy/bin/python tests/blender_scene.py OUT_DIR [--frames 6] [--size 96 54]

A textured floor and back wall, three textured objects moving with distinct ``pass_index``
(1 cube, 2 sphere, 3 cone) and a panning camera. Cycles on the CPU, tiny, noise-free enough
for flow tests: direct light only (a sharp sun, no bounces) plus some emission, so every
surface looks the same from frame to frame. For each frame it writes

    OUT_DIR/exr/frame_0001.exr        multi-part EXR: Combined, Vector, Depth, IndexOB
    OUT_DIR/standard/frame_0001.png   Blender's own display render, view transform Standard
    OUT_DIR/agx/frame_0001.png        the same render, view transform AgX
    OUT_DIR/agx_graded/...            AgX with look Punchy, exposure 0.5, gamma 1.2

and ``OUT_DIR/scene.json`` (frames, size, fps, object pass indices, the view settings of each
PNG folder, Blender's OCIO config path, and ``tracks``: the projected pixel position of one
surface point per object in every frame, the geometric ground truth for the Vector pass).
"""

import argparse
import json
import math
import sys
from pathlib import Path

import bpy
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Vector

OBJECTS = {  # name: (pass_index, start location, end location, colours, emission)
    "Cube": (1, (-1.6, 0.0, 0.8), (-0.6, 0.3, 1.0), ((0.8, 0.2, 0.1), (0.9, 0.8, 0.2)), 0.4),
    "Sphere": (2, (1.4, 0.6, 0.9), (0.6, 0.2, 1.2), ((0.1, 0.3, 0.9), (0.9, 0.9, 0.9)), 3.0),
    "Cone": (3, (0.3, -1.2, 0.7), (1.2, -1.0, 0.7), ((0.1, 0.7, 0.2), (0.05, 0.05, 0.1)), 0.2),
}

DISPLAYS = {  # PNG folder: Blender view settings
    "standard": {"view_transform": "Standard", "look": "None", "exposure": 0.0, "gamma": 1.0},
    "agx": {"view_transform": "AgX", "look": "None", "exposure": 0.0, "gamma": 1.0},
    "agx_graded": {"view_transform": "AgX", "look": "AgX - Punchy", "exposure": 0.5, "gamma": 1.2},
}


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--size", type=int, nargs=2, default=(96, 54), metavar=("W", "H"))
    parser.add_argument("--samples", type=int, default=64)
    return parser.parse_args(argv)


def _material(name, colour_a, colour_b, emission, scale=6.0):
    """Diffuse + emission with a checker/noise texture in object space (moves with the object)."""
    mat = bpy.data.materials.new(name)
    mat.cycles.emission_sampling = "NONE"  # emission shows, but lights nothing: no sampling noise
    nodes, links = mat.node_tree.nodes, mat.node_tree.links
    nodes.clear()
    coords = nodes.new("ShaderNodeTexCoord")
    checker = nodes.new("ShaderNodeTexChecker")
    checker.inputs["Scale"].default_value = scale
    checker.inputs["Color1"].default_value = (*colour_a, 1.0)
    checker.inputs["Color2"].default_value = (*colour_b, 1.0)
    noise = nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = scale * 0.8
    mix = nodes.new("ShaderNodeMix")
    mix.data_type = "RGBA"
    mix.blend_type = "MULTIPLY"
    mix.inputs["Factor"].default_value = 0.6
    diffuse = nodes.new("ShaderNodeBsdfDiffuse")
    glow = nodes.new("ShaderNodeEmission")
    glow.inputs["Strength"].default_value = emission
    add = nodes.new("ShaderNodeAddShader")
    out = nodes.new("ShaderNodeOutputMaterial")
    links.new(coords.outputs["Object"], checker.inputs["Vector"])
    links.new(coords.outputs["Object"], noise.inputs["Vector"])
    links.new(checker.outputs["Color"], mix.inputs["A"])
    links.new(noise.outputs["Color"], mix.inputs["B"])
    links.new(mix.outputs["Result"], diffuse.inputs["Color"])
    links.new(mix.outputs["Result"], glow.inputs["Color"])
    links.new(diffuse.outputs["BSDF"], add.inputs[0])
    links.new(glow.outputs["Emission"], add.inputs[1])
    links.new(add.outputs["Shader"], out.inputs["Surface"])
    return mat


def _add(primitive, name, material, **kwargs):
    primitive(**kwargs)
    obj = bpy.context.active_object
    obj.name = name
    obj.data.materials.append(material)
    return obj


def _keyframe(obj, frame_start, frame_end, start, end, spin=0.0):
    for frame, location, angle in ((frame_start, start, 0.0), (frame_end, end, spin)):
        obj.location = location
        obj.rotation_euler = (0.0, 0.0, angle)
        obj.keyframe_insert("location", frame=frame)
        obj.keyframe_insert("rotation_euler", frame=frame)
    for fcurve in _fcurves(obj):
        for point in fcurve.keyframe_points:
            point.interpolation = "LINEAR"


def _fcurves(obj):
    """F-curves of an object's action (Blender 5 layered actions, or the legacy list)."""
    action = obj.animation_data.action
    if hasattr(action, "fcurves"):
        return list(action.fcurves)
    slot = obj.animation_data.action_slot
    return [fc for layer in action.layers for strip in layer.strips
            for fc in strip.channelbag(slot).fcurves]


def build_scene(frames, size, samples):
    """Build the whole scene in the current (empty) file; returns it."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, frames
    scene.render.fps = 24
    scene.render.resolution_x, scene.render.resolution_y = size
    scene.render.resolution_percentage = 100
    scene.render.engine = "CYCLES"
    scene.render.use_motion_blur = False
    scene.render.dither_intensity = 0.0
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    scene.cycles.use_adaptive_sampling = False
    scene.cycles.use_denoising = False
    scene.cycles.max_bounces = 0
    scene.cycles.seed = 1
    scene.world = bpy.data.worlds.new("World")
    scene.world.color = (0.0, 0.0, 0.0)

    view_layer = scene.view_layers[0]
    view_layer.use_pass_combined = True
    view_layer.use_pass_vector = True
    view_layer.use_pass_z = True
    view_layer.use_pass_object_index = True

    floor = _material("Floor", (0.5, 0.5, 0.45), (0.15, 0.15, 0.2), 0.3, scale=1.5)
    wall = _material("Wall", (0.6, 0.4, 0.3), (0.2, 0.25, 0.3), 0.3, scale=1.5)
    _add(bpy.ops.mesh.primitive_plane_add, "Floor", floor, size=30.0)
    _add(bpy.ops.mesh.primitive_plane_add, "Wall", wall, size=30.0,
         location=(0.0, 6.0, 0.0), rotation=(math.pi / 2, 0.0, 0.0))
    makers = {"Cube": (bpy.ops.mesh.primitive_cube_add, {"size": 1.2}),
              "Sphere": (bpy.ops.mesh.primitive_uv_sphere_add, {"radius": 0.7}),
              "Cone": (bpy.ops.mesh.primitive_cone_add, {"radius1": 0.6, "depth": 1.4})}
    for name, (index, start, end, colours, emission) in OBJECTS.items():
        primitive, kwargs = makers[name]
        obj = _add(primitive, name, _material(name, *colours, emission), **kwargs)
        obj.pass_index = index
        _keyframe(obj, 1, frames, start, end, spin=0.5)

    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    sun.data.energy = 3.0
    sun.data.angle = 0.0
    sun.rotation_euler = (math.radians(50), math.radians(10), math.radians(30))
    scene.collection.objects.link(sun)

    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.data.lens = 30.0
    scene.collection.objects.link(camera)
    scene.camera = camera
    camera.rotation_euler = (math.radians(72), 0.0, 0.0)
    for frame, x, z in ((1, -0.4, 2.4), (frames, 0.4, 3.4)):
        camera.location = (x, -8.0, z)
        camera.keyframe_insert("location", frame=frame)
    for fcurve in _fcurves(camera):
        for point in fcurve.keyframe_points:
            point.interpolation = "LINEAR"
    return scene


def _front_point(obj):
    """Local centre of the face that looks most towards the camera (-y): a point inside the
    object's silhouette whose image motion is the motion of the surface there."""
    face = min(obj.data.polygons, key=lambda poly: poly.normal.y)
    return face.center.copy()


TRACKED_POINTS = {"Floor": (2.0, 0.0, 0.0), "Wall": (-2.5, 6.0, 1.8)}  # world coordinates


def _track(scene, frames):
    """Pixel position (x right, y down, pixel centres at integer + 0.5) of one surface point
    per object in every frame: the ground truth for the Vector pass."""
    width, height = scene.render.resolution_x, scene.render.resolution_y
    tracks = {}
    for frame in range(1, frames + 1):
        scene.frame_set(frame)
        points = {name: Vector(co) for name, co in TRACKED_POINTS.items()}
        for name in OBJECTS:
            obj = scene.objects[name]
            points[name] = obj.matrix_world @ _front_point(obj)
        for name, world in points.items():
            ndc = world_to_camera_view(scene, scene.camera, world)
            tracks.setdefault(name, []).append([ndc.x * width, (1.0 - ndc.y) * height])
    return tracks


def _save(image, scene, path, view=None):
    """Save the render result: multilayer EXR (``view`` None) or an 8-bit PNG with ``view``."""
    settings = scene.render.image_settings
    if view is None:
        settings.media_type = "MULTI_LAYER_IMAGE"
        settings.file_format = "OPEN_EXR_MULTILAYER"
        settings.color_depth = "32"
        settings.exr_codec = "ZIP"
    else:
        settings.media_type = "IMAGE"
        settings.file_format = "PNG"
        settings.color_mode = "RGB"
        settings.color_depth = "8"
        for key, value in view.items():
            setattr(scene.view_settings, key, value)
    image.save_render(str(path), scene=scene)


def render(out, frames, size, samples):
    """Render every frame once; save the EXR and Blender's Standard and AgX display PNGs."""
    scene = build_scene(frames, size, samples)
    scene.display_settings.display_device = "sRGB"
    for sub in ("exr", *DISPLAYS):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for frame in range(1, frames + 1):
        scene.frame_set(frame)
        bpy.ops.render.render()
        result = bpy.data.images["Render Result"]
        name = f"frame_{frame:04d}"
        _save(result, scene, out / "exr" / f"{name}.exr")
        for sub, view in DISPLAYS.items():
            _save(result, scene, out / sub / f"{name}.png", view)
    info = {
        "frames": frames,
        "tracks": _track(scene, frames),
        "size": list(size),
        "fps": scene.render.fps / scene.render.fps_base,
        "objects": {name: spec[0] for name, spec in OBJECTS.items()},
        "displays": DISPLAYS,
        "ocio_config": str(Path(bpy.utils.resource_path("LOCAL")) / "datafiles" / "colormanagement"
                           / "config.ocio"),
    }
    (out / "scene.json").write_text(json.dumps(info, indent=2))


def main(argv=None):
    args = _parse(sys.argv[1:] if argv is None else argv)
    render(args.out, args.frames, tuple(args.size), args.samples)


if __name__ == "__main__":
    main()
