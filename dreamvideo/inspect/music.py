"""``inspect audio``: the curves a track makes, frame by frame, before a long render: each
band's level (or, with ``--preset``, exactly the values the preset drives) under the track's
waveform, with a tick on each tracked beat."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import UserError
from .drawing import BACKGROUND, PAD, TEXT, put_text

WIDTH = 1280  # px of the plot's time axis
LANE = 86  # px per curve
LABEL_W = 210  # px of the label column
COLOURS = [(255, 196, 64), (96, 200, 255), (255, 110, 150), (150, 230, 120), (200, 160, 255), (255, 150, 70)]
GRID = (70, 70, 70)


@dataclass(frozen=True)
class Curve:
    label: str
    detail: str
    values: np.ndarray  # one per output frame
    low: float
    high: float


def add_audio_parser(commands) -> None:
    p = commands.add_parser("audio", help="curves a track makes per output frame (band levels, or a preset's driven values)")
    p.add_argument("track", type=Path, nargs="?", help="the track (optional with --preset: its driven values name theirs)")
    p.add_argument("-o", "--output", type=Path, required=True, help="write the plot to this PNG")
    p.add_argument("--preset", type=Path, default=None, help="plot exactly the values this preset drives, at its fps and length")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a preset key, e.g. output.frames=300")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second without a preset (default 30)")
    p.add_argument("--seconds", type=float, default=None, help="how much of the track, without a preset (default: all)")
    p.add_argument("--offset", type=float, default=0.0, help="seconds into the track at frame 0, without a preset")
    p.set_defaults(run=run_inspect_audio)


@dataclass(frozen=True)
class Plot:
    """What one picture shows: curves on the timeline of a stretch of a track."""

    curves: list[Curve]
    track: Path
    fps: float
    offset: float
    title: str


def run_inspect_audio(args: argparse.Namespace) -> int:
    from ..audio.decode import read_track

    if args.output.parent and not args.output.parent.is_dir():
        raise UserError(f"-o: output folder does not exist: {args.output.parent}")
    if args.preset is None and args.track is None:
        raise UserError("inspect audio: give a track, or --preset PRESET")
    plot = preset_plot(args.preset, args.overrides) if args.preset is not None else None
    path = args.track or plot.track
    if not Path(path).is_file():
        raise UserError(f"track: not found: {path}")
    track = read_track(path, key="track")
    plot = plot or band_plot(track, path, args.fps, args.seconds, args.offset)
    picture = curves_picture(plot, track, beat_times(track))
    cv2.imwrite(str(args.output), np.ascontiguousarray(picture[..., ::-1]))
    print(f"wrote {args.output}")
    return 0


def preset_plot(path: Path, overrides: list[str]) -> Plot:
    """The driven values of a preset per output frame, as its job would make them."""
    from ..audio.drive import driven_curves, offset_of
    from ..components.sources import source_for
    from ..config import load_preset
    from ..config.driven import driven_values
    from ..engine.settings import clip_timing

    preset = load_preset(path, overrides)
    driven = list(driven_values(preset))
    if not driven:
        raise UserError(f"{path}: no value of this preset follows a track")
    preset, frames, fps, note = clip_timing(preset, source_for(preset))
    if note:
        print(note)
    values = driven_curves(preset, fps, frames)
    curves = [Curve(key, _describe(value), np.array(values[key]), value.min, value.max) for key, value in driven]
    first = driven[0][1]
    title = f"{path.name}: {frames} frames at {fps:g} fps ({frames / fps:.2f} s)"
    return Plot(curves, Path(first.audio), fps, offset_of(preset, first), title)


def _describe(value) -> str:
    source = value.pulse or f"{value.band} band"
    return f"{source}, {value.min:g}..{value.max:g}, a {value.attack:g} r {value.release:g} s"


def band_plot(track, path: Path, fps: float, seconds: float | None, offset: float) -> Plot:
    """Each band's level, 0..1, per frame at ``fps`` over ``seconds`` of the track from ``offset``."""
    from ..audio.bands import BANDS, HOP, band_level
    from ..audio.envelope import follow, normalised, per_frame

    frames = max(1, int((seconds or max(track.seconds - offset, 0.0)) * fps))
    rate = track.rate / HOP
    curves = []
    for band, (low, high, _) in BANDS.items():
        level = normalised(follow(band_level(track, band), rate, 0.01, 0.2))
        edges = f"{low:g}-{high:g} Hz" if high else (f"{low:g} Hz and up" if low else "everything")
        curves.append(Curve(f"band: {band}", f"{edges}, 0..1", per_frame(level, rate, fps, frames, offset), 0.0, 1.0))
    return Plot(curves, Path(path), fps, offset, f"{Path(path).name}: band levels at {fps:g} fps")


