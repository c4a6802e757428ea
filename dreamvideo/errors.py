"""Errors a user can cause: printed as one line by the CLI, exit status 2."""


class UserError(Exception):
    """A problem with the user's input (preset, paths, files); the message is one clear line."""


class Interrupted(Exception):
    """The user asked to stop (Ctrl-C / SIGTERM); finished frames are kept for a resume."""

    def __init__(self, done: int, total: int, work):
        super().__init__(f"stopped after {done}/{total} frames; run the same command again to resume "
                         f"(work folder: {work})")
