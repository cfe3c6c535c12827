"""An experiment resolved once: after the file is read and type-checked
(`common.config.loader.load_config`) and its model looked up (`commands.registry.resolve_model`),
`resolve_experiment` makes every cross-check that needs neither data nor a TensorFlow graph, fills
in the loss terms' settings and, for a model of separately trained networks (DPDE), builds each
network's own experiment. The run hands this `Experiment` down; nothing below builds it again.

Example:
    experiment = resolve_experiment(config, model, "experiments/quickstart.yaml")
    experiment.config.loss.args["depth_focal"]["alpha"]  # -> 0.25
"""

import dataclasses

from common.config.loader import stage_experiment
from common.config.schema import BASELINES_BY_KIND, DATASET_KINDS, OWN_PROTOCOL, ModelConfig
from common.errors import ConfigError
from common.export import check_converters
from common.losses import loss_applies_to, loss_weights_for, resolve_loss_args
from common.models import ResolvedModel


@dataclasses.dataclass(frozen=True)
class Experiment:
    """What a run needs of an experiment.

    Attributes:
        config: the `ExperimentConfig`, its loss terms' settings filled in.
        model: the `ResolvedModel` it trains.
        path: the experiment file, named in errors.
        stages: {stage name: `Experiment` of that network} of a model of separately trained
            networks: its stages, then its comparison networks (DPDE's plain FCRN); {} for one
            network.
        twins: {comparison name: stage name} of comparison networks that would train exactly a
            stage's network (trained and scored once, as the stage).
    """

    config: object
    model: ResolvedModel
    path: str
    stages: dict = dataclasses.field(default_factory=dict)
    twins: dict = dataclasses.field(default_factory=dict)

    @property
    def trained_stages(self):
        """The stages a run trains: `train.stages`, or the model's own stages when it is null."""
        if self.config.train.stages is None:
            return [stage.name for stage in self.model.spec.stages]
        return list(self.config.train.stages)


def _check_enhancement_protocols(evaluation, path):
    """IGDE's protocols choose only the pooling of PSNR and RMSE (`common.metrics`)."""
    for name, protocol in evaluation.all_protocols().items():
        key = "eval.protocol" if name == OWN_PROTOCOL else f"eval.protocols.{name}"
        for field, default in (("resolution", "input"), ("crop", None), ("max_depth", None)):
            if getattr(protocol, field) != default:
                raise ConfigError(f"{path}: {key}.{field}: IGDE's protocols set only pooling (pixels or images)")


def resolve_experiment(config, model, path):
    """The `Experiment` of `config`, whose model is the `ResolvedModel` `model`, after checking the
    loss terms against the networks they train, the data set's kind of sample, the baselines, the
    protocols, the stages, the crop and the export converters; any mistake is a one-line
    `ConfigError` naming `path` and the key."""
    spec = model.spec
    kind = DATASET_KINDS.get(config.data.dataset, spec.sample_kind)
    if kind != spec.sample_kind:
        raise ConfigError(
            f"{path}: data.dataset: {config.data.dataset} holds {kind} samples, "
            f"but model {config.model.name} needs {spec.sample_kind} samples"
        )
    if spec.sample_kind != "monocular":
        _check_enhancement_protocols(config.eval, path)
    allowed = BASELINES_BY_KIND[spec.sample_kind]
    for name in config.eval.baselines:
        if name not in allowed:
            raise ConfigError(
                f"{path}: eval.baselines: {name} does not apply to model "
                f"{config.model.name} (expected names from: {', '.join(allowed)})"
            )
    check_converters(config.export.formats, f"{path}: export.formats")
    config = dataclasses.replace(config, loss=resolve_loss_args(config.loss, path))
    if not spec.stages:
        _check_one_network(config, model, path)
        return Experiment(config, model, path)
    stages = _stage_experiments(config, model, path)
    twins = {
        name: stage.name
        for name in spec.comparisons
        for stage in spec.stages
        if _same_training(stages[name], stages[stage.name])
    }
    return Experiment(config, model, path, stages, twins)


def _check_one_network(config, model, path):
    spec = model.spec
    if config.stage_settings:
        raise ConfigError(f"{path}: stage_settings: model {config.model.name} is one network; expected {{}}")
    if config.train.stages is not None:
        raise ConfigError(f"{path}: train.stages: model {config.model.name} is one network; expected null")
    for name in (name for name, weight in config.loss.weights.items() if weight > 0):
        if not loss_applies_to(name, spec.output):
            raise ConfigError(f"{path}: loss.weights.{name}: does not apply to a network that predicts {spec.output}")


def _stage_experiments(config, model, path):
    """{stage name: Experiment} of every network of the model: the experiment with the stage's own
    settings (`stage_settings.<name>`), its network, the loss terms that apply to it, no
    baselines; `train.stages` and `stage_settings` must name networks of the model, and each
    network must have a loss term."""
    networks = model.networks
    for key, names in (("stage_settings", config.stage_settings), ("train.stages", config.train.stages or ())):
        for name in names:
            if name not in networks:
                raise ConfigError(f"{path}: {key}: unknown stage '{name}' (expected names from: {', '.join(networks)})")
    stages = {}
    for name, stage in networks.items():
        network = stage.resolve(model.arguments)
        output = network.spec.output
        staged = stage_experiment(config, name, path)
        own_loss = "loss" in config.stage_settings.get(name, {})
        key = f"stage_settings.{name}.loss" if own_loss else "loss"
        loss = resolve_loss_args(staged.loss, path, key)
        weights = loss_weights_for(output, loss.weights)
        if not any(weight > 0 for weight in weights.values()):
            raise ConfigError(
                f"{path}: {key}.weights: no term for the {stage.row_title(model.arguments)} "
                f"(a network that predicts {output})"
            )
        stage_config = dataclasses.replace(
            staged,
            model=ModelConfig(network.spec.name, config.model.preset, network.arguments),
            loss=dataclasses.replace(loss, weights=weights, args={k: v for k, v in loss.args.items() if k in weights}),
            eval=dataclasses.replace(config.eval, baselines=[]),
            train=dataclasses.replace(staged.train, stages=None),
        )
        stages[name] = Experiment(stage_config, network, path)
    return stages


def _same_training(one, other):
    """Whether two stage experiments train exactly the same network the same way."""
    return one.config == other.config and one.model == other.model
