"""The engine on Blender renders: EXR output, the dream effect end to end, object masks.

The EXR sink is tested on synthetic frames; the rest runs ``engine.render`` (in this process, the
real network) on the session's render of tests/blender_scene.py (96x54, 6 frames):

* ``effect: dream`` with zero steps and ``video.blend: 1`` passes the frames through untouched,
  so its PNG output must be Blender's own display render (Standard, AgX, graded AgX) and its EXR
  output the Combined pass (scene-linear) up to 8-bit display quantisation;
* with real steps the dream, and the style, are carried along the Vector pass (the source is
  the flow provider);
* with ``source.blender.mask`` only the chosen object changes.
"""

import cv2
import numpy as np
import pytest

from bpy_env import render_test_scene, requires_bpy
from dreamvideo import engine
from dreamvideo.blender.source import BlenderSource
from dreamvideo.components.flow import flow_for
from dreamvideo.videoio.colour import srgb_decode
from dreamvideo.config import parse_preset
from dreamvideo.errors import UserError
from dreamvideo.videoio.exr import read_pass, read_passes
from dreamvideo.motion.flow import warp
from dreamvideo.videoio import open_sink

ZERO = {"dream": {"steps": 0, "first_frame_steps": 0}, "video": {"blend": 1.0}}
DREAM = {"dream": {"steps": 4, "first_frame_steps": 8, "step_size": 2.0, "jitter": 4,
                   "objective": [{"layer": "block3_conv1"}]},
         "video": {"blend": 0.3}}
STYLE = {"iterations": {"first": 10, "next": 4}, "content_layers": ["block3_conv2"],
         "style_layers": ["block1_conv1", "block2_conv1", "block3_conv1"]}


def _frames(n=3, size=(20, 12)):
    y, x = np.mgrid[0:size[1], 0:size[0]]
    return [np.stack([(x * 12 + 20 * t) % 256, y * 20, (x + y + t) * 7 % 256], -1).astype(np.uint8)
            for t in range(n)]


def _psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


# ----- the EXR sink (no Blender needed) ----------------------------------------------------------

def test_exr_sink_writes_scene_linear_floats(tmp_path):
    frames = _frames()
    with open_sink(tmp_path / "linear", fps=24, size=(20, 12), codec="exr") as sink:
        assert sink.codec == "exr"
        for frame in frames:
            sink.write(frame)
    files = sorted((tmp_path / "linear").iterdir())
    assert [f.name for f in files] == ["000000.exr", "000001.exr", "000002.exr"]
    assert not (tmp_path / "linear.partial").exists()
    for file, frame in zip(files, frames):  # default: the sRGB decode, stored as 32-bit floats
        pixels = read_pass(file, "Combined")
        assert pixels.dtype == np.float32 and pixels.shape == (12, 20, 3)
        np.testing.assert_array_equal(pixels, srgb_decode(frame / np.float32(255)))


def test_exr_pattern_uses_the_given_conversion(tmp_path):
    with open_sink(tmp_path / "out" / "f_%04d.exr", fps=24, size=(20, 12),
                   to_linear=lambda frame: frame.astype(np.float32) * 2) as sink:
        sink.write(_frames(1)[0])
    np.testing.assert_array_equal(read_pass(tmp_path / "out" / "f_0000.exr", "Combined"),
                                  _frames(1)[0] * np.float32(2))


def test_exr_sink_errors_and_abort(tmp_path):
    with pytest.raises(UserError, match="codec must be exr"):
        open_sink(tmp_path / "f_%04d.exr", fps=24, size=(20, 12), codec="png")
    with pytest.raises(UserError, match=r"must end in \.png or \.exr"):
        open_sink(tmp_path / "f_%04d.tif", fps=24, size=(20, 12))
    pngs = tmp_path / "pngs"
    pngs.mkdir()
    (pngs / "000000.png").write_bytes(b"")
    with pytest.raises(UserError, match="holds more than EXR frames"):
        open_sink(pngs, fps=24, size=(20, 12), codec="exr", overwrite=True)
    with pytest.raises(RuntimeError):
        with open_sink(tmp_path / "aborted", fps=24, size=(20, 12), codec="exr") as sink:
            sink.write(_frames(1)[0])
            raise RuntimeError("stop")
    assert not (tmp_path / "aborted").exists() and not (tmp_path / "aborted.partial").exists()
    assert parse_preset({"output": {"path": "x", "codec": "exr"}}).output.codec == "exr"


# ----- the engine on real Blender renders ---------------------------------------------------------

