"""The work folder's lock: one run at a time works on a job's frames.

``<work>.lock`` (beside the work folder, so ``--overwrite`` can clear the folder) records the
owner: host, pid, the owner process's start time, and a heartbeat refreshed while it runs. It
appears atomically (a hard link, which shared storage such as NFS honours). A stale lock — its
owner on this host is dead (or its pid now belongs to another process), or, for another host,
its heartbeat is older than ``stale_after`` seconds — is taken over with a message; a live one
refuses the run with one line naming the owner.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import psutil

from ..errors import UserError
from ..videoio.images import write_bytes

STALE_AFTER_S = 600.0
HEARTBEAT_S = 30.0


def owner_record() -> dict:
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "started": psutil.Process(pid).create_time(),
            "heartbeat": time.time()}


def is_stale(owner: dict, *, stale_after: float = STALE_AFTER_S, now: float | None = None) -> bool:
    """Dead owner on this host (or its pid reused), or no heartbeat for ``stale_after`` s elsewhere."""
    if owner.get("host") == socket.gethostname():
        try:
            return abs(psutil.Process(int(owner["pid"])).create_time() - float(owner["started"])) > 1.0
        except (psutil.NoSuchProcess, KeyError, ValueError, TypeError):
            return True
    heartbeat = float(owner.get("heartbeat", 0))
    return (time.time() if now is None else now) - heartbeat > stale_after


def describe(owner: dict) -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(owner.get("started", 0))))
    return f"pid {owner.get('pid')} on {owner.get('host')} (started {started})"


@dataclass(frozen=True)
class WorkLock:
    path: Path
    stale_after: float = STALE_AFTER_S

    @classmethod
    def for_work(cls, root: Path, stale_after: float = STALE_AFTER_S) -> "WorkLock":
        return cls(root.with_name(root.name + ".lock"), stale_after)

    def read(self) -> dict | None:
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # unreadable: treated as stale

    def acquire(self, message: Callable[[str], None]) -> dict:
        """Take the lock (taking over a stale one, with a message) or raise UserError."""
        mine = owner_record()
        for _ in range(3):
            if self._create(mine):
                return mine
            owner = self.read()
            if owner is None:
                continue  # released meanwhile
            if not is_stale(owner, stale_after=self.stale_after):
                raise UserError(f"{self.path.with_suffix('')} is being rendered by {describe(owner)}; "
                                f"wait for it to finish (or stop it) and run again")
            if self._remove_if_unchanged(owner):
                message(f"taking over the stale lock of {describe(owner)} on {self.path.with_suffix('')}")
        raise UserError(f"could not take the lock {self.path}; another run keeps taking it")

    def release(self, mine: dict) -> None:
        current = self.read() or {}
        if (current.get("host"), current.get("pid")) == (mine["host"], mine["pid"]):
            self.path.unlink(missing_ok=True)

    def refresh(self, mine: dict) -> None:
        """Renew the heartbeat (atomically), if the lock is still ours."""
        current = self.read() or {}
        if (current.get("host"), current.get("pid")) != (mine["host"], mine["pid"]):
            return
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        write_bytes(temporary, json.dumps({**mine, "heartbeat": time.time()}).encode())
        os.replace(temporary, self.path)

    @contextmanager
    def held(self, message: Callable[[str], None]) -> Iterator[dict]:
        """Hold the lock, renewing its heartbeat every ``HEARTBEAT_S`` s, until the block ends."""
        mine = self.acquire(message)
        done = threading.Event()
        beat = threading.Thread(target=self._beat, args=(mine, done), daemon=True)
        beat.start()
        try:
            yield mine
        finally:
            done.set()
            beat.join()
            self.release(mine)

    def _beat(self, mine: dict, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT_S):
            try:
                self.refresh(mine)
            except OSError:
                pass  # disk full or folder gone: the render itself reports it; try again next beat

    def _create(self, owner: dict) -> bool:
        """Write the record to a private file, then hard-link it into place: the lock appears
        whole or not at all, and only one of several racing runs gets it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.new.{os.getpid()}")
        write_bytes(temporary, json.dumps(owner).encode())  # an OS error names the file
        try:
            os.link(temporary, self.path)
        except FileExistsError:
            return False
        finally:
            temporary.unlink(missing_ok=True)
        return True

    def _remove_if_unchanged(self, owner: dict) -> bool:
        """Move the stale lock aside, and put it back if it changed meanwhile (a racing taker)."""
        aside = self.path.with_name(f".{self.path.name}.stale.{os.getpid()}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:
            return False
        try:
            moved = json.loads(aside.read_text())
        except (OSError, ValueError):
            moved = {}
        if moved != owner and not is_stale(moved, stale_after=self.stale_after):
            os.replace(aside, self.path)  # a live owner's lock: restore it
            return False
        aside.unlink(missing_ok=True)
        return True
