"""`train.py`'s work: trains an experiment (one network, or the stages of a model of several),
scores it with its baselines, writes `metrics.json` and exports; or, for an experiment with
`eval.trained_runs`, scores finished runs on its test set (`score_runs_experiment`).

Example:
    config, model = commands.registry.load_experiment("experiments/quickstart.yaml")
    tables = run_experiment(config, model, "experiments/quickstart.yaml", "runs/quickstart")
"""

import pathlib

import tensorflow as tf

from common.baselines import BASELINE_TITLES
from common.config import OWN_PROTOCOL, save_config
from common.data.middlebury import scene_list
from common.losses import describe_loss, loss_note
from common.training.evaluation import format_tables, protocol_fields
from common.training.logs import write_json_atomically
from common.training.precision import detect_devices, device_line
from common.training.run_lock import hold_run_directory
from common.training.stages import export_stages, run_stages
from common.training.trained_runs import score_trained_runs
from common.training.trainer import Trainer
from common.version import VERSION


def run_experiment(config, model, experiment_path, run_dir, resume=False, eval_only=False, command=None):
    """Trains (unless `eval_only`), scores with the baselines, writes metrics.json and exports.

    Args:
        config: the `ExperimentConfig`, checked (`common.experiment.check_experiment`).
        model: its `ResolvedModel`.
        experiment_path: the experiment file, named in error messages.
        run_dir: where checkpoints, logs, metrics and exports go.
        resume, eval_only: require a checkpoint in `run_dir` to continue from or to evaluate.
        command: the command line that ran it, recorded in metrics.json (default: the train.py
            command of `experiment_path`).
    Returns:
        {protocol: {method: {metric: value}}} of the final evaluation (`OWN_PROTOCOL` first).
    """
    command = command or f"python train.py {experiment_path} --run-dir {run_dir}"
    run_dir = pathlib.Path(run_dir)
    spec = model.spec
    if spec.stages:
        tables, titles, scorers, assembled, trainers, lock = run_stages(
            config, model, experiment_path, run_dir, resume, eval_only
        )
        chief = trainers[spec.stages[0].name].chief
        if chief:
            trained_with = {name: t.config.loss.weights for name, t in trainers.items()}
            trained_with["model"] = config.loss.weights
            write_metrics(
                run_dir,
                config,
                {name: t.step for name, t in trainers.items()},
                tables,
                titles,
                scorers,
                command,
                trained_with,
            )
            if not eval_only:
                export_stages(config, model, assembled, trainers, run_dir)
        for trainer in trainers.values():
            trainer.close()
        if lock:
            lock.release()
        return tables
    trainer = Trainer(config, model, experiment_path, run_dir)
    if trainer.chief:
        print(device_line(detect_devices(), config.train))
    trainer.restore(required=resume or eval_only)
    if not eval_only:
        trainer.train()
    tables = trainer.evaluate()
    if trainer.chief:
        write_metrics(
            run_dir,
            config,
            {"model": trainer.step},
            tables,
            {**BASELINE_TITLES, "model": spec.title},
            trainer.scorers,
            command,
            {"model": config.loss.weights},
        )
    if not eval_only:
        trainer.export()
    trainer.close()
    return tables


def score_runs_experiment(config, runs, experiment_path, run_dir, command):
    """Scores the finished runs `runs` (`TrainedRun`s of `eval.trained_runs`) and the baselines on
    `config`'s test set; writes RUN_DIR/config.yaml and metrics.json. Returns the results."""
    lock = hold_run_directory(run_dir)
    tables, titles, scorers = score_trained_runs(config, experiment_path, runs, None)
    save_config(config, pathlib.Path(run_dir) / "config.yaml")
    write_metrics(run_dir, config, {}, tables, titles, scorers, command)
    lock.release()
    return tables


def write_metrics(run_dir, config, steps, tables, titles, scorers, command, trained_with=None):
    """Prints the result tables and writes RUN_DIR/metrics.json: the experiment, the trained steps
    of each network ({} when the run trains nothing), the command, the kind of device and, for
    each evaluation protocol (`tables` and `scorers` from `score_methods`), its label and its rows
    (`protocol_fields`), each network's with the loss weights it was trained with
    (`trained_with`: {method: {term: weight}})."""
    trained_with = trained_with or {}
    notes = {name: loss_note(weights) for name, weights in trained_with.items()}
    printed = {name: f"{title} ({notes[name]})" if notes.get(name) else title for name, title in titles.items()}
    print(format_tables(tables, printed, scorers))
    for name, weights in trained_with.items():
        if name in tables[OWN_PROTOCOL]:
            print(f"{titles[name]}: trained with {describe_loss(weights)}")
    write_json_atomically(
        pathlib.Path(run_dir) / "metrics.json",
        {
            "version": VERSION,
            "experiment": config.name,
            "model": config.model.name,
            "steps": steps,
            "command": command,
            "device": "GPU" if tf.config.list_logical_devices("GPU") else "CPU",
            **protocol_fields(tables, titles, scorers, trained_with),
            **({"scenes": scene_list(config.data.root)} if config.data.dataset == "middlebury" else {}),
        },
    )
