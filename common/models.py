"""What training needs to know of a model: `ModelSpec`, and building one from the config.

Each paper package exposes `MODELS = {name: ModelSpec(...)}`; `train.py` merges them into the
registry that `model.name` is looked up in.
"""

import dataclasses
import typing

from common.errors import ArgumentError, ConfigError


@dataclasses.dataclass(frozen=True)
class Stage:
    """One separately trained network of a model (DPDE trains its depth and gradient networks
    apart, Sect. 4.1).

    Attributes:
        name: the stage's run sub-directory and its name in `train.stages`.
        model: the registry name of the network.
        arguments: function of the model's arguments returning the network's.
        title: function of the model's arguments returning the network's row label.
    """

    name: str
    model: str
    arguments: typing.Callable
    title: typing.Callable


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A model builder and its contract with the data and the exporter.

    Attributes:
        build: function of the preset's keyword arguments returning a `keras.Model` whose inputs
            are a dict keyed by `inputs`.
        presets: {preset name: {argument: default}}.
        inputs: the sample keys the model takes (and the exported signature's input names).
        sample_kind: the kind of sample the data pipeline must produce (`SAMPLE_CHANNELS`).
        title: the model's row label in result tables.
        check: function of the model's arguments raising `ArgumentError` for an impossible one
            (run when the experiment is loaded, before anything is built).
        output: what the model predicts: "depth" [B, H, W, 1] or "gradients" [B, H, W, 2].
        stages: for a model of separately trained networks, its `Stage`s; then `assemble`
            (function of ({stage name: trained network}, model arguments)) joins them.
        comparisons: {stage name: Stage} of networks a run trains only when `train.stages`
            names them, scored beside the model (DPDE's plain FCRN).
    """

    build: typing.Callable
    presets: dict
    inputs: tuple
    sample_kind: str
    title: str
    check: typing.Callable = lambda arguments: None
    output: str = "depth"
    stages: tuple = ()
    assemble: typing.Optional[typing.Callable] = None
    comparisons: dict = dataclasses.field(default_factory=dict)


def model_arguments(model_config, registry, path):
    """(ModelSpec, the builder's arguments): the preset, overridden by `model.args`, each
    type-checked and checked by `ModelSpec.check`."""
    if model_config.name not in registry:
        raise ConfigError(
            f"{path}: model.name: unknown model '{model_config.name}' (expected one of: {', '.join(sorted(registry))})"
        )
    spec = registry[model_config.name]
    if model_config.preset not in spec.presets:
        raise ConfigError(
            f"{path}: model.preset: unknown preset '{model_config.preset}' (expected one of: {', '.join(spec.presets)})"
        )
    arguments = dict(spec.presets[model_config.preset])
    for key, value in model_config.args.items():
        if key not in arguments:
            raise ConfigError(f"{path}: unknown key 'model.args.{key}' (expected one of: {', '.join(arguments)})")
        expected = type(arguments[key])
        if type(value) is not expected and not (expected is float and type(value) is int):
            raise ConfigError(f"{path}: model.args.{key}: expected {expected.__name__}, got {value!r}")
        arguments[key] = value
    try:
        spec.check(arguments)
    except ArgumentError as error:
        raise ConfigError(f"{path}: model.args.{error}") from error
    return spec, arguments


def build_model(spec, arguments, path):
    """Builds the model of `spec` with `arguments` (from `model_arguments`); an impossible argument
    found only while building (a weights file that does not fit) is a ConfigError naming `path`."""
    try:
        return spec.build(**arguments)
    except ArgumentError as error:
        raise ConfigError(f"{path}: model.args.{error}") from error
