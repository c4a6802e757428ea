"""Sinks and sources of dreamvideo.videoio, with the real bundled ffmpeg and tiny frames."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from dreamvideo import videoio
from dreamvideo.errors import UserError
from dreamvideo.videoio import (
    FfmpegError,
    FrameSource,
    ImageSource,
    NoiseSource,
    SequenceSource,
    VideoSource,
    fit_to_size,
    open_sink,
    probe_video,
    read_image,
)

N_FRAMES = 10


def gradient(index: int, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """A smooth colour gradient that moves 2 px right per frame."""
    width, height = size
    x = np.arange(width, dtype=np.float32)[None, :] - 2 * index
    y = np.arange(height, dtype=np.float32)[:, None]
    r = 128 + 100 * np.sin(x / 9.0) + 0 * y
    g = 128 + 100 * np.cos(y / 7.0) + 0 * x
    b = 40 + (2 * (x + y)) % 180  # a sawtooth: sharp edges
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255).astype(np.uint8)


def write_clip(path: Path, size=(64, 48), n=N_FRAMES, **kwargs) -> videoio.FrameSink:
    kwargs.setdefault("fps", 10)
    with open_sink(path, size=size, **kwargs) as sink:
        for i in range(n):
            sink.write(gradient(i, size))
    return sink


def ffmpeg_children() -> list[int]:
    """Pids of child processes of this test process that run ffmpeg (zombies included)."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[1] == me and ("ffmpeg" in stat or b"ffmpeg" in cmdline):
            found.append(int(entry.name))
    return found


@pytest.fixture
def no_leftover_ffmpeg():
    assert ffmpeg_children() == []
    yield
    assert ffmpeg_children() == []


# --------------------------------------------------------------------------- sinks


@pytest.mark.parametrize(
    ("name", "codec", "size", "encoded"),
    [
        ("clip.mp4", None, (64, 48), (64, 48)),
        ("odd.mp4", "h264", (65, 49), (64, 48)),
        ("clip.mov", None, (64, 48), (64, 48)),
        ("odd.mov", "prores", (65, 49), (65, 49)),
        ("hap.mov", "hap", (64, 48), (64, 48)),
        ("odd_hap.mov", "hap", (67, 50), (64, 48)),
        ("clip.webm", None, (64, 48), (64, 48)),
        ("odd.webm", "vp9", (63, 47), (62, 46)),
        ("h264.mov", "h264", (64, 48), (64, 48)),
    ],
)
def test_video_sink_round_trip(tmp_path, no_leftover_ffmpeg, name, codec, size, encoded):
    path = tmp_path / name
    sink = write_clip(path, size=size, codec=codec)
    expected_codec = codec or {".mp4": "h264", ".mov": "prores", ".webm": "vp9"}[path.suffix]
    assert sink.codec == expected_codec
    assert sink.encoded_size == encoded
    assert sink.frames_written == N_FRAMES
    info = probe_video(path)
    assert info == videoio.VideoInfo(fps=10.0, frame_count=N_FRAMES, size=encoded,
                                     codec=expected_codec)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_ntsc_rate_survives(tmp_path):
    path = tmp_path / "ntsc.mp4"
    write_clip(path, n=3, fps=30000 / 1001)
    assert probe_video(path).fps == pytest.approx(30000 / 1001, abs=1e-9)


