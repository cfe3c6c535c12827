"""Checking an experiment: after the file is read and type-checked (`common.config.load_config`)
and its model resolved (`commands.registry.resolve_model`), every cross-check that needs neither
data nor a TensorFlow graph, once, before anything is built.

Example:
    check_experiment(config, model, "experiments/quickstart.yaml")
"""

from common.config import BASELINES_BY_KIND, DATASET_KINDS, stage_experiment
from common.errors import ConfigError
from common.export import check_converters
from common.losses import LOSSES, loss_applies_to


def check_experiment(config, model, path):
    """Checks the loss terms against the networks they train, the data set's kind of sample, the
    baselines, the protocols, the stages, the crop and the export converters of `config`, whose model is the
    `ResolvedModel` `model`; any mistake is a one-line `ConfigError` naming `path`."""
    spec = model.spec
    for name in config.loss.weights:
        if name not in LOSSES:
            raise ConfigError(f"{path}: unknown key 'loss.weights.{name}' (expected one of: {', '.join(LOSSES)})")
    kind = DATASET_KINDS.get(config.data.dataset, spec.sample_kind)
    if kind != spec.sample_kind:
        raise ConfigError(
            f"{path}: data.dataset: {config.data.dataset} holds {kind} samples, "
            f"but model {config.model.name} needs {spec.sample_kind} samples"
        )
    if config.eval.protocols and spec.sample_kind != "monocular":
        raise ConfigError(
            f"{path}: eval.protocols: {spec.title} is scored under one protocol (IGDE's metrics); expected {{}}"
        )
    allowed = BASELINES_BY_KIND[spec.sample_kind]
    for name in config.eval.baselines:
        if name not in allowed:
            raise ConfigError(
                f"{path}: eval.baselines: {name} does not apply to model "
                f"{config.model.name} (expected names from: {', '.join(allowed)})"
            )
    _check_networks(config, model, path)
    check_converters(config.export.formats, f"{path}: export.formats")
    data = config.data
    if data.dataset == "synthetic" and data.crop_size and any(c > s for c, s in zip(data.crop_size, data.image_size)):
        raise ConfigError(
            f"{path}: data.crop_size: expected at most data.image_size {data.image_size}, got {data.crop_size}"
        )


def _check_networks(config, model, path):
    """`train.stages` and `stage_settings` name networks of the model, and each network the run
    trains has a loss term that applies to it and none that does not (a model of stages splits
    `loss.weights`, or gives a stage its own in `stage_settings`)."""
    spec = model.spec
    if not spec.stages:
        if config.stage_settings:
            raise ConfigError(f"{path}: stage_settings: model {config.model.name} is one network; expected {{}}")
        if config.train.stages is not None:
            raise ConfigError(f"{path}: train.stages: model {config.model.name} is one network; expected null")
        for name in (name for name, weight in config.loss.weights.items() if weight > 0):
            if not loss_applies_to(name, spec.output):
                raise ConfigError(
                    f"{path}: loss.weights.{name}: does not apply to a network that predicts {spec.output}"
                )
        return
    stages = model.networks
    for key, names in (("stage_settings", config.stage_settings), ("train.stages", config.train.stages or ())):
        for name in names:
            if name not in stages:
                raise ConfigError(f"{path}: {key}: unknown stage '{name}' (expected names from: {', '.join(stages)})")
    for name, stage in stages.items():
        output = stage.spec.output
        own_loss = "loss" in config.stage_settings.get(name, {})
        key = f"stage_settings.{name}.loss.weights" if own_loss else "loss.weights"
        weights = stage_experiment(config, name, path).loss.weights
        unknown = [term for term in weights if term not in LOSSES]
        if unknown:
            raise ConfigError(f"{path}: unknown key '{key}.{unknown[0]}' (expected one of: {', '.join(LOSSES)})")
        if not any(loss_applies_to(term, output) for term, weight in weights.items() if weight > 0):
            raise ConfigError(
                f"{path}: {key}: no term for the {stage.row_title(model.arguments)} (a network that predicts {output})"
            )