@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return render_test_scene(tmp_path_factory)


def _source(scene, display="standard", **extra):
    return {"frames": str(scene["dir"] / "exr"), "fps": scene["fps"],
            "ocio_config": scene["ocio_config"], **scene["displays"][display], **extra}


def _render(scene, out, *, display="standard", codec=None, mask=None, settings=ZERO,
            effect="dream"):
    source = _source(scene, display, **({"mask": mask} if mask else {}))
    preset = parse_preset({"effect": effect, "source": {"blender": source}, "seed": 3,
                           "output": {"path": str(out), "codec": codec}, **settings})
    return engine.render(preset)


def _read_pngs(folder):
    return [cv2.imread(str(p))[..., ::-1] for p in sorted(folder.glob("*.png"))]


def _recording_flow(monkeypatch) -> list[int]:
    """Indices of every Vector-pass flow the engine asks any BlenderSource for."""
    calls, original = [], BlenderSource.flow_pair

    def recording(self, index, *frames):
        calls.append(index)
        return original(self, index, *frames)

    monkeypatch.setattr(BlenderSource, "flow_pair", recording)
    return calls


def _check_carried(source, outputs, *, ratio):
    """The effect (output - input frame) of frame t, warped by the Vector flow, matches frame
    t+1's better than left in place (error < ``ratio`` x), where the flow is reliable."""
    frames = [f.astype(np.float32) for f in source.frames()]
    effect = [out.astype(np.float32) - frame for out, frame in zip(outputs, frames)]
    for t in range(len(frames) - 1):
        flow_fw, flow_bw = source.flow_pair(t)
        reliable = source.reliability(t, t + 1, flow_fw, flow_bw)

        def error(a, b):
            return float((np.abs(a - b).mean(axis=2) * reliable).sum() / reliable.sum())

        assert np.abs(effect[t + 1]).mean() > 3  # a visible effect
        carried, in_place = error(warp(effect[t], flow_bw), effect[t + 1]), error(effect[t], effect[t + 1])
        assert carried < ratio * in_place, f"frame {t}: Vector {carried:.2f} vs none {in_place:.2f}"


