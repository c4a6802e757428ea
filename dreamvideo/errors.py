"""Errors a user can cause: printed as one line by the CLI, exit status 2; raised as they are by
the Python API (``import dreamvideo``), so a script can catch the kind it cares about. And the one
line the CLI prints for an operating-system error (disk full, permission denied, a vanished folder)."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path


class UserError(Exception):
    """A problem with the user's input (preset, paths, files); the message is one clear line."""


class PresetError(UserError):
    """A preset is not valid: an unreadable file, bad YAML, a bad ``--set``/override, or a key
    whose value is not allowed (the message names the key path)."""


class InputError(UserError):
    """An input file a preset names (source, style image, guide, weights) is missing or unusable."""


class OutputExistsError(UserError):
    """The output exists and replacing it was not asked for (``--overwrite`` / ``overwrite=True``)."""


class Interrupted(Exception):
    """The user asked to stop (Ctrl-C / SIGTERM); finished frames are kept for a resume."""

    def __init__(self, done: int, total: int, work):
        super().__init__(f"stopped after {done}/{total} frames; run the same command again to resume "
                         f"(work folder: {work})")


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_NO_ACCESS = (errno.EACCES, errno.EPERM)


def os_error_line(err: OSError, *, resumable: bool = False) -> str:
    """One line for an OS error: what happened, where, and what to do. ``resumable``: finished
    frames are on disk, so running the same command again resumes."""
    where = err.filename
    place = f" {where}" if where else ""
    again = ("; running the same command again resumes (finished frames are kept)" if resumable
             else "; then run the same command again")
    if err.errno in _DISK_FULL:
        return f"disk full: could not write{place}{_free_space(where)}; free some space{again}"
    if err.errno in _NO_ACCESS:
        return f"permission denied:{place}; make its folder writable or choose another output path{again}"
    if err.errno == errno.EROFS:
        return f"read-only file system:{place}; choose an output path on a writable disk"
    if err.errno == errno.ENOENT:
        return (f"no such file or folder:{place} (was a folder moved or deleted during the run?); "
                "run the same command again")
    reason = err.strerror or str(err) or type(err).__name__
    return f"{reason}:{place}" if place else reason


def _free_space(path) -> str:
    """`` (N MB free in FOLDER)`` for the nearest existing folder of ``path``, or ''."""
    if not path:
        return ""
    folder = Path(path)
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    return f" ({free / 1e6:.1f} MB free in {folder})"
