"""The work folder ``<output>.work/``: ``settings.json`` (what the frames depend on), ``plan.json``
(what each work frame is) and ``frames/000000.png`` … (a segmented job adds ``warmup/kkk/`` and
``merged/``, :mod:`.segments`) — each written atomically (temp file + rename), so a crash or
``kill -9`` never leaves a broken frame. Only the engine knows this layout: progress records name
each finished frame's file."""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..errors import UserError
from ..videoio import output_location
from ..videoio.images import write_bytes, write_png


@dataclass(frozen=True)
class WorkFolder:
    root: Path

    @classmethod
    def for_output(cls, output: Path) -> "WorkFolder":
        target = output_location(output)
        return cls(target.with_name(target.name + ".work"))

    def frame_path(self, index: int) -> Path:
        return self.root / "frames" / frame_name(index)

    def warmup_folder(self, segment: int) -> Path:
        """Where segment ``segment`` keeps its warm-up frames."""
        return self.root / "warmup" / f"{segment:03d}"

    def finished_frames(self) -> int:
        """Frames on disk, warm-up frames included (temporary files start with a dot)."""
        folders = [self.root / "frames"]
        warmup = self.root / "warmup"
        if warmup.is_dir():
            folders += [entry for entry in warmup.iterdir() if entry.is_dir()]
        return sum(_count_pngs(folder) for folder in folders)

    def first_missing(self, total: int, first: int = 0) -> int:
        """The first frame from ``first`` on that is not on disk (``total`` when none is)."""
        index = first
        while index < total and self.frame_path(index).is_file():
            index += 1
        return index

    def has_frames(self) -> bool:
        folder = self.root / "frames"
        return folder.is_dir() and any(folder.glob("[0-9]*.png"))

    def read(self, index: int) -> np.ndarray:
        path = self.frame_path(index)
        data = np.fromfile(path, np.uint8)  # a folder moved or deleted mid-run: FileNotFoundError,
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)  # not an OpenCV warning on stderr
        if image is None:
            raise UserError(f"work frame unreadable: {path}")
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def write(self, index: int, frame: np.ndarray) -> None:
        path = self.frame_path(index)
        temporary = path.with_name(f".{path.stem}.tmp.png")
        write_png(frame, temporary)  # an OS error names the file and keeps no partial one
        os.replace(temporary, path)

    def describe(self, frames: list[dict] | None) -> None:
        """``plan.json``: what each work frame is (e.g. its pass, for multi-pass style)."""
        if frames is not None:
            (self.root / "plan.json").write_text(json.dumps(frames, indent=0))

    @contextmanager
    def prepared(self, fingerprint: dict, *, overwrite: bool) -> Iterator[WorkFolder]:
        """:meth:`prepare`, and if the block fails before a frame is on disk, remove the folder
        again (a failed start leaves nothing behind; made frames stay for a resume)."""
        try:
            self.prepare(fingerprint, overwrite=overwrite)
            yield self
        except BaseException:
            if not self.has_frames():
                shutil.rmtree(self.root, ignore_errors=True)
            raise

    def prepare(self, fingerprint: dict, *, overwrite: bool) -> None:
        """Create the folder, or check that an existing one holding frames was made with the same
        settings (a folder without frames is simply taken over)."""
        settings = self.root / "settings.json"
        if settings.is_file() and self.has_frames() and json.loads(settings.read_text()) != fingerprint:
            if not overwrite:
                raise UserError(f"{self.root} holds frames rendered with other settings; "
                                f"pass --overwrite to discard them and start again")
            shutil.rmtree(self.root)
        (self.root / "frames").mkdir(parents=True, exist_ok=True)
        temporary = settings.with_suffix(".tmp")
        write_bytes(temporary, json.dumps(fingerprint, indent=1, sort_keys=True).encode())
        os.replace(temporary, settings)


def frame_name(index: int) -> str:
    return f"{index:06d}.png"


def _count_pngs(folder: Path) -> int:
    try:
        return sum(1 for entry in os.scandir(folder) if entry.name.endswith(".png") and entry.name[0] != ".")
    except FileNotFoundError:
        return 0
