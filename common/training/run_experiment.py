"""`train.py`'s work: trains an experiment (one network, or the stages of a model of several),
scores it with its baselines, writes `metrics.json` and exports, in a run directory opened once
(`common.run_directory.open_run`: the lock and config.yaml).

Example:
    experiment = commands.registry.load_experiment("experiments/quickstart.yaml")
    scores = run_experiment(experiment, "runs/quickstart")
"""

import contextlib
import pathlib

from common.evaluation.results import write_metrics
from common.run_directory import open_run
from common.training.precision import detect_devices, device_line
from common.training.stages import export_stages, run_stages
from common.training.strategy import is_chief, make_strategy
from common.training.trainer import Trainer


def run_experiment(experiment, run_dir, resume=False, eval_only=False, command=None):
    """Trains (unless `eval_only`), scores with the baselines, writes metrics.json and exports.

    Args:
        experiment: the `Experiment` (`common.experiment.resolve_experiment`).
        run_dir: where checkpoints, logs, metrics and exports go.
        resume, eval_only: require a checkpoint in `run_dir` to continue from or to evaluate.
        command: the command line that ran it, recorded in metrics.json (default: the train.py
            command of the experiment file).
    Returns:
        The `TestScores` of the final evaluation.
    """
    command = command or f"python train.py {experiment.path} --run-dir {run_dir}"
    run_dir = pathlib.Path(run_dir)
    with training_run(experiment, run_dir, save_config_file=not eval_only) as (strategy, chief):
        run = _run_stages if experiment.stages else _run_one_network
        return run(experiment, run_dir, strategy, chief, resume, eval_only, command)


@contextlib.contextmanager
def training_run(experiment, run_dir, save_config_file=True):
    """Builds the experiment's strategy, opens `run_dir` (`open_run`: the lock and config.yaml)
    and prints the device line on the chief worker; yields (strategy, whether this is the chief).
    `train.py` and the pilot train inside it."""
    strategy = make_strategy(experiment.config.distribute, experiment.path)
    chief = is_chief(strategy)
    with open_run(experiment.config, run_dir, chief, save_config_file):
        if chief:
            print(device_line(detect_devices(), experiment.config.train))
        yield strategy, chief


def _run_one_network(experiment, run_dir, strategy, chief, resume, eval_only, command):
    trainer = Trainer(experiment, run_dir, strategy=strategy)
    try:
        trainer.restore(required=resume or eval_only)
        if not eval_only:
            trainer.train()
        scores = trainer.evaluate()
        if chief:
            config = experiment.config
            write_metrics(run_dir, config, {"model": trainer.step}, scores, command, {"model": config.loss.weights})
        if not eval_only:
            trainer.export()
    finally:
        trainer.close()
    return scores


def _run_stages(experiment, run_dir, strategy, chief, resume, eval_only, command):
    config = experiment.config
    scores, assembled, trainers = run_stages(experiment, run_dir, strategy, chief, resume, eval_only)
    try:
        if chief:
            trained_with = {name: trainer.config.loss.weights for name, trainer in trainers.items()}
            trained_with["model"] = config.loss.weights
            steps = {name: trainer.step for name, trainer in trainers.items()}
            write_metrics(run_dir, config, steps, scores, command, trained_with)
            if not eval_only:
                export_stages(config, experiment.model, assembled, trainers, run_dir)
    finally:
        for trainer in trainers.values():
            trainer.close()
    return scores
