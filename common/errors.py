"""The exception types that carry a user's mistake to a one-line message.

`train.py` (and every command-line entry point) catches `UserError` once, prints its message and
exits with status 2; anything else is a bug and keeps its traceback.
"""


class UserError(Exception):
    """A problem the user can fix: the message names the file, key or path and what was expected."""


class ConfigError(UserError):
    """An experiment file or a `--set` override is wrong."""


class DatasetError(UserError):
    """A data set is missing, incomplete or malformed."""


class TrainingError(UserError):
    """Training cannot go on (for example the loss became NaN); the last good checkpoint is kept."""
