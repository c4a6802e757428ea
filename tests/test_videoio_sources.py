"""Probing and sources of dreamvideo.videoio (video, image, sequence, noise), with the real
bundled ffmpeg and tiny frames."""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from dreamvideo.errors import UserError
from dreamvideo.videoio import (
    FrameSource,
    ImageSource,
    NoiseSource,
    SequenceSource,
    VideoSource,
    fit_to_size,
    probe_video,
    read_image,
)
from videoio_helpers import N_FRAMES, ffmpeg_children, gradient, write_clip


# --------------------------------------------------------------------------- probing


def test_probe_rejects_missing_and_non_video_files(tmp_path):
    with pytest.raises(UserError, match="not found"):
        probe_video(tmp_path / "missing.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"this is not a video")
    with pytest.raises(UserError, match="junk.mp4"):
        probe_video(tmp_path / "junk.mp4")
    with pytest.raises(UserError, match="folder"):
        probe_video(tmp_path)


def _ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


def test_probe_rotated_video_gives_the_display_size(tmp_path, no_leftover_ffmpeg):
    """A phone video stored 64x48 and shown turned by 90 degrees is 48x64, as its frames come."""
    stored = tmp_path / "stored.mp4"
    write_clip(stored, n=3, fps=30000 / 1001)
    _ffmpeg("-display_rotation", "90", "-i", str(stored), "-c", "copy", str(tmp_path / "phone.mp4"))
    info = probe_video(tmp_path / "phone.mp4")
    assert (info.codec, info.size, info.frame_count) == ("h264", (48, 64), 3)
    assert info.fps == pytest.approx(30000 / 1001, abs=1e-9)
    source = VideoSource(tmp_path / "phone.mp4")
    assert [frame.shape for frame in source.frames()] == [(64, 48, 3)] * 3


def test_probe_variable_frame_rate_gives_the_average(tmp_path, no_leftover_ffmpeg):
    """Six frames at 10 fps with a 0.7 s pause after the third: 6 frames over 1.3 s."""
    path = tmp_path / "vfr.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-frames:v", "6",
            "-vf", "setpts='if(gte(N,3),PTS+7,PTS)'", "-fps_mode", "vfr", "-c:v", "libx264", str(path))
    info = probe_video(path)
    assert info.frame_count == 6 and info.fps == pytest.approx(6 / 1.3, abs=0.005)


def test_probe_file_without_video_stream_is_one_line(tmp_path, no_leftover_ffmpeg):
    path = tmp_path / "sound.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=d=0.3", str(path))
    with pytest.raises(UserError) as info:
        probe_video(path)
    assert str(info.value).startswith(f"{path} is not a readable video: ")
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- sources


@pytest.fixture(scope="module")
def prores_clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clips") / "clip.mov"
    write_clip(path, fps=12)
    return path


def test_video_source_streams_what_was_written(prores_clip, no_leftover_ffmpeg):
    source = VideoSource(prores_clip)
    assert isinstance(source, FrameSource)
    assert (source.size, source.fps, source.frame_count) == ((64, 48), 12.0, N_FRAMES)
    frames = list(source.frames())
    assert len(frames) == N_FRAMES
    for i, frame in enumerate(frames):
        assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
        diff = np.abs(frame.astype(int) - gradient(i).astype(int))
        assert diff.mean() < 1.0, i


def test_video_source_start_skips_frames(prores_clip, no_leftover_ffmpeg):
    source = VideoSource(prores_clip)
    all_frames = list(source.frames())
    resumed = list(source.frames(start=6))
    assert len(resumed) == N_FRAMES - 6
    for got, expected in zip(resumed, all_frames[6:]):
        np.testing.assert_array_equal(got, expected)
    assert list(source.frames(start=N_FRAMES + 5)) == []


def test_h264_source_is_close_to_what_was_written(tmp_path):
    write_clip(tmp_path / "clip.mp4")
    frames = list(VideoSource(tmp_path / "clip.mp4").frames(start=3))
    assert len(frames) == N_FRAMES - 3
    diff = np.abs(frames[0].astype(int) - gradient(3).astype(int))
    assert diff.mean() < 2.5


def test_video_source_resizes(prores_clip):
    source = VideoSource(prores_clip, size=(32, 32))
    frame = next(iter(source.frames()))
    assert source.size == (32, 32) and frame.shape == (32, 32, 3)


def test_early_exit_stops_ffmpeg(prores_clip, no_leftover_ffmpeg):
    frames = VideoSource(prores_clip).frames()
    next(frames)
    assert len(ffmpeg_children()) == 1
    frames.close()


def test_video_source_missing_file(tmp_path):
    with pytest.raises(UserError, match="not found"):
        VideoSource(tmp_path / "nope.mp4")


