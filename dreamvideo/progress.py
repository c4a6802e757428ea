"""Progress reports: a bar on a terminal, JSON lines for programs, or nothing."""

from __future__ import annotations

import json
import sys
import time
from typing import Callable

MODES = ("auto", "bar", "plain", "json", "none")


class Progress:
    """Reports finished frames (or steps: ``unit``, also the key of the count in JSON lines).
    ``mode``: auto (a bar on a terminal, else plain lines every 10%), bar, plain, json (one object
    per line on stdout), none (quiet). ``on_record`` receives the json mode's records as dicts
    instead of their lines being printed (the Python API's ``progress=`` callback)."""

    def __init__(self, mode: str = "auto", *, output: str = "", stream=None, job: str | None = None,
                 position: int | None = None, on_record: Callable[[dict], None] | None = None):
        self.on_record = on_record
        if on_record is not None:
            mode = "json"
        self.stream = stream or (sys.stdout if mode == "json" else sys.stderr)
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "plain"
        self.mode, self.output = mode, output
        self.job, self.position = job, position  # several jobs at once (a farm): named, bars stacked
        self._bar = None
        self._started = time.monotonic()
        self._done_at_start = 0
        self._last_plain = -1
        self.unit = "frame"

    def start(self, total: int, done: int, stage: str = "render", unit: str = "frame") -> None:
        self.total, self._done_at_start, self._started = total, done, time.monotonic()
        self.unit = unit
        if self.mode == "bar":
            from tqdm import tqdm

            self._close_bar()
            self._bar = tqdm(total=total, initial=done, unit=unit, file=self.stream, dynamic_ncols=True,
                             desc=stage if self.job is None else f"{self.job} {stage}", position=self.position)
        self.update(done, stage)

    def update(self, done: int, stage: str = "render", *, file: str | None = None,
               clip_frame: int | None = None) -> None:
        """``done`` of ``total``; a finished frame's ``file`` and the ``clip_frame`` it shows go
        into the JSON record (so a reader needs no knowledge of the work folder's layout)."""
        elapsed = time.monotonic() - self._started
        made = done - self._done_at_start
        eta = elapsed / made * (self.total - done) if made > 0 else None
        if self.mode == "json":
            record = {"stage": stage, self.unit: done, "total": self.total, "elapsed_s": round(elapsed, 3),
                      "eta_s": None if eta is None else round(eta, 3), "output": self.output}
            if file is not None:
                record.update(file=file, clip_frame=clip_frame)
            if self.job is not None:
                record["job"] = self.job
            self._emit(record)
        elif self._bar is not None:
            self._bar.n = done
            self._bar.refresh()
        elif self.mode == "plain" and self.total and (done * 10 // self.total) > self._last_plain:
            self._last_plain = done * 10 // self.total
            eta_text = "" if eta is None else f", {eta:.0f} s left"
            name = "" if self.job is None else f"{self.job}: "
            print(f"{name}{stage}: {done}/{self.total} {self.unit}s{eta_text}", file=self.stream, flush=True)

    def message(self, text: str) -> None:
        if self.mode == "json":
            record = {"stage": "message", "message": text}
            if self.job is not None:
                record["job"] = self.job
            self._emit(record)
        elif self.mode != "none":
            target = self._bar.write if self._bar is not None else lambda t: print(t, file=sys.stderr)
            target(text)

    def finish(self, output: str, *, work: str | None = None) -> None:
        """The run is done; ``work``: its work folder, when it is kept (``--keep-work``)."""
        self._close_bar()
        if self.mode == "json":
            record = {"stage": "done", self.unit: self.total, "total": self.total,
                      "elapsed_s": round(time.monotonic() - self._started, 3), "eta_s": 0, "output": output}
            if work is not None:
                record["work"] = work
            if self.job is not None:
                record["job"] = self.job
            self._emit(record)

    def _emit(self, record: dict) -> None:
        if self.on_record is not None:
            self.on_record(record)
        else:
            print(json.dumps(record), file=self.stream, flush=True)

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
