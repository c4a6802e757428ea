"""Errors a user can cause: printed as one line by the CLI, exit status 2."""


class UserError(Exception):
    """A problem with the user's input (preset, paths, files); the message is one clear line."""
