"""The output policy: where a command may write. Every writer of the code goes through it (the
atomic writers of `common.atomic`, the run directories of `common.run_directory`, the exports),
so a new command keeps it without remembering to; `tests/commands/test_output_policy.py` runs
every command's entry point through it.

1. **Runs are their writers'.** A run directory is a folder holding `.run.lock` (`LOCK_NAME`); the run
   that writes there holds an exclusive `flock` on it (`hold_run_directory`), dropped by the kernel
   when the process ends, however it ends. Inside a run directory only the process holding its
   lock writes: any other output there is refused before anything is written.
2. **Nothing is followed out of a run.** Inside a run directory no part of an output's path may be
   a link (the lock file included); atomic writes replace a name, never what it points to.
3. **Inputs are never outputs**: not the same path, a link or a hard link to a file the command
   reads, nor a path inside a folder it reads (`require_not_an_input`).
4. **A path in the way is the user's**: a folder where a file goes, a file or a dangling link
   where a folder goes is an `OutputError` (exit 2) naming the path; the machine refusing (no
   permission, read-only, full) is a `SystemFault` (exit 3) naming the path.

Example:
    lock = hold_run_directory("runs/quickstart")
    check_output("runs/quickstart/metrics.json")  # passes: this process holds the run
    lock.release()
"""

import errno
import os
import pathlib

from common.errors import ConfigError, OutputError, SystemFault

LOCK_NAME = ".run.lock"
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


def _open_lock_file(path):
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputError(f"{path}: is a link; a run's lock file is its own, remove the link") from error
        if error.errno == errno.EISDIR:
            raise OutputError(f"{path}: a folder is in the way of the run's lock file") from error
        raise SystemFault(f"{path}: cannot open the run's lock file ({error.strerror or error})") from error
    return os.fdopen(descriptor, "r+")


def hold_run_directory(run_dir):
    """Takes the run directory `run_dir` (created if missing, by the policy's rules) for this
    process; raises ConfigError naming it and the holder's process id when another live process
    holds it."""
    import fcntl

    run_dir = output_folder(run_dir)
    key = str(run_dir.resolve())
    if key in _HELD:
        _HELD[key][1] += 1
        return RunLock(key)
    handle = _open_lock_file(run_dir / LOCK_NAME)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
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


def enclosing_run(path):
    """The nearest folder above `path` (not `path` itself) that is a run directory, or None."""
    for folder in pathlib.Path(os.path.abspath(path)).parents:
        if os.path.lexists(folder / LOCK_NAME):
            return folder
    return None


def check_output(path, reads=(), folder=False, option="--out"):
    """Raises, before anything is written, when the policy forbids writing `path` (a file, or a
    folder with `folder`): one of the files `reads` the command reads or inside a folder of them
    (`require_not_an_input`, naming `option`), inside a run directory this process does not hold,
    through a link inside a run, a path in the way, or a folder the machine will not let us write
    in; returns `path` as a Path. Creates nothing."""
    path = pathlib.Path(path)
    require_not_an_input(path, reads, option)
    run = enclosing_run(path)
    if run is not None:
        if str(run.resolve()) not in _HELD:
            shown = run if path.is_absolute() else os.path.relpath(run)
            raise OutputError(f"{path}: inside the run directory {shown}, whose files are its own; write outside it")
        inside = pathlib.Path(os.path.abspath(path)).relative_to(run)
        for depth in range(1, len(inside.parts) + 1):
            part = run.joinpath(*inside.parts[:depth])
            if part.is_symlink():
                raise OutputError(f"{part}: is a link inside the run directory {run}; nothing there is followed")
    if folder and os.path.lexists(path) and not path.is_dir():
        raise OutputError(f"{path}: a file or a dangling link is in the way of the output folder")
    if not folder and path.is_dir():
        raise OutputError(f"{path}: a folder is in the way of the output file")
    existing = next(parent for parent in (path, *path.parents) if os.path.lexists(parent))
    if existing != path and not existing.is_dir():
        raise OutputError(f"{path}: {existing} is in the way (a file or a dangling link, not a folder)")
    writable = existing if existing.is_dir() and (folder or existing != path) else existing.parent
    if not os.access(writable, os.W_OK | os.X_OK):
        raise SystemFault(f"{path}: cannot write in {writable} (read-only or no permission)")
    return path


def output_folder(path):
    """Creates the folder `path` (and its parents) under the policy (`check_output`); the machine
    refusing is a SystemFault naming the folder."""
    path = check_output(path, folder=True)
    for folder in (*reversed(path.parents), path):
        if folder.is_dir():
            continue
        try:
            folder.mkdir()
        except FileExistsError:
            if not folder.is_dir():  # made meanwhile, as a file
                raise OutputError(f"{path}: {folder} is in the way (a file, not a folder)") from None
        except OSError as error:
            raise SystemFault(f"{folder}: cannot create the folder ({error.strerror or error})") from error
    return path


def output_file(path):
    """Checks the output file `path` under the policy (`check_output`) and creates its folder."""
    path = check_output(path)
    output_folder(path.parent)
    return path


def require_not_an_input(out, inputs, option="--out"):
    """Raises OutputError, before anything is written, when the output `out` is one of `inputs`
    (files the command reads: the same path, a link to it or a hard link) or lies inside one of
    them (a run directory the command reads)."""
    out = pathlib.Path(out)
    resolved = out.resolve()
    for source in map(pathlib.Path, inputs):
        inside = source.is_dir() and resolved.is_relative_to(source.resolve())
        same = resolved == source.resolve() or (out.exists() and source.exists() and out.samefile(source))
        if same or inside:
            what = "inside" if inside and not same else "is"
            raise OutputError(f"{option} {out}: {what} {source}, which this command reads; choose another {option}")
