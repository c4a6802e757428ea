"""Errors a user can cause: printed as one line by the CLI, exit status 2; raised as they are by
the Python API (``import dreamvideo``), so a script can catch the kind it cares about."""


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
