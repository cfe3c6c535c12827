"""A run directory: one live run per directory, and the one place a run's config.yaml is written.

The run holds the lock of its directory while it writes there (`common.outputs`: one writer per
run, dropped by the kernel however the process ends). `open_run` takes the lock, checks a run
already there and writes the config, for every command that writes a run (train.py, the pilot,
scoring runs).

Example:
    with open_run(config, "runs/quickstart"):
        ...  # ConfigError if another process holds the directory
"""

import contextlib
import pathlib

from common.config.loader import check_run_version, config_to_dict, save_config
from common.errors import ConfigError, short_repr
from common.outputs import LOCK_NAME, hold_run_directory

# What a run may change when it continues in its directory: its length, how often it logs, tests
# and checkpoints, which of its networks it trains (DPDE's gradient_net.yaml retrains one), where
# its data lives, and what the hardware decides. Anything else (the model, the loss, the optimizer,
# the schedule, the data, the seed) would make one run of two experiments.
RESUMABLE_CHANGES = (
    "name",
    "data.root",
    "data.cache",
    "train.epochs",
    "train.stages",
    "train.checkpoint_every_steps",
    "train.keep_checkpoints",
    "train.log_every_steps",
    "train.steps_per_execution",
    "train.mixed_precision",
    "train.jit_compile",
    "eval",
    "export",
    "distribute",
)


def _flatten(mapping, prefix=""):
    flat = {}
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def check_same_training(config, run_dir):
    """Raises ConfigError naming the first setting that differs between `config` and the run in
    `run_dir` (its config.yaml, of a compatible version: `check_run_version`), beyond
    `RESUMABLE_CHANGES`."""
    saved_path = pathlib.Path(run_dir) / "config.yaml"
    saved = {key: value for key, value in check_run_version(run_dir).items() if key != "version"}
    before, now = _flatten(saved), _flatten(config_to_dict(config))
    for key in sorted(set(before) | set(now)):
        if any(key == allowed or key.startswith(f"{allowed}.") for allowed in RESUMABLE_CHANGES):
            continue
        if before.get(key) != now.get(key):
            raise ConfigError(
                f"{saved_path}: this run was trained with {key} = {short_repr(before.get(key))}, not "
                f"{short_repr(now.get(key))}; continue it with its own settings or choose another run directory"
            )


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
                if save_config_file:
                    check_same_training(config, run_dir)
                else:
                    check_run_version(run_dir)
            if save_config_file:
                save_config(config, run_dir / "config.yaml")
        yield
    finally:
        if lock:
            lock.release()


TRAINING_FILES = ("checkpoints", "model.keras")


@contextlib.contextmanager
def results_run(run_dir):
    """Opens `run_dir` for a command that writes results without training (`commands.score`):
    holds its lock, and refuses the folder of a training run (its checkpoints or saved model),
    whose metrics.json it would replace."""
    run_dir = pathlib.Path(run_dir)
    lock = hold_run_directory(run_dir)
    try:
        found = [name for name in TRAINING_FILES if (run_dir / name).exists()]
        if found:
            raise ConfigError(
                f"{run_dir}: the folder of a training run (it holds {found[0]}); its results are its own, "
                "choose another --run-dir"
            )
        yield run_dir
    finally:
        lock.release()


@contextlib.contextmanager
def writing_into(run_dir, out):
    """Holds the lock of the run `run_dir` while a command writes `out` inside it (a finished
    run's extra results: `commands.igde_middlebury`, `commands.figures`), so that no training
    writes there at the same time; an `out` outside the run, or in a folder that is no run
    directory (no lock file), needs no lock."""
    run_dir, out = pathlib.Path(run_dir), pathlib.Path(out)
    inside = out.resolve().is_relative_to(run_dir.resolve()) and (run_dir / LOCK_NAME).exists()
    lock = hold_run_directory(run_dir) if inside else None
    try:
        yield out
    finally:
        if lock:
            lock.release()