def beat_times(track) -> np.ndarray:
    """Tracked beats, or none when librosa is not installed."""
    from ..audio.events import event_times

    try:
        return event_times(track, "beats", key="track")
    except UserError:
        return np.zeros(0)


def curves_picture(plot: Plot, track, beats: np.ndarray) -> np.ndarray:
    """The waveform lane, then a lane per curve (frame by frame), on one time axis."""
    curves, fps, offset, title = plot.curves, plot.fps, plot.offset, plot.title
    frames = len(curves[0].values)
    height = 28 + LANE * (len(curves) + 1) + 30
    canvas = np.full((height, LABEL_W + WIDTH + PAD, 3), BACKGROUND, np.uint8)
    put_text(canvas, title, PAD, 19, 0.5)
    x_of = lambda frame: LABEL_W + frame * WIDTH / frames  # noqa: E731 (frame -> x)
    _time_grid(canvas, frames, fps, x_of, 28, height - 30)
    _waveform(canvas, track, offset, frames / fps, beats, 28)
    for number, curve in enumerate(curves):
        _lane(canvas, curve, 28 + LANE * (number + 1), COLOURS[number % len(COLOURS)], x_of)
    return canvas


def _time_grid(canvas, frames: int, fps: float, x_of, top: int, bottom: int) -> None:
    seconds = frames / fps
    step = next(s for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120) if seconds / s <= 16)
    for t in np.arange(0, seconds + 1e-9, step):
        x = int(round(x_of(t * fps)))
        cv2.line(canvas, (x, top), (x, bottom), GRID, 1)
        put_text(canvas, f"{t:g} s", x + 2, bottom + 13, 0.38)
        put_text(canvas, f"f {int(round(t * fps))}", x + 2, bottom + 26, 0.33, (150, 150, 150))


def _waveform(canvas, track, offset: float, seconds: float, beats: np.ndarray, top: int) -> None:
    start = int(offset * track.rate)
    samples = track.samples[start:start + int(seconds * track.rate)]
    columns = np.array_split(np.pad(samples, (0, max(0, WIDTH - len(samples)))), WIDTH)
    middle, half = top + LANE // 2, LANE // 2 - 6
    peak = max(float(np.abs(samples).max(initial=0.0)), 1e-9)
    for x, column in enumerate(columns):
        lo, hi = (column.min(), column.max()) if len(column) else (0.0, 0.0)
        cv2.line(canvas, (LABEL_W + x, int(middle - hi / peak * half)), (LABEL_W + x, int(middle - lo / peak * half)),
                 (150, 150, 160), 1)
    for beat in beats:
        if offset <= beat < offset + seconds:
            x = int(LABEL_W + (beat - offset) / seconds * WIDTH)
            cv2.line(canvas, (x, top + 2), (x, top + 10), (255, 230, 90), 2)
    put_text(canvas, "track", PAD, top + 20, 0.45)
    put_text(canvas, f"from {offset:g} s" + (f", {len(beats)} beats" if len(beats) else ""), PAD, top + 38, 0.36, (170, 170, 170))


def _lane(canvas, curve: Curve, top: int, colour, x_of) -> None:
    y_lo, y_hi = top + LANE - 8, top + 8
    span = curve.high - curve.low
    y_of = lambda v: y_lo - (v - curve.low) / span * (y_lo - y_hi) if span > 0 else (y_lo + y_hi) / 2  # noqa: E731
    for y in (y_lo, y_hi):
        cv2.line(canvas, (LABEL_W, int(y)), (LABEL_W + WIDTH, int(y)), GRID, 1)
    points = []
    for frame, value in enumerate(curve.values):  # a step per frame: what each frame shows
        y = int(round(y_of(value)))
        points += [(int(round(x_of(frame))), y), (int(round(x_of(frame + 1))), y)]
    cv2.polylines(canvas, [np.array(points, np.int32)], False, colour, 1, cv2.LINE_AA)
    put_text(canvas, curve.label, PAD, top + 20, 0.45, colour)
    put_text(canvas, curve.detail, PAD, top + 38, 0.33, TEXT)
    put_text(canvas, f"{curve.high:g}", LABEL_W - 40, y_hi + 10, 0.33, (170, 170, 170))
    put_text(canvas, f"{curve.low:g}", LABEL_W - 40, y_lo, 0.33, (170, 170, 170))
