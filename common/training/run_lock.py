"""One live run per run directory: the run holds an exclusive `flock` on RUN_DIR/.lock while it
writes there. The kernel drops the lock when the process ends, however it ends, so a killed run
never leaves it stuck; a second run in a held directory is refused in one line.

Example:
    lock = hold_run_directory("runs/quickstart")   # ConfigError if another process holds it
    ...
    lock.release()
"""

import fcntl
import os
import pathlib

from common.errors import ConfigError

_HELD = {}  # resolved run directory -> [open lock file, holders in this process]


class RunLock:
    """A hold on one run directory; `release` it when the run ends (holders in one process share
    the lock: a model's stages and their trainers, a test that resumes in-process)."""

    def __init__(self, key):
        self.key = key
        self.released = False

    def release(self):
        if self.released:
            return
        self.released = True
        entry = _HELD[self.key]
        entry[1] -= 1
        if entry[1] == 0:
            entry[0].close()  # closing the file drops the flock
            del _HELD[self.key]


def hold_run_directory(run_dir):
    """Takes the run directory `run_dir` (created if missing) for this process; raises ConfigError
    naming it and the holder's process id when another live process holds it."""
    run_dir = pathlib.Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    key = str(run_dir.resolve())
    if key in _HELD:
        _HELD[key][1] += 1
        return RunLock(key)
    handle = open(run_dir / ".lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise ConfigError(
            f"{run_dir}: another run is writing here (process {holder}); wait for it to end or choose another --run-dir"
        ) from error
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    _HELD[key] = [handle, 1]
    return RunLock(key)
