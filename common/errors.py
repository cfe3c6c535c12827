"""The exception types that carry a user's mistake to a one-line message.

Every command-line entry point runs its work through `exit_status`, which catches `UserError`
once, prints its message and returns status 2 (3 for a `SystemFault`: a full disk, a read-only or
missing folder, any `OSError`); anything else is a bug and keeps its traceback. A `UserError`
raised where it cannot travel as itself (a data set's reader inside a tf.data worker, whose
exceptions TensorFlow re-raises as its own) is `remember`ed, and `exit_status` reports it.
"""

import math
import os
import reprlib
import sys

_REMEMBERED = []

# How much of a wrong value an error message shows: a few items, a few levels, a short string
# (a YAML alias "bomb" of a few hundred bytes unfolds into more than memory holds).
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 2, 60, 60
_SHORT.maxdict = _SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = 4


def exit_status(work):
    """Runs work(); returns 0, or 2 after printing `error: <message>` for a `UserError`.

    The commands import TensorFlow inside `work`; its C++ start-up logs are quietened first
    (`TF_CPP_MIN_LOG_LEVEL=2` unless the environment sets it)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _REMEMBERED.clear()
    try:
        work()
    except UserError as error:
        _print_error(error)
        return error.exit_code
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        _print_error(f"{where}{error.strerror or error}")
        return SystemFault.exit_code
    except Exception:
        if not _REMEMBERED:
            raise
        _print_error(_REMEMBERED[0])
        return _REMEMBERED[0].exit_code
    return 0


def _print_error(message):
    """The one `error:` line; a line break inside it (a path with a newline) is written as \\n."""
    text = str(message).replace("\r", "\\r").replace("\n", "\\n")
    print(f"error: {text}", file=sys.stderr)


def remember(error):
    """Keeps `error`, a UserError about to be re-raised as another exception type, for
    `exit_status` to report."""
    _REMEMBERED.append(error)


def short_repr(value, limit=120):
    """`repr(value)` bounded in depth, items and `limit` characters, for error messages."""
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def require_number(value, what, low=None, high=None, low_open=False):
    """Raises UserError naming `what` unless `value` is a finite number in [low, high] (or
    (low, high] with `low_open`); NaN and infinities never pass."""
    finite = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    inside = finite and (low is None or (value > low if low_open else value >= low)) and (high is None or value <= high)
    if not inside:
        bounds = [f"> {low:g}" if low_open else f">= {low:g}"] if low is not None else []
        bounds += [f"<= {high:g}"] if high is not None else []
        expected = "a finite number" + (f" {' and '.join(bounds)}" if bounds else "")
        raise UserError(f"{what}: expected {expected}, got {short_repr(value)}")


class UserError(Exception):
    """A problem the user can fix: the message names the file, key or path and what was expected."""

    exit_code = 2


class SystemFault(UserError):
    """The machine refused a write or a read: a full disk, a read-only or vanished folder."""

    exit_code = 3


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


class OutputError(UserError):
    """An output path that cannot be a file: a folder is in its way."""
