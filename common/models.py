"""What training needs to know of a model: `ModelSpec`, and the model an experiment asks for,
resolved once (`ResolvedModel`).

Each paper package exposes `MODELS = {name: ModelSpec(...)}`; `commands.registry` joins them and
looks `model.name` up once, when the experiment is loaded. Everything in `common` receives the
`ResolvedModel` (spec and arguments), never the registry.
"""

import dataclasses
import math
import typing

from common.errors import ArgumentError, ConfigError, short_repr


@dataclasses.dataclass(frozen=True)
class Stage:
    """One separately trained network of a model (DPDE trains its depth and gradient networks
    apart, Sect. 4.1).

    Attributes:
        name: the stage's run sub-directory and its name in `train.stages`.
        spec: the network's `ModelSpec`.
        title: function of the network's arguments returning its row label.
        source: the key of the model's arguments that holds the network's own
            (`model.args.<source>`; default: `name`).
        arguments: function of those arguments returning the ones the stage trains with (a
            comparison network changes one of them; default: unchanged).
    """

    name: str
    spec: "ModelSpec"
    title: typing.Callable
    source: typing.Optional[str] = None
    arguments: typing.Callable = lambda arguments: arguments

    def resolve(self, model_arguments):
        """The stage's `ResolvedModel`, from the arguments of the model it belongs to."""
        return ResolvedModel(self.spec, self.arguments(model_arguments[self.source or self.name]))

    def row_title(self, model_arguments):
        return self.title(self.resolve(model_arguments).arguments)


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A model builder and its contract with the data and the exporter.

    Attributes:
        name: the model's name in `model.name`.
        build: function of the preset's keyword arguments returning a `keras.Model` whose inputs
            are a dict keyed by `inputs`.
        presets: {preset name: {argument: default}}; an argument may be a mapping of its own
            (DPDE's `depth`, `gradient`, `fusion`), overridden key by key.
        inputs: the sample keys the model takes (and the exported signature's input names).
        sample_kind: the kind of sample the data pipeline must produce (`SAMPLE_CHANNELS`).
        title: the model's row label in result tables.
        check: function of the model's arguments raising `ArgumentError` for an impossible one
            (run when the experiment is loaded, before anything is built).
        output: what the model predicts: "depth" [B, H, W, 1] or "gradients" [B, H, W, 2].
        stages: for a model of separately trained networks, its `Stage`s; then `assemble`
            (function of ({stage name: trained network}, model arguments)) joins them.
        comparisons: {stage name: Stage} of networks a run trains only when `train.stages` names
            them, scored beside the model (DPDE's plain FCRN).
    """

    name: str
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


@dataclasses.dataclass(frozen=True)
class ResolvedModel:
    """The model of one experiment: its spec and the builder's arguments (the preset overridden
    by `model.args`, checked)."""

    spec: ModelSpec
    arguments: dict

    def build(self, path):
        """The Keras model; an impossible argument found only while building (a weights file that
        does not fit) is a ConfigError naming `path`."""
        try:
            return self.spec.build(**self.arguments)
        except ArgumentError as error:
            raise ConfigError(f"{path}: model.args.{error}") from error

    @property
    def networks(self):
        """{stage name: Stage} of the model's stages, then its comparison networks."""
        return {stage.name: stage for stage in (*self.spec.stages, *self.spec.comparisons.values())}


MAX_NETWORK_INTEGER = 65_536


def resolve_arguments(spec, model_config, path):
    """The `ResolvedModel` of `spec` for `model_config`: the preset, overridden by `model.args`
    (a mapping argument key by key), each value type-checked, then checked by `ModelSpec.check`."""
    if model_config.preset not in spec.presets:
        raise ConfigError(
            f"{path}: model.preset: unknown preset '{model_config.preset}' (expected one of: {', '.join(spec.presets)})"
        )
    arguments = _override(spec.presets[model_config.preset], model_config.args, path, "model.args.")
    try:
        spec.check(arguments)
    except ArgumentError as error:
        raise ConfigError(f"{path}: model.args.{error}") from error
    return ResolvedModel(spec, arguments)


def _override(defaults, overrides, path, prefix):
    """`defaults` with `overrides` applied; an unknown key or a value of another type than its
    default is a ConfigError naming the key path."""
    merged = dict(defaults)
    for key, value in overrides.items():
        if key not in merged:
            raise ConfigError(f"{path}: unknown key '{prefix}{str(key)[:60]}' (expected one of: {', '.join(merged)})")
        expected = type(merged[key])
        if expected is dict:
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: {prefix}{key}: expected a mapping, got {short_repr(value)}")
            merged[key] = _override(merged[key], value, path, f"{prefix}{key}.")
            continue
        if type(value) is not expected and not (expected is float and type(value) is int):
            raise ConfigError(f"{path}: {prefix}{key}: expected {expected.__name__}, got {short_repr(value)}")
        if expected is float and not math.isfinite(value):
            raise ConfigError(f"{path}: {prefix}{key}: expected a finite number, got {value}")
        if expected is int and abs(value) > MAX_NETWORK_INTEGER:
            # A width, count or size beyond this builds no network a machine holds.
            raise ConfigError(f"{path}: {prefix}{key}: expected at most {MAX_NETWORK_INTEGER:,}, got {value:,}")
        merged[key] = float(value) if expected is float else value
    return merged