class TestOnBlenderRenders:
    pytestmark = requires_bpy

    @pytest.mark.parametrize("display", ["standard", "agx", "agx_graded"])
    def test_zero_strength_dream_is_blenders_display_render(self, scene, tmp_path, display):
        """The colour path of a video effect: every output frame is Blender's own 8-bit render."""
        frames = _read_pngs(_render(scene, tmp_path / "out", display=display))
        blender = _read_pngs(scene["dir"] / display)
        assert len(frames) == len(blender) == scene["frames"]
        for index, (ours, theirs) in enumerate(zip(frames, blender)):
            assert _psnr(ours, theirs) >= 40, f"{display} frame {index}: {_psnr(ours, theirs):.1f} dB"

    def test_exr_output_is_the_combined_pass_for_standard(self, scene, tmp_path):
        """Standard: below display white the EXR is Combined up to 8-bit quantisation (showing it
        again gives the same display frame; the error is < 3.5% where light >= 0.01); above
        white (Standard clips at 1.0) the light is lost: those pixels come back as 1.0."""
        out = _render(scene, tmp_path / "exr", codec="exr")
        files = sorted(out.glob("*.exr"))
        assert len(files) == scene["frames"]
        source = BlenderSource(_source(scene))
        for index, file in enumerate(files):
            ours, linear = read_pass(file, "Combined"), source.linear(index)
            assert ours.dtype == np.float32 and ours.shape == linear.shape
            np.testing.assert_array_equal(source.display.to_display(ours), source.frame(index))
            inside = (linear >= 0.01) & (linear < 1.0)
            relative = np.abs(ours - linear)[inside] / linear[inside]
            assert np.median(relative) < 0.01 and relative.max() < 0.035
            above = linear > 1.0
            assert above.any()  # the bright sphere goes past display white
            np.testing.assert_allclose(ours[above], 1.0, atol=1e-4)

    def test_exr_output_recovers_highlights_through_agx(self, scene, tmp_path):
        """AgX compresses up to ~16x display white into the display range, so highlights come back
        (the inverse of its LUT is approximate, and the coarser display steps there cost a few %)."""
        out = _render(scene, tmp_path / "exr_%03d.exr", display="agx")
        source = BlenderSource(_source(scene, "agx"))
        for index, file in enumerate(sorted(out.parent.glob("exr_*.exr"))):
            ours, linear = read_pass(file, "Combined"), source.linear(index)
            relative = np.abs(ours - linear) / np.maximum(linear, 0.01)
            above = linear > 1.0
            assert above.any() and np.median(relative) < 0.01 and relative.max() < 0.06
            assert np.median(relative[above]) < 0.02
        white = source.display.to_linear(np.full((1, 1, 3), 255, np.uint8))
        assert 10 < white.min() < 20  # the ceiling: brighter light is not recoverable

    def test_dream_is_carried_along_the_vector_pass(self, scene, tmp_path, monkeypatch):
        """The dream effect takes its flow from the Vector pass (one pair per frame), and its
        patterns follow it (measured: ~3.7 warped vs ~11.4 in place, in pixel levels)."""
        calls = _recording_flow(monkeypatch)
        dreamt = _read_pngs(_render(scene, tmp_path / "out", settings=DREAM))
        monkeypatch.undo()
        assert calls == list(range(scene["frames"] - 1))
        source = BlenderSource(_source(scene))
        assert flow_for(source, "dis") is source
        _check_carried(source, dreamt, ratio=0.6)

    def test_style_is_carried_along_the_vector_pass(self, scene, tmp_path, monkeypatch):
        """The style effect (warped init and temporal loss) on Blender passes: its flow is the
        Vector pass, and the stylisation follows the motion (~7 warped vs ~19 in place)."""
        y, x = np.mgrid[0:64, 0:64]
        stripes = np.stack([(np.sin(x / 3) > 0) * 220 + 20, (np.sin((x + y) / 4) > 0) * 200 + 30,
                            (np.cos(y / 2.5) > 0) * 180 + 40], -1).astype(np.uint8)
        cv2.imwrite(str(tmp_path / "stripes.png"), stripes[..., ::-1])
        calls = _recording_flow(monkeypatch)
        style = {"style": {**STYLE, "images": [str(tmp_path / "stripes.png")]}}
        styled = _read_pngs(_render(scene, tmp_path / "out", display="agx", effect="style",
                                    settings=style))
        monkeypatch.undo()
        assert len(styled) == scene["frames"] and set(calls) == set(range(scene["frames"] - 1))
        _check_carried(BlenderSource(_source(scene, "agx")), styled, ratio=0.6)

    def test_mask_keeps_everything_but_the_object(self, scene, tmp_path):
        """Dreaming only the Cube: away from its feathered edge every other pixel is exactly the
        display frame; on the Cube the dream shows."""
        cube = scene["objects"]["Cube"]
        out = _render(scene, tmp_path / "out", mask={"object_indices": [cube], "feather_px": 2.0},
                      settings=DREAM)
        source = BlenderSource(_source(scene))
        ring = np.ones((9, 9), np.uint8)  # 4 px: the feather (sigma 1 px) is 0 beyond that
        for index, frame in enumerate(_read_pngs(out)):
            index_pass = read_passes(source.files[index])["Object Index"]
            on_cube = index_pass == cube
            outside = ~cv2.dilate(on_cube.astype(np.uint8), ring).astype(bool)
            inside = cv2.erode(on_cube.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            display = source.frame(index)
            assert outside.mean() > 0.8 and inside.sum() >= 20
            np.testing.assert_array_equal(frame[outside], display[outside])
            change = np.abs(frame.astype(np.float32) - display).mean(axis=2)
            assert change[inside].mean() > 10, f"frame {index}: the cube did not change"


    def test_mask_holds_in_every_pass_of_a_multi_pass_style(self, scene, tmp_path):
        """Multi-pass style on the Cube only: the output is the last (backward) pass, whose work
        frames come after the clip's; each is masked with its own clip frame's mask (it was
        not masked at all), so away from the Cube every pixel is the display frame."""
        cube = scene["objects"]["Cube"]
        y, x = np.mgrid[0:64, 0:64]
        stripes = np.stack([(np.sin(x / 3) > 0) * 220 + 20, (np.cos(y / 2.5) > 0) * 180 + 40,
                            (np.sin((x + y) / 4) > 0) * 200 + 30], -1).astype(np.uint8)
        cv2.imwrite(str(tmp_path / "stripes.png"), stripes[..., ::-1])
        style = {"style": {**STYLE, "iterations": {"first": 6, "next": 3}, "passes": 2,
                           "images": [str(tmp_path / "stripes.png")]}}
        out = _render(scene, tmp_path / "out", mask={"object_indices": [cube], "feather_px": 2.0},
                      settings=style, effect="style")
        source = BlenderSource(_source(scene))
        ring = np.ones((9, 9), np.uint8)
        frames = _read_pngs(out)
        assert len(frames) == scene["frames"]
        for index, frame in enumerate(frames):
            on_cube = read_passes(source.files[index])["Object Index"] == cube
            outside = ~cv2.dilate(on_cube.astype(np.uint8), ring).astype(bool)
            inside = cv2.erode(on_cube.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            display = source.frame(index)
            np.testing.assert_array_equal(frame[outside], display[outside])
            change = np.abs(frame.astype(np.float32) - display).mean(axis=2)
            assert change[inside].mean() > 5, f"frame {index}: the cube was not styled"

# ----- strength 0 is Blender's render (keyframed strengths fade in and out) -----------------------

FADE_IN = [{"frame": 0, "value": 0.0}, {"frame": 2, "value": 0.0}, {"frame": 5, "value": 1.5}]
FADE_OUT = [{"frame": 0, "value": 1.5}, {"frame": 3, "value": 0.0}]
STRENGTHS = {"zero": (0.0, [0, 1, 2, 3, 4, 5]), "fade_in": (FADE_IN, [0, 1, 2]),
             "fade_out": (FADE_OUT, [3, 4, 5])}


def _effect_sizes(scene, frames, zero_frames, display="standard"):
    """PSNR against Blender's display render on the zero frames; the effect's size (mean absolute
    change from the render, in levels) on every frame."""
    blender = _read_pngs(scene["dir"] / display)
    assert len(frames) == len(blender) == scene["frames"]
    psnr = {i: round(float(_psnr(frames[i], blender[i])), 1) for i in zero_frames}
    sizes = [float(np.abs(ours.astype(np.float32) - theirs).mean()) for ours, theirs in zip(frames, blender)]
    return psnr, sizes


class TestStrengthZero:
    """Dream Strength (``dream.step_size``) or Style Weight 0 gives Blender's display render on
    those frames (>= 40 dB, as on frame 1), with the default ``video.blend`` (0.3) that carries
    the warped previous frame; in between the effect grows and shrinks with the strength."""

    pytestmark = requires_bpy

    @pytest.mark.parametrize("name", list(STRENGTHS))
    def test_dream(self, scene, tmp_path, name):
        keys, zero_frames = STRENGTHS[name]
        settings = {"dream": {**DREAM["dream"], "step_size": keys}}  # video.blend: the default
        frames = _read_pngs(_render(scene, tmp_path / "out", settings=settings))
        psnr, sizes = _effect_sizes(scene, frames, zero_frames)
        print(f"dream {name}: PSNR {psnr}, effect sizes {np.round(sizes, 1).tolist()}")
        assert min(psnr.values()) >= 40, f"{name}: {psnr}"
        if name == "fade_in":  # strengths 0.5, 1.0, 1.5 on frames 3, 4, 5
            assert 1 < sizes[3] < sizes[4] < sizes[5], sizes
        if name == "fade_out":  # 1.5, 1.0, 0.5 on frames 0, 1, 2
            assert sizes[0] > sizes[1] > sizes[2] > 1, sizes

    @pytest.mark.parametrize("name", ["fade_in", "fade_out"])
    def test_style(self, scene, tmp_path, name):
        keys, zero_frames = STRENGTHS[name]
        keys = [{**key, "value": key["value"] * 1000} for key in keys]
        y, x = np.mgrid[0:64, 0:64]
        stripes = np.stack([(np.sin(x / 3) > 0) * 220 + 20, (np.sin((x + y) / 4) > 0) * 200 + 30,
                            (np.cos(y / 2.5) > 0) * 180 + 40], -1).astype(np.uint8)
        cv2.imwrite(str(tmp_path / "stripes.png"), stripes[..., ::-1])
        style = {"style": {**STYLE, "images": [str(tmp_path / "stripes.png")], "style_weight": keys}}
        frames = _read_pngs(_render(scene, tmp_path / "out", display="agx", effect="style",
                                    settings=style))
        psnr, sizes = _effect_sizes(scene, frames, zero_frames, display="agx")
        print(f"style {name}: PSNR {psnr}, effect sizes {np.round(sizes, 1).tolist()}")
        assert min(psnr.values()) >= 40, f"{name}: {psnr}"
        if name == "fade_in":
            assert 1 < sizes[3] < sizes[4] < sizes[5], sizes
        if name == "fade_out":
            assert sizes[0] > sizes[1] > sizes[2] > 1, sizes
