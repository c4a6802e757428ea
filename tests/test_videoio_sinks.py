"""Sinks of dreamvideo.videoio (video files, PNG folders), with the real bundled ffmpeg and tiny
frames; sources are in test_videoio_sources.py."""

from __future__ import annotations

import numpy as np
import pytest

from dreamvideo import videoio
from dreamvideo.errors import UserError
from dreamvideo.videoio import (
    FfmpegError,
    SequenceSource,
    open_sink,
    probe_video,
    read_image,
)
from videoio_helpers import N_FRAMES, gradient, write_clip


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
