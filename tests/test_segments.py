"""Segments of a long shot: the plan, each segment's warm-up folder, the seam cross-fade, and the
preset checks (dream_zoom cannot be segmented; a bad preset in a batch stops it before any work)."""

import cv2
import numpy as np
import pytest

from dreamvideo.cli import main
from dreamvideo.config import SegmentsConfig, parse_preset
from dreamvideo.engine import MergedFrames, Segment, SegmentFrames, WorkFolder, merge_seams, plan_segments
from dreamvideo.errors import UserError


def test_plan_covers_every_frame_once_with_warmups():
    plan = plan_segments(20, SegmentsConfig(frames=8, overlap=3))
    assert plan == [Segment(0, 0, 0, 8), Segment(1, 5, 8, 16), Segment(2, 13, 16, 20)]
    owned = [i for s in plan for i in range(s.keep, s.stop)]
    assert owned == list(range(20))
    assert plan_segments(5, None) == [Segment(0, 0, 0, 5)]


def test_warmup_frames_go_to_their_own_folder(tmp_path):
    view = SegmentFrames.of(WorkFolder(tmp_path), Segment(1, 5, 8, 16))
    assert view.frame_path(6) == tmp_path / "warmup" / "001" / "000006.png"
    assert view.frame_path(8) == tmp_path / "frames" / "000008.png"
    view.make_folders()
    frame = np.full((4, 6, 3), 7, np.uint8)
    view.write(5, frame)
    assert view.first_missing(16, 5) == 6 and WorkFolder(tmp_path).first_missing(16, 5) == 5


def test_seam_crossfade_steps_evenly_from_one_segment_to_the_next(tmp_path):
    work = WorkFolder(tmp_path)
    plan = plan_segments(8, SegmentsConfig(frames=4, overlap=3))
    for segment in plan:
        view = SegmentFrames.of(work, segment)
        view.make_folders()
        for index in range(segment.start, segment.stop):
            view.write(index, np.full((2, 2, 3), 40 + 160 * segment.number, np.uint8))
    assert merge_seams(work, plan) == 3
    merged = MergedFrames(tmp_path)
    levels = [int(merged.read(i)[0, 0, 0]) for i in range(8)]
    assert levels == [40, 80, 120, 160, 200, 200, 200, 200]  # 40 -> 200 in steps of 160/4
    assert merge_seams(work, plan) == 3 and int(merged.read(2)[0, 0, 0]) == 120  # repeatable


def test_segment_settings_are_checked():
    with pytest.raises(UserError, match="^segments: dream_zoom cannot be segmented"):
        parse_preset({"segments": {"frames": 8, "overlap": 2}})
    with pytest.raises(UserError, match="^segments: overlap must be smaller than frames"):
        parse_preset({"effect": "style", "segments": {"frames": 4, "overlap": 4}})
    with pytest.raises(UserError, match=r"^segments: not with style.passes > 1"):
        parse_preset({"effect": "style", "style": {"passes": 2}, "segments": {"frames": 8, "overlap": 2}})


def test_bad_preset_in_a_batch_stops_it_before_any_work(tmp_path, capsys):
    cv2.imwrite(str(tmp_path / "in.png"), np.full((32, 32, 3), 100, np.uint8))
    good = tmp_path / "good.yaml"
    good.write_text("source: {image: in.png}\noutput: {path: good.mp4, frames: 2, size: [32, 32]}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("effect: style\nsource: {image: in.png}\nstyle: {images: [missing.png]}\n"
                   "output: {path: bad.mp4, frames: 2, size: [32, 32]}\n")
    assert main(["render", str(good), str(bad), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"dreamvideo: error: {bad}: style.images[0]: not found: {tmp_path / 'missing.png'}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "good.yaml", "in.png"]


def test_workers_must_be_positive(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["render", "p.yaml", "--workers", "0"])
    assert exit_.value.code == 2 and "must be a whole number >= 1" in capsys.readouterr().err


def test_scheduler_address_is_checked_before_work(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["render", "p.yaml", "--scheduler", "nonsense"])
    assert exit_.value.code == 2 and "expected tcp://HOST:PORT, got 'nonsense'" in capsys.readouterr().err