def test_png_folder_is_pixel_exact(tmp_path):
    folder = tmp_path / "frames"
    sink = write_clip(folder, size=(33, 17))
    assert sink.path == folder and sink.codec == "png"
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == [f"{i:06d}.png" for i in range(N_FRAMES)]
    for i, file in enumerate(files):
        np.testing.assert_array_equal(read_image(file), gradient(i, (33, 17)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


def test_png_pattern_names_frames(tmp_path):
    pattern = tmp_path / "out" / "f_%05d.png"
    sink = write_clip(pattern, n=3)
    assert sink.path == tmp_path / "out"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "f_00000.png", "f_00001.png", "f_00002.png"]
    source = SequenceSource(pattern, fps=12)
    assert (source.frame_count, source.fps, source.size) == (3, 12, (64, 48))
    for i, frame in enumerate(source.frames()):
        np.testing.assert_array_equal(frame, gradient(i))


def test_png_codec_for_suffixless_folder(tmp_path):
    sink = write_clip(tmp_path / "plain", n=2, codec="png")
    assert len(list(sink.path.iterdir())) == 2


@pytest.mark.parametrize(
    ("name", "codec", "words"),
    [
        ("a.mp4", "hap", ["hap", ".mp4", "h264"]),
        ("a.webm", "prores", ["prores", "vp9"]),
        ("a.mp4", "x264", ["unknown codec", "h264, prores, hap, vp9, png"]),
        ("a.mov", "ProRes", ["did you mean 'prores'"]),
        ("a.avi", None, [".mp4", ".mov", ".webm"]),
        ("seq_%04d.png", "h264", ["png"]),
        ("seq_%04d.jpg", None, [".png"]),
        ("folder", "vp9", ["no suffix"]),
    ],
)
def test_invalid_codec_and_path_combinations(tmp_path, name, codec, words):
    with pytest.raises(UserError) as err:
        open_sink(tmp_path / name, fps=10, size=(64, 48), codec=codec)
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs", [{"size": (0, 48)}, {"size": (64.5, 48)}, {"fps": 0}, {"crf": 60},
               {"size": (3, 3), "codec": "hap"}])
def test_bad_settings_are_user_errors(tmp_path, kwargs):
    settings = {"fps": 10, "size": (64, 48), **kwargs}
    with pytest.raises(UserError):
        open_sink(tmp_path / "a.mov" if "codec" in kwargs else tmp_path / "a.mp4", **settings)


@pytest.mark.parametrize("name", ["clip.mp4", "frames"])
def test_no_overwrite_without_flag(tmp_path, name):
    path = tmp_path / name
    write_clip(path, n=2)
    before = probe_video(path) if path.is_file() else sorted(path.iterdir())
    with pytest.raises(UserError, match="exists; pass --overwrite to replace it"):
        open_sink(path, fps=10, size=(64, 48))
    write_clip(path, n=4, overwrite=True)
    after = probe_video(path).frame_count if path.is_file() else len(list(path.iterdir()))
    assert after == 4 and before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_png_folder_with_other_files_is_never_replaced(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(UserError, match="more than PNG"):
        open_sink(folder, fps=10, size=(8, 8), overwrite=True)
    assert (folder / "notes.txt").read_text() == "keep me"


def test_empty_existing_folder_is_used(tmp_path):
    (tmp_path / "empty").mkdir()
    write_clip(tmp_path / "empty", n=2)
    assert len(list((tmp_path / "empty").iterdir())) == 2


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mov", "frames"])
def test_final_name_appears_only_on_close(tmp_path, no_leftover_ffmpeg, name):
    path = tmp_path / name
    sink = open_sink(path, fps=10, size=(64, 48))
    for i in range(3):
        sink.write(gradient(i))
        assert not path.exists()
    # ffmpeg may not have created its file yet (encoder lookahead); if so, it is the partial
    assert all(".partial" in p.name for p in tmp_path.iterdir())
    sink.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    sink.close()  # idempotent


@pytest.mark.parametrize("name", ["clip.mp4", "clip.webm", "frames"])
def test_abort_leaves_nothing(tmp_path, no_leftover_ffmpeg, name):
    sink = open_sink(tmp_path / name, fps=10, size=(64, 48))
    for i in range(3):
        sink.write(gradient(i))
    sink.abort()
    sink.abort()
    sink.close()  # no-op after abort
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="aborted"):
        sink.write(gradient(0))


