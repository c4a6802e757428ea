"""Short real zooms (tiny frames, the real network): the stationarity controls and zoom out."""

import numpy as np
import pytest

from dreamvideo.cli import main
from dreamvideo.videoio import SequenceSource
from dreamvideo.zoom.metrics import border_detail_ratio, clipped_share

# Hard clip, no controls: the zoom as it was.
PLAIN = "{flatten: 0, detail: 0, colour_match: 0, soft_range: 0, border: reflect, border_steps: 0}"


def render(tmp_path, name: str, zoom: str, frames: int = 10, size=(64, 48), steps: int = 3) -> list[np.ndarray]:
    preset = tmp_path / f"{name}.yaml"
    preset.write_text(f"""
effect: dream_zoom
source: {{noise: {{seed: 3}}}}
output: {{path: {name}, frames: {frames}, size: [{size[0]}, {size[1]}]}}
dream: {{steps: {steps}, step_size: 4, objective: [{{layer: block3_conv1}}], jitter: 4}}
zoom: {zoom}
seed: 1
""")
    assert main(["render", str(preset), "--quiet"]) == 0
    return list(SequenceSource(tmp_path / name).frames())


def with_camera(controls: str, camera: str) -> str:
    return "{" + camera + ", " + controls.strip("{}") + "}" if controls != "{}" else "{" + camera + "}"


def test_zoom_in_keeps_pixels_off_the_rails(tmp_path):
    camera = "scale: 1.08, rotate: 1"
    plain = render(tmp_path, "plain", with_camera(PLAIN, camera))
    steady = render(tmp_path, "steady", with_camera("{}", camera))  # the defaults
    worst_plain = max(clipped_share(f) for f in plain[1:])
    worst_steady = max(clipped_share(f) for f in steady[1:])
    assert worst_steady <= 0.03, worst_steady
    assert worst_plain > 2 * worst_steady, (worst_plain, worst_steady)


def test_zoom_out_dreams_the_entering_border_instead_of_stretching_edges(tmp_path):
    camera = "scale: 0.88"
    reflected = render(tmp_path, "reflect", "{" + camera + ", border: reflect, border_steps: 0}", frames=5)
    dreamt = render(tmp_path, "dreamt", "{" + camera + "}", frames=5)  # border: dream by default
    smeared = np.mean([border_detail_ratio(f) for f in reflected[1:]])
    new = np.mean([border_detail_ratio(f) for f in dreamt[1:]])
    assert new > 0.7, new
    assert new > 1.5 * smeared, (smeared, new)


def test_bad_zoom_control_is_one_line(tmp_path, capsys):
    preset = tmp_path / "bad.yaml"
    preset.write_text("zoom: {flatten: 2}\n")
    assert main(["render", str(preset)]) == 2
    assert "zoom.flatten: must be <= 1" in capsys.readouterr().err


def test_zoom_out_resume_is_exact(tmp_path):
    """The controls' state (opening-frame statistics, border fill) comes from saved frames and the
    seed only: a run resumed midway makes the same frames as an uninterrupted one."""
    zoom = "{scale: 0.9, rotate: 2}"
    whole = render(tmp_path, "whole", zoom, frames=6)
    preset = tmp_path / "part.yaml"
    preset.write_text((tmp_path / "whole.yaml").read_text().replace("path: whole", "path: part"))
    assert main(["render", str(preset), "--quiet", "--keep-work", "--set", "output.frames=3"]) == 0
    first = tmp_path / "part.work" / "frames" / "000000.png"
    stamp = first.stat().st_mtime_ns
    assert main(["render", str(preset), "--quiet", "--overwrite", "--keep-work"]) == 0
    assert first.stat().st_mtime_ns == stamp  # frames 0-2 were kept: it resumed at frame 3
    resumed = list(SequenceSource(tmp_path / "part").frames())
    assert len(resumed) == 6
    for a, b in zip(whole, resumed):
        assert np.array_equal(a, b)
