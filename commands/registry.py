"""The models of both papers by name, and the one place an experiment's `model.name` is looked up.

Like tensorflow/models' `official/vision/registry_imports.py`, this module's job is to join what
the paper packages register (`igde.registry.MODELS`, `dpde.registry.MODELS`); the commands resolve
an experiment's model here once, and `common` receives the `ResolvedModel` (spec and arguments).

Example:
    experiment = load_experiment("experiments/quickstart.yaml", ["train.epochs=2"])
    network = experiment.model.build(experiment.path)
"""

from common.config.loader import load_config
from common.errors import ConfigError
from common.evaluation.trained_runs import TrainedRun, require_finished_run
from common.experiment import resolve_experiment
from common.models import resolve_arguments
from dpde.registry import MODELS as DPDE_MODELS
from igde.registry import MODELS as IGDE_MODELS

MODELS = {**IGDE_MODELS, **DPDE_MODELS}


def resolve_model(model_config, path):
    """The `ResolvedModel` of an experiment's `model` section; a mistake is a `ConfigError`."""
    if model_config.name not in MODELS:
        raise ConfigError(
            f"{path}: model.name: unknown model '{model_config.name}' (expected one of: {', '.join(sorted(MODELS))})"
        )
    return resolve_arguments(MODELS[model_config.name], model_config, path)


def load_experiment(path, overrides=(), scale=None):
    """The `Experiment` of the file `path` at the scale `scale` (None: as written) with its
    `--set` overrides, resolved and checked once (`common.experiment.resolve_experiment`)."""
    config = load_config(path, overrides, scale)
    return resolve_experiment(config, resolve_model(config.model, path), path)


def load_trained_run(run_dir):
    """The `TrainedRun` of a finished run directory, whose config.yaml is read and checked like
    any experiment file."""
    from common.inference.model import read_keras_file

    run_dir = require_finished_run(run_dir)
    experiment = load_experiment(run_dir / "config.yaml")
    comparisons = {}
    for name in experiment.model.spec.comparisons:
        if (run_dir / name / "model.keras").is_file():
            comparisons[name] = read_keras_file(run_dir / name / "model.keras")
    network = read_keras_file(run_dir / "model.keras")
    return TrainedRun(run_dir, experiment.config, experiment.model, network, comparisons)
