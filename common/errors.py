"""The exception types that carry a user's mistake to a one-line message.

Every command-line entry point runs its work through `exit_status`, which catches `UserError`
once, prints its message and returns status 2; anything else is a bug and keeps its traceback.
"""

import os
import sys


def exit_status(work):
    """Runs work(); returns 0, or 2 after printing `error: <message>` for a `UserError`.

    The commands import TensorFlow inside `work`; its C++ start-up logs are quietened first
    (`TF_CPP_MIN_LOG_LEVEL=2` unless the environment sets it)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        work()
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


class UserError(Exception):
    """A problem the user can fix: the message names the file, key or path and what was expected."""


class ConfigError(UserError):
    """An experiment file or a `--set` override is wrong."""


class DatasetError(UserError):
    """A data set is missing, incomplete or malformed."""


class TrainingError(UserError):
    """Training cannot go on (for example the loss became NaN); the last good checkpoint is kept."""


class ArgumentError(UserError, ValueError):
    """A model builder's argument is impossible (`ModelSpec.check` raises it before anything is
    built; the builders raise it too, so that direct callers get a ValueError)."""


class InputError(UserError):
    """An inference command's model or input file is missing, unreadable or of the wrong shape."""
