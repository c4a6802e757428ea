"""The frame engine: drives an effect frame by frame, checkpoints every frame, encodes at the end.

Work folder ``<output>.work/`` next to the output (for a ``%05d`` pattern: next to its folder)
holds ``settings.json`` (what the frames depend on) and ``frames/000000.png`` … — each written
atomically (temp file + rename), so a crash or ``kill -9`` never leaves a broken frame.
Re-running the same command resumes at the first missing frame. Frames are the only carried
state: the previous output frame is read back from its PNG and the random generator is seeded
from (seed, frame index), so a resumed run produces exactly the frames of an uninterrupted one.
The final video is encoded from the PNGs into a ``.partial`` file that is renamed only when
complete; EXR output turns the frames back into scene-linear light with the source's view
transform (a Blender render's) or the sRGB decode.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .builders import source_for
from .config import Preset
from .effects import FrameContext, build_effect, render_plan
from .errors import Interrupted, UserError
from .progress import Progress
from .videoio import open_sink, output_location, to_uint8

DEFAULT_STILL_FRAMES = 48
DEFAULT_FPS = 24.0


@dataclass(frozen=True)
class WorkFolder:
    root: Path

    @classmethod
    def for_output(cls, output: Path) -> "WorkFolder":
        target = output_location(output)
        return cls(target.with_name(target.name + ".work"))

    def frame_path(self, index: int) -> Path:
        return self.root / "frames" / f"{index:06d}.png"

    def first_missing(self, total: int) -> int:
        index = 0
        while index < total and self.frame_path(index).is_file():
            index += 1
        return index

    def read(self, index: int) -> np.ndarray:
        image = cv2.imread(str(self.frame_path(index)), cv2.IMREAD_COLOR)
        if image is None:
            raise UserError(f"work frame missing or unreadable: {self.frame_path(index)}")
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def write(self, index: int, frame: np.ndarray) -> None:
        path = self.frame_path(index)
        temporary = path.with_name(f".{path.stem}.tmp.png")
        if not cv2.imwrite(str(temporary), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise OSError(f"could not write {temporary}")
        os.replace(temporary, path)

    def describe(self, frames: list[dict] | None) -> None:
        """``plan.json``: what each work frame is (e.g. its pass, for multi-pass style)."""
        if frames is not None:
            (self.root / "plan.json").write_text(json.dumps(frames, indent=0))

    def prepare(self, fingerprint: dict, *, overwrite: bool) -> None:
        """Create the folder, or check that an existing one was made with the same settings."""
        settings = self.root / "settings.json"
        if settings.is_file() and json.loads(settings.read_text()) != fingerprint:
            if not overwrite:
                raise UserError(f"{self.root} holds frames rendered with other settings; "
                                f"pass --overwrite to discard them and start again")
            shutil.rmtree(self.root)
        (self.root / "frames").mkdir(parents=True, exist_ok=True)
        temporary = settings.with_suffix(".tmp")
        temporary.write_text(json.dumps(fingerprint, indent=1, sort_keys=True))
        os.replace(temporary, settings)


def fingerprint(preset: Preset, source) -> dict:
    """What frames depend on: the settings — changing codec, fps or path (or the clip length,
    unless it loops) keeps finished frames usable — and the input files' sizes and times, so
    re-rendered Blender passes or an edited video are never mixed with old frames."""
    data = preset.model_dump(mode="json")
    output = data.pop("output")
    data["output"] = {"size": output["size"]}
    if output["loop"]:
        data["output"].update(frames=output["frames"], loop=True, loop_frames=output["loop_frames"])
    data["input_files"] = [file_stamp(path) for path in input_files(source)]
    return data


def input_files(source) -> list[Path]:
    files = getattr(source, "files", None)
    if files is not None:
        return [Path(path) for path in files]
    path = getattr(source, "path", None)
    return [Path(path)] if path is not None else []


def file_stamp(path: Path) -> list:
    stat = path.stat()
    return [str(path), stat.st_size, stat.st_mtime_ns]


@contextmanager
def stop_requests() -> Iterator[list[bool]]:
    """While active, the first Ctrl-C / SIGTERM only asks to stop after the current frame; a second
    Ctrl-C stops at once (finished frames are safe on disk either way)."""
    requested = [False]

    def handler(signum, frame):
        if requested[0] and signum == signal.SIGINT:
            raise KeyboardInterrupt
        requested[0] = True

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield requested
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def render(preset: Preset, *, overwrite: bool = False, progress: Progress | None = None,
           keep_work: bool = False) -> Path:
    """Render ``preset`` to its output path; resumes from the work folder when there is one."""
    progress = progress or Progress("none")
    output = Path(preset.output.path)
    target = output_location(output)
    if occupied(target) and not overwrite:
        raise UserError(f"{target} exists; pass --overwrite to replace it")
    source = source_for(preset)
    work = WorkFolder.for_output(output)
    work.prepare(fingerprint(preset, source), overwrite=overwrite)
    configure_tensorflow()

    frames = clip_length(preset, source)
    effect = build_effect(preset, source, frame_size=source.size)
    total, order = render_plan(effect, frames)
    work.describe(getattr(effect, "describe_frames", lambda frames: None)(frames))
    progress.output = str(output)
    render_frames(effect, source, work, preset.seed, total=total, frames=frames, progress=progress)

    fps = preset.output.fps or source.fps or DEFAULT_FPS
    display = getattr(source, "display", None)  # a Blender render's view transform
    encode(work, order, output, preset, source.size, fps, overwrite, progress,
           to_linear=display.to_linear if display is not None else None)
    progress.finish(str(output))
    if not keep_work:
        shutil.rmtree(work.root, ignore_errors=True)
    return output


def render_frames(effect, source, work: WorkFolder, seed: int, *, total: int, frames: int,
                  progress: Progress) -> None:
    """Make every frame missing from the work folder, in order; stop cleanly when asked."""
    start = work.first_missing(total)
    if start:
        progress.message(f"resuming at frame {start}/{total} from {work.root}")
    progress.start(total, start)
    with stop_requests() as stop:
        for index, (previous_source, current_source) in zip(range(start, total),
                                                            source_pairs(source, start, frames)):
            context = FrameContext(
                index=index, total=total,
                previous=work.read(index - 1) if index else None,
                source=current_source, previous_source=previous_source,
                rng=np.random.default_rng([seed, index]),
                history=work.read,
            )
            frame = check_frame(effect.render(context), source.size, index)
            work.write(index, apply_mask(source, index, frame, current_source))
            progress.update(index + 1)
            if stop[0] and index + 1 < total:
                raise Interrupted(index + 1, total, work.root)


def occupied(path: Path) -> bool:
    """True when ``path`` exists and is not an empty folder."""
    return path.exists() and not (path.is_dir() and not any(path.iterdir()))


def clip_length(preset: Preset, source) -> int:
    available = source.frame_count
    wanted = preset.output.frames
    if wanted is None:
        return available if available is not None else DEFAULT_STILL_FRAMES
    if available is not None and wanted > available and preset.effect != "dream_zoom":
        raise UserError(f"output.frames: {wanted} asked, but the source has only {available} frames")
    return wanted


def source_pairs(source, start: int, frames: int):
    """(previous source frame, current source frame) from ``start`` on; the last frame of a
    finite source repeats once it runs out (stills repeat by nature), also when resuming past it."""
    stream = source.frames(max(0, min(start, frames) - 1))
    previous, last = None, None
    if start > 0:
        previous = last = next(stream, None)
    while True:
        current = next(stream, last)
        if current is None:
            raise UserError("source: no frames could be read")
        yield previous, current
        previous = last = current


def apply_mask(source, index: int, frame: np.ndarray, original: np.ndarray) -> np.ndarray:
    """Keep the effect only where the source's mask is (Blender object masks, soft edges)."""
    config = getattr(source, "config", None)
    if getattr(config, "mask", None) is None or index >= source.frame_count:
        return frame
    weight = source.mask(index)[..., None]
    mixed = weight * frame.astype(np.float32) + (1 - weight) * original.astype(np.float32)
    return to_uint8(mixed)


def check_frame(frame: np.ndarray, size: tuple[int, int], index: int) -> np.ndarray:
    expected = (size[1], size[0], 3)
    if frame.dtype != np.uint8 or frame.shape != expected:
        raise RuntimeError(f"effect returned {frame.dtype} {frame.shape} for frame {index}, expected uint8 {expected}")
    return frame


def encode(work: WorkFolder, order: list[int], output: Path, preset: Preset, size, fps: float,
           overwrite: bool, progress: Progress, *, to_linear=None) -> None:
    """Work frames -> the output. ``to_linear`` turns display frames back into scene-linear
    light for EXR output (None: the sRGB decode)."""
    progress.start(len(order), 0, stage="encode")
    with open_sink(output, fps=fps, size=size, codec=preset.output.codec, crf=preset.output.crf,
                   overwrite=overwrite, to_linear=to_linear) as sink:
        for done, index in enumerate(order, 1):
            sink.write(work.read(index))
            progress.update(done, stage="encode")


def configure_tensorflow() -> None:
    """Deterministic ops (same seed, same frames; resume = uninterrupted run). TensorFlow uses a
    GPU when it sees one and all CPU cores otherwise; nothing here assumes either."""
    from ._tf import tf

    tf.config.experimental.enable_op_determinism()
