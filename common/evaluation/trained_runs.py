"""Scoring finished runs on the test set of another experiment: `python -m commands.evaluate`,
and `train.py` on an experiment with `eval.trained_runs` (DPDE Table 3: the NYU-trained model on
all of Middlebury, "which uses NYU as the training set", Sect. 4).

A finished run (`TrainedRun`, loaded by `commands.registry.load_trained_run`) gives rows: the
model; for a model of separately trained networks (DPDE), also its first network alone (the
modified FCRN, taken out of the saved model) and every comparison network the run saved as
`<stage>/model.keras` (the plain FCRN).

Example:
    scores = score_trained_runs(config, "middlebury.yaml", [run], ["mean_depth"])
"""

import dataclasses
import pathlib

import keras

from common.config.schema import BASELINES_BY_KIND
from common.errors import ConfigError
from common.evaluation.results import write_metrics
from common.evaluation.scoring import score_on_test_set
from common.models import ResolvedModel
from common.predictor import make_predictor
from common.run_directory import open_run

FINISHED_RUN_FILES = ("model.keras", "config.yaml")


def require_finished_run(run_dir, files=FINISHED_RUN_FILES):
    """`run_dir` as a path, after checking that it holds `files` (a finished run: its config and
    its saved model); else a ConfigError naming the first one missing."""
    run_dir = pathlib.Path(run_dir)
    for name in files:
        if not (run_dir / name).is_file():
            raise ConfigError(f"{run_dir}: no {name} (expected a finished run directory)")
    return run_dir


@dataclasses.dataclass(frozen=True)
class TrainedRun:
    """A finished run directory: its experiment, its model and the saved Keras models.

    Attributes:
        dir: the run directory.
        config: its `ExperimentConfig` (config.yaml).
        model: its `ResolvedModel`.
        network: the saved model (model.keras).
        comparisons: {stage name: saved model} of the comparison networks it trained.
    """

    dir: pathlib.Path
    config: object
    model: ResolvedModel
    network: keras.Model
    comparisons: dict


def stage_networks(network, spec):
    """{stage name: network} of an assembled model of separately trained networks (its nested
    models, which `spec.assemble` calls in the order of the stages)."""
    networks = [layer for layer in network.layers if isinstance(layer, keras.Model)]
    return {stage.name: network for stage, network in zip(spec.stages, networks)}


def run_labels(runs):
    """{run directory: the label its rows carry}: the folder's name, or the path as given where two
    runs share a name; a run given twice is a ConfigError."""
    names = [run.dir.name for run in runs]
    labels = {}
    for run, name in zip(runs, names):
        label = name if names.count(name) == 1 else str(run.dir)
        if label in labels.values() or run.dir in labels:
            raise ConfigError(f"{run.dir}: given twice; name each run once")
        labels[run.dir] = label
    return labels


def omega_rows(run, omegas):
    """[(row title, keras model, ModelSpec)] of a DPDE `TrainedRun`'s networks fused again with
    each fusion weight of `omegas` (`eval.omegas`): DPDE's sensitivity to the weight the text fixes
    ("the parameter omega is set to 10", Sect. 4.1; the energy is NOTES.md's reconstruction). A
    model without a fusion is a ConfigError when `omegas` names any."""
    spec, arguments = run.model.spec, run.model.arguments
    if omegas and spec.assemble is None:
        raise ConfigError(f"{run.dir}: {spec.title} has no fusion to weigh (eval.omegas applies to DPDE runs)")
    networks = stage_networks(run.network, spec)
    rows = []
    for omega in omegas:
        fused = spec.assemble(networks, {**arguments, "fusion": {**arguments["fusion"], "omega": float(omega)}})
        rows.append((f"{spec.title}, omega = {omega:g}", fused, spec))
    return rows


def first_network_row(run):
    """(row title, keras model, ModelSpec) of the first network of a `TrainedRun` of separately
    trained networks (DPDE's modified FCRN), taken out of its saved model."""
    spec = run.model.spec
    first = spec.stages[0]
    return first.row_title(run.model.arguments), stage_networks(run.network, spec)[first.name], first.spec


def trained_run_rows(run, label, omegas=()):
    """[(row title, keras model, ModelSpec of the row)] of one `TrainedRun`, labelled `label`;
    with `omegas`, also its fusion under each (`omega_rows`)."""
    spec, arguments = run.model.spec, run.model.arguments
    rows = []
    for name, network in run.comparisons.items():
        stage = spec.comparisons[name]
        rows.append((stage.row_title(arguments), network, stage.spec))
    if spec.stages:
        rows.append(first_network_row(run))
    rows += [(spec.title, run.network, spec), *omega_rows(run, omegas)]
    return [(f"{title} ({label})", network, row_spec) for title, network, row_spec in rows]


def score_trained_runs(config, experiment_path, runs, baselines):
    """Scores the baselines and every row of the runs on `config`'s test set.

    Args:
        config: the experiment whose test data, metrics and baseline settings are used.
        experiment_path: the experiment file, named in errors.
        runs: `TrainedRun`s.
        baselines: baseline names, or None for those of `eval.baselines` that apply to the runs.
    Returns:
        `TestScores` under every protocol of the experiment.
    """
    labels = run_labels(runs)
    rows = [row for run in runs for row in trained_run_rows(run, labels[run.dir], config.eval.omegas)]
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
    networks = {title: (title, make_predictor(model, spec.inputs)) for title, model, spec in rows}
    return score_on_test_set(config, kind, networks, baselines)


def score_runs_experiment(config, runs, experiment_path, run_dir, command):
    """Scores the finished runs `runs` (`TrainedRun`s of `eval.trained_runs`) and the baselines on
    `config`'s test set under the run lock of `run_dir`; writes its config.yaml and metrics.json.
    Returns the `TestScores`."""
    with open_run(config, run_dir):
        scores = score_trained_runs(config, experiment_path, runs, None)
        write_metrics(run_dir, config, {}, scores, command)
    return scores
