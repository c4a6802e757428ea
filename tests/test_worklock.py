"""The work folder's lock: one run at a time; stale locks (dead owner here, silent owner
elsewhere) are taken over with a message; a live owner refuses with one line naming it."""

import json
import socket
import subprocess
import sys
import time

import pytest

from dreamvideo.engine import WorkLock
from dreamvideo.engine.lock import is_stale, owner_record
from dreamvideo.errors import UserError


def test_second_acquire_is_refused_while_the_owner_lives(tmp_path):
    lock = WorkLock.for_work(tmp_path / "out.mp4.work")
    messages = []
    with lock.held(messages.append) as mine:
        assert json.loads(lock.path.read_text())["pid"] == mine["pid"]
        with pytest.raises(UserError, match=r"out.mp4.work is being rendered by pid \d+ on "):
            lock.acquire(messages.append)
    assert not lock.path.exists() and messages == []


def test_dead_owner_on_this_host_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock = WorkLock.for_work(tmp_path / "job.work")
    lock.path.write_text(json.dumps({"host": socket.gethostname(), "pid": int(dead.stdout), "started": 1.0,
                                     "heartbeat": time.time()}))
    messages = []
    mine = lock.acquire(messages.append)
    assert mine["pid"] != int(dead.stdout)
    assert len(messages) == 1 and "taking over the stale lock of pid" in messages[0]
    lock.release(mine)


def test_reused_pid_and_silent_other_host(tmp_path):
    me = owner_record()
    assert not is_stale(me)
    assert is_stale({**me, "started": me["started"] - 100})  # same pid, another process now
    other = {"host": "elsewhere.invalid", "pid": 1, "started": 0.0}
    assert not is_stale({**other, "heartbeat": time.time() - 60}, stale_after=600)
    assert is_stale({**other, "heartbeat": time.time() - 700}, stale_after=600)


def test_heartbeat_keeps_a_long_run_fresh_for_other_hosts(tmp_path, monkeypatch):
    monkeypatch.setattr("dreamvideo.engine.lock.HEARTBEAT_S", 0.05)
    lock = WorkLock.for_work(tmp_path / "job.work")
    with lock.held(print):
        first = lock.read()["heartbeat"]
        time.sleep(0.3)
        assert lock.read()["heartbeat"] > first