def test_exception_in_with_block_aborts(tmp_path, no_leftover_ffmpeg):
    with pytest.raises(KeyError):
        with open_sink(tmp_path / "clip.mp4", fps=10, size=(64, 48)) as sink:
            sink.write(gradient(0))
            raise KeyError("render failed")
    assert list(tmp_path.iterdir()) == []


def test_overwrite_abort_keeps_old_file(tmp_path):
    path = tmp_path / "clip.mp4"
    write_clip(path, n=2)
    with pytest.raises(RuntimeError):
        with open_sink(path, fps=10, size=(64, 48), overwrite=True) as sink:
            sink.write(gradient(0))
            raise RuntimeError("stop")
    assert probe_video(path).frame_count == 2
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_forgotten_sink_is_cleaned_up(tmp_path, no_leftover_ffmpeg):
    sink = open_sink(tmp_path / "clip.mp4", fps=10, size=(64, 48))
    sink.write(gradient(0))
    del sink  # never closed: the finalizer kills ffmpeg and removes the partial file
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "frame", [np.zeros((48, 64, 3), np.float32), np.zeros((48, 64), np.uint8),
              np.zeros((64, 48, 3), np.uint8), np.zeros((48, 64, 4), np.uint8), [[0]]])
def test_write_rejects_wrong_frames(tmp_path, no_leftover_ffmpeg, frame):
    with open_sink(tmp_path / "clip.mp4", fps=10, size=(64, 48)) as sink:
        with pytest.raises(ValueError):
            sink.write(frame)
        sink.write(gradient(0))  # the sink is still usable
    assert probe_video(tmp_path / "clip.mp4").frame_count == 1


def test_non_contiguous_frames_are_accepted(tmp_path):
    with open_sink(tmp_path / "frames", fps=10, size=(64, 48)) as sink:
        sink.write(np.ascontiguousarray(gradient(0)[:, :, ::-1])[:, :, ::-1])
        sink.write(gradient(1, (128, 48))[:, ::2])
    np.testing.assert_array_equal(read_image(tmp_path / "frames" / "000000.png"), gradient(0))


def test_closing_without_frames_creates_nothing(tmp_path, no_leftover_ffmpeg):
    with pytest.raises(UserError, match="no frames"):
        with open_sink(tmp_path / "clip.mp4", fps=10, size=(64, 48)):
            pass
    assert list(tmp_path.iterdir()) == []


def test_ffmpeg_failure_quotes_its_log(tmp_path, monkeypatch, no_leftover_ffmpeg):
    broken = videoio._Encoder(("-c:v", "no_such_encoder"), "yuv420p", 2, None, False)
    monkeypatch.setitem(videoio._ENCODERS, "h264", broken)
    with pytest.raises(FfmpegError, match="no_such_encoder") as err:
        with open_sink(tmp_path / "clip.mp4", fps=10, size=(64, 48)) as sink:
            for i in range(200):
                sink.write(gradient(i))
    assert "exit status" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_ffmpeg_log_does_not_reach_the_terminal(tmp_path, capfd):
    write_clip(tmp_path / "clip.mp4", n=2)
    probe_video(tmp_path / "clip.mp4")
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# --------------------------------------------------------------------------- probing


def test_probe_rejects_missing_and_non_video_files(tmp_path):
    with pytest.raises(UserError, match="not found"):
        probe_video(tmp_path / "missing.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"this is not a video")
    with pytest.raises(UserError, match="junk.mp4"):
        probe_video(tmp_path / "junk.mp4")
    with pytest.raises(UserError, match="folder"):
        probe_video(tmp_path)


def test_parse_rotated_stream_swaps_size():
    header = ("  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, "
              "bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 15000 kb/s, 29.97 fps, "
              "29.97 tbr, 90k tbn (default)\n      Side data:\n"
              "        displaymatrix: rotation of -90.00 degrees\n")
    codec, size, fps = videoio._parse_video_stream(header, Path("phone.mp4"))
    assert (codec, size) == ("h264", (1080, 1920))
    assert fps == pytest.approx(30000 / 1001)


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
