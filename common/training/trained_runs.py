"""Scoring finished runs on the test set of another experiment: `python -m experiments.evaluate`,
and `train.py` on an experiment with `eval.trained_runs` (DPDE Table 3: the NYU-trained model on
all of Middlebury, "which uses NYU as the training set", Sect. 4).

A run directory holds `config.yaml` and `model.keras`. Its rows: the model; for a model of
separately trained networks (DPDE), also its first network alone (the modified FCRN, taken out of
the saved model) and every comparison network the run saved as `<stage>/model.keras` (the plain
FCRN).

Example:
    results, titles, scorer = score_trained_runs(config, "middlebury.yaml", ["runs/dpde_nyu"],
                                                 ["mean_depth"], registry)
"""

import pathlib

import keras

from common.baselines import BASELINE_TITLES, BASELINES_BY_KIND, baseline_predictor
from common.data.pipeline import make_pipeline
from common.errors import ConfigError
from common.experiment import load_experiment
from common.predictor import make_predictor
from common.training.evaluation import make_scorer, score_methods


def load_trained_run(run_dir, registry):
    """(experiment config, ModelSpec, model arguments, saved keras model) of a finished run
    directory, whose config.yaml is read and checked like any experiment file."""
    run_dir = pathlib.Path(run_dir)
    for name in ("model.keras", "config.yaml"):
        if not (run_dir / name).is_file():
            raise ConfigError(f"{run_dir}: no {name} (expected a finished run directory)")
    config, spec, arguments = load_experiment(run_dir / "config.yaml", [], registry)
    return config, spec, arguments, keras.models.load_model(run_dir / "model.keras")


def stage_networks(model, spec):
    """{stage name: network} of an assembled model of separately trained networks (its nested
    models, which `spec.assemble` calls in the order of the stages)."""
    networks = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return {stage.name: network for stage, network in zip(spec.stages, networks)}


def trained_run_rows(run_dir, registry):
    """[(row title, keras model, ModelSpec of the row)] of one finished run directory."""
    run_dir = pathlib.Path(run_dir)
    _, spec, arguments, model = load_trained_run(run_dir, registry)
    rows = []
    for name, stage in spec.comparisons.items():
        if (run_dir / name / "model.keras").is_file():
            network = keras.models.load_model(run_dir / name / "model.keras")
            rows.append((f"{stage.title(arguments)} ({run_dir.name})", network, registry[stage.model]))
    if spec.stages:
        first = spec.stages[0]
        rows.append(
            (
                f"{first.title(arguments)} ({run_dir.name})",
                stage_networks(model, spec)[first.name],
                registry[first.model],
            )
        )
    rows.append((f"{spec.title} ({run_dir.name})", model, spec))
    return rows


def score_trained_runs(config, experiment_path, run_dirs, baselines, registry):
    """Scores the baselines and every row of the runs on `config`'s test set.

    Args:
        config: the experiment whose test data, metrics and baseline settings are used.
        experiment_path: the experiment file, named in errors.
        run_dirs: finished run directories.
        baselines: baseline names, or None for those of `eval.baselines` that apply to the runs.
        registry: {model name: ModelSpec}.
    Returns:
        ({name: {metric: value}}, {name: row title}, the scorer).
    """
    rows = [row for run_dir in run_dirs for row in trained_run_rows(run_dir, registry)]
    kinds = {spec.sample_kind for _, _, spec in rows}
    if len(kinds) != 1:
        raise ConfigError(f"{experiment_path}: the runs mix sample kinds {sorted(kinds)}; compare one paper at a time")
    kind = kinds.pop()
    allowed = BASELINES_BY_KIND[kind]
    if baselines is None:
        baselines = [name for name in config.eval.baselines if name in allowed]
    for name in baselines:
        if name not in allowed:
            raise ConfigError(
                f"{experiment_path}: baseline {name} does not apply to {kind} runs "
                f"(expected names from: {', '.join(allowed)})"
            )
    methods = {name: baseline_predictor(name, config.eval) for name in baselines}
    titles = {name: BASELINE_TITLES[name] for name in baselines}
    for title, model, spec in rows:
        methods[title] = make_predictor(model, spec.inputs)
        titles[title] = title
    results, scorer = score_on_test_set(config, methods, kind, "depth")
    return results, titles, scorer


def score_on_test_set(config, methods, sample_kind, output):
    """({name: {metric: value}}, scorer) of `methods` ({name: fn(batch) -> prediction of
    `output`}) on the test set of the experiment `config`."""
    scorer = make_scorer(sample_kind, output, config)
    pipeline = make_pipeline(config, sample_kind, train=False)
    results, _, _ = score_methods(methods, pipeline.test_dataset(config.eval.batch_size), scorer)
    return results, scorer
