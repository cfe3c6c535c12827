"""A run directory: one live run per directory, and the one place a run's config.yaml is written.

The run holds an exclusive `flock` on RUN_DIR/.lock while it writes there. The kernel drops the
lock when the process ends, however it ends, so a killed run never leaves it stuck; a second run
in a held directory is refused in one line. `open_run` takes the lock, checks a run already there
and writes the config, for every command that writes a run (train.py, the pilot, scoring runs).

Example:
    with open_run(config, "runs/quickstart"):
        ...  # ConfigError if another process holds the directory
"""

import contextlib
import fcntl
import os
import pathlib

from common.config.loader import check_run_version, save_config
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


@contextlib.contextmanager
def open_run(config, run_dir, chief=True, save_config_file=True):
    """Opens `run_dir` for a run of the experiment `config`: on the chief worker (the one that
    writes), holds its lock, checks that a run already there was written by a compatible version
    and writes its config.yaml, the one place a run's config is saved (not with
    `save_config_file=False`: an evaluation of a finished run keeps the config it trained with)."""
    run_dir = pathlib.Path(run_dir)
    lock = hold_run_directory(run_dir) if chief else None
    try:
        if chief:
            if (run_dir / "config.yaml").exists():
                check_run_version(run_dir)
            if save_config_file:
                save_config(config, run_dir / "config.yaml")
        yield
    finally:
        if lock:
            lock.release()