def test_image_source_repeats_a_fitted_image(tmp_path):
    image = np.zeros((40, 80, 3), np.uint8)
    image[:, 20:60] = (255, 0, 0)  # the centre 40x40 square is red
    cv2.imwrite(str(tmp_path / "wide.png"), image[:, :, ::-1])
    source = ImageSource(tmp_path / "wide.png", size=(20, 20))
    assert isinstance(source, FrameSource)
    assert (source.size, source.fps, source.frame_count) == ((20, 20), None, None)
    frames = source.frames(start=100)
    first, second = next(frames), next(frames)
    assert first.shape == (20, 20, 3)
    assert (first[..., 0] > 250).all() and (first[..., 1:] < 5).all()
    np.testing.assert_array_equal(first, second)
    assert ImageSource(tmp_path / "wide.png").size == (80, 40)


@pytest.mark.parametrize(
    ("shape", "size"), [((48, 64), (32, 32)), ((30, 20), (64, 48)), ((17, 13), (13, 17)),
                        ((48, 64), (64, 48))])
def test_fit_to_size_covers(shape, size):
    frame = np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)
    fitted = fit_to_size(frame, size)
    assert fitted.shape == (size[1], size[0], 3) and fitted.dtype == np.uint8


def test_fit_to_size_crops_the_centre():
    frame = np.zeros((10, 30, 3), np.uint8)
    frame[:, :10] = 50
    frame[:, 10:20] = 200
    frame[:, 20:] = 90
    np.testing.assert_array_equal(fit_to_size(frame, (10, 10)), np.full((10, 10, 3), 200))
    tall = fit_to_size(frame, (10, 20))  # scaled x2 to 60x20, centre crop
    assert tall.shape == (20, 10, 3) and (tall == 200).all()


def test_read_image_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(UserError, match="not a readable image"):
        read_image(tmp_path / "bad.png")
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(UserError, match="not a readable image"):
        ImageSource(tmp_path / "empty.jpg")


def test_read_image_gray_and_alpha(tmp_path):
    cv2.imwrite(str(tmp_path / "gray.png"), np.full((5, 7), 77, np.uint8))
    rgba = np.zeros((5, 7, 4), np.uint8)
    rgba[..., 2] = 255  # red in BGRA
    rgba[..., 3] = 128
    cv2.imwrite(str(tmp_path / "rgba.png"), rgba)
    assert (read_image(tmp_path / "gray.png") == 77).all()
    red = read_image(tmp_path / "rgba.png")
    assert red.shape == (5, 7, 3) and (red[..., 0] == 255).all() and (red[..., 1:] == 0).all()


def _write_numbered(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        value = int("".join(c for c in name if c.isdigit()))
        cv2.imwrite(str(folder / name), np.full((6, 8, 3), value, np.uint8))


@pytest.mark.parametrize("spec", ["seq", "seq/*.png", "seq/frame%d.png"])
def test_sequence_source_natural_order(tmp_path, spec):
    _write_numbered(tmp_path / "seq", ["frame10.png", "frame2.png", "frame1.png", "frame33.png"])
    (tmp_path / "seq" / "readme.txt").write_text("not an image")
    source = SequenceSource(tmp_path / spec)
    assert isinstance(source, FrameSource)
    assert (source.size, source.fps, source.frame_count) == ((8, 6), None, 4)
    assert [int(f[0, 0, 0]) for f in source.frames()] == [1, 2, 10, 33]
    assert [int(f[0, 0, 0]) for f in source.frames(start=2)] == [10, 33]


def test_sequence_source_fits_to_size(tmp_path):
    _write_numbered(tmp_path / "seq", ["a1.png", "a2.png"])
    source = SequenceSource(str(tmp_path / "seq"), size=(4, 4), fps=24)
    assert source.fps == 24
    assert [f.shape for f in source.frames()] == [(4, 4, 3), (4, 4, 3)]


def test_sequence_source_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no images"):
        SequenceSource(tmp_path / "empty")
    with pytest.raises(UserError, match="no images"):
        SequenceSource(tmp_path / "nowhere" / "*.png")
    with pytest.raises(UserError, match="no images"):
        SequenceSource(tmp_path / "nowhere" / "%04d.png")
    with pytest.raises(UserError, match="neither a folder"):
        SequenceSource(tmp_path / "single.png")


def test_noise_source_is_deterministic_and_smooth():
    source = NoiseSource(seed=7, size=(64, 48))
    assert isinstance(source, FrameSource)
    assert (source.size, source.fps, source.frame_count) == ((64, 48), None, None)
    frames = source.frames(start=3)
    first, second = next(frames), next(frames)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, next(NoiseSource(7, (64, 48)).frames()))
    assert not np.array_equal(first, next(NoiseSource(8, (64, 48)).frames()))
    assert first.shape == (48, 64, 3) and first.dtype == np.uint8
    assert 100 < first.mean() < 156
    assert first.std() > 10  # coloured, not flat
    step = np.abs(np.diff(first.astype(int), axis=1)).mean()
    assert step < 6  # smooth: neighbouring pixels are close
    with pytest.raises(ValueError):
        first[0, 0, 0] = 1  # shared frame is read-only
