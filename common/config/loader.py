"""Reads an experiment file into the schema (`common.config.schema`): follows `base` (a path,
relative to the file, of an experiment this one overrides key by key), applies `--set
key.path=value` overrides and checks every value. An unknown key, a wrong type or an impossible
value raises `ConfigError` naming the file, the full key path and what was expected; a key of an
earlier release names the key that replaced it.

Example:
    config = load_config("experiments/quickstart.yaml", overrides=["train.epochs=2"])
    config.train.epochs  # -> 2
"""

import dataclasses
import math
import pathlib
import re
import types
import typing

import yaml

from common.atomic import atomic_path
from common.config.schema import STAGE_DATA_KEYS, STAGE_SECTIONS, ExperimentConfig, InvalidValue
from common.errors import ConfigError, short_repr
from common.version import VERSION, check_compatible

SCALE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")

# Keys of release 0.2 and the keys that replaced them.
RENAMED_KEYS = {
    "loss.focal_alpha": "loss.args.depth_focal.alpha",
    "loss.focal_gamma": "loss.args.depth_focal.gamma",
    "loss.sobel_beta": "loss.args.sobel.beta",
    "loss.edge_dilation_size": "loss.args.sobel.dilation_size",
    "loss.edge_dilation_iterations": "loss.args.sobel.dilation_iterations",
    "loss.berhu_threshold": "loss.args.berhu.threshold_fraction",
    "loss.berhu_scope": "loss.args.berhu.per_image (true for image, false for batch)",
    "loss.fsim_max_depth": "loss.args.fsim.max_depth",
    "loss.gradient_log_offset": "loss.args.log_l1_gradient.offset",
    "eval.pooling": "eval.protocol.pooling",
    "eval.resolution": "eval.protocol.resolution",
    "eval.crop": "eval.protocol.crop",
    "eval.max_depth": "eval.protocol.max_depth",
}


def load_config(path, overrides=(), scale=None):
    """Reads an experiment file (following `base`), applies a scale and `key.path=value`
    overrides, checks it.

    Args:
        path: the experiment YAML file.
        overrides: strings `key.path=value`; the value is read as YAML (`2`, `1e-3`, `[64, 64]`).
        scale: None, or the name of a scale (`scales/<name>.yaml` beside the experiments, found
            from `path` upwards): the overrides it holds for the experiment's data set, applied
            before `overrides`, and `_<name>` appended to the run's name.
    Returns:
        An `ExperimentConfig`.
    Raises:
        ConfigError: naming the file, the key path and what was expected.
    """
    path = pathlib.Path(path)
    raw = _read_with_bases(path, seen=())
    if "version" in raw:  # a run's config.yaml
        check_compatible(raw.pop("version"), path)
    raw.setdefault("name", path.stem)
    if scale is not None:
        raw = _scaled(raw, path, scale)
    for override in overrides:
        _apply_override(raw, override, path)
    return _build(ExperimentConfig, raw, path, prefix="")


def stage_experiment(config, stage, path):
    """`config` as the stage `stage` trains it: each section of `stage_settings.<stage>` set key
    by key (a key's value replaces the experiment's whole), checked like the file's own values;
    no `stage_settings`. Raises ConfigError naming `path` and the key."""
    prefix = f"stage_settings.{stage}"
    sections = {}
    for section, values in config.stage_settings.get(stage, {}).items():
        if section not in STAGE_SECTIONS:
            raise ConfigError(
                f"{path}: unknown key '{prefix}.{section}' (expected one of: {', '.join(STAGE_SECTIONS)})"
            )
        if section == "data" and set(values) - set(STAGE_DATA_KEYS):
            extra = sorted(set(values) - set(STAGE_DATA_KEYS))[0]
            raise ConfigError(
                f"{path}: {prefix}.data.{extra}: a stage sets only data.batch_size (the stages share one data set)"
            )
        if section == "train" and "stages" in values:
            raise ConfigError(f"{path}: {prefix}.train.stages: the experiment's train.stages names the stages to train")
        current = getattr(config, section)
        raw = {**dataclasses.asdict(current), **values}
        sections[section] = _build(type(current), raw, path, f"{prefix}.{section}.")
    return dataclasses.replace(config, stage_settings={}, **sections)


def config_to_dict(config):
    """The plain-dict form of a config, as written to RUN_DIR/config.yaml."""
    return dataclasses.asdict(config)


def save_config(config, path):
    """Writes a run's config.yaml: the project version, then the effective configuration."""
    with atomic_path(path) as temporary:
        temporary.write_text(yaml.safe_dump({"version": VERSION, **config_to_dict(config)}, sort_keys=False))


def check_run_version(run_dir):
    """The run's config.yaml as written (a mapping, `version` included), after checking that a
    compatible version of the project wrote it; else a ConfigError naming it."""
    path = pathlib.Path(run_dir) / "config.yaml"
    saved = _read_yaml(path)
    check_compatible(saved.get("version"), path)
    return saved


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the later
    value without a word). A merge key (`<<: *anchor`) is not a key given twice: the mapping's own
    keys override the merged ones, as YAML's merge type says."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {short_repr(key)} given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _read_yaml(path):
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory (expected an experiment YAML file)")
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # a SafeLoader
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path}: not a UTF-8 text file (byte {error.start}); expected an experiment YAML file"
        ) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(error, 'problem', error)}") from error
    if raw is None:
        raise ConfigError(f"{path}: empty (expected an experiment: a mapping of sections such as model, data, train)")
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")
    return raw


SCALES_FOLDER = "scales"


def scale_path(experiment_path, scale):
    """The file of the scale named `scale`: `scales/<scale>.yaml` in the nearest folder above the
    experiment file that holds a `scales` folder (the repository's `experiments/`)."""
    if not SCALE_NAME.fullmatch(str(scale)):
        raise ConfigError(f"--scale {short_repr(scale)}: expected a scale name (letters, digits, '_')")
    for folder in pathlib.Path(experiment_path).resolve().parents:
        candidate = folder / SCALES_FOLDER / f"{scale}.yaml"
        if (folder / SCALES_FOLDER).is_dir():
            if not candidate.is_file():
                names = sorted(p.stem for p in (folder / SCALES_FOLDER).glob("*.yaml"))
                raise ConfigError(f"--scale {scale}: no {candidate} (expected one of: {', '.join(names)})")
            return candidate
    raise ConfigError(f"--scale {scale}: no '{SCALES_FOLDER}' folder above {experiment_path}")


def _scaled(raw, path, scale):
    """`raw` with the overrides of the scale `scale` for its data set, and the scale's name
    appended to the run's name. A scale file maps each data set to a partial experiment."""
    scale_file = scale_path(path, scale)
    sections = _read_yaml(scale_file)
    data = raw.get("data", {})
    dataset = data.get("dataset", "synthetic") if isinstance(data, dict) else None
    if dataset not in sections:
        raise ConfigError(
            f"{path}: data.dataset: scale {scale} has no settings for {short_repr(dataset)} "
            f"(it scales {', '.join(sections)}; {scale_file})"
        )
    if not isinstance(sections[dataset], dict):
        raise ConfigError(f"{scale_file}: {dataset}: expected a mapping of experiment sections")
    scaled = _deep_merge(raw, sections[dataset])
    scaled["name"] = f"{raw['name']}_{scale}"
    return scaled


def _read_with_bases(path, seen):
    if path.resolve() in seen:
        raise ConfigError(f"{path}: 'base' chain loops back to this file")
    raw = _read_yaml(path)
    base = raw.pop("base", None)
    if base is None:
        return raw
    if not isinstance(base, str):
        raise ConfigError(f"{path}: base: expected a path to another experiment file")
    merged = _read_with_bases(path.parent / base, seen + (path.resolve(),))
    merged.pop("name", None)
    return _deep_merge(merged, raw)


def _deep_merge(base, update):
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _apply_override(raw, override, path):
    key_path, sep, text = override.partition("=")
    if not sep or not key_path:
        raise ConfigError(f"--set {override}: expected key.path=value")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"--set {override}: the value is not valid YAML") from error
    node, defaults = raw, config_to_dict(ExperimentConfig())
    keys = key_path.split(".")
    for depth, key in enumerate(keys[:-1]):
        defaults = defaults.get(key) if isinstance(defaults, dict) else None
        child = node.setdefault(key, dict(defaults) if isinstance(defaults, dict) else {})
        if not isinstance(child, dict):
            raise ConfigError(f"{path}: --set {key_path}: {'.'.join(keys[: depth + 1])} is not a section")
        node = child
    node[keys[-1]] = value


def _build(cls, raw, path, prefix):
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: {prefix.rstrip('.') or 'top level'}: expected a mapping, got {short_repr(raw)}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    kwargs = {}
    for key, value in raw.items():
        renamed = _renamed_key(f"{prefix}{key}")
        if renamed:
            raise ConfigError(f"{path}: {prefix}{key}: renamed; write {renamed}")
        if key not in names:
            raise ConfigError(f"{path}: unknown key '{prefix}{str(key)[:60]}' (expected one of: {', '.join(names)})")
        kwargs[key] = _convert(hints[key], value, path, f"{prefix}{key}")
    try:
        return cls(**kwargs)
    except InvalidValue as invalid:
        value = kwargs.get(invalid.key.split(".")[0], "default")
        raise ConfigError(
            f"{path}: {prefix}{invalid.key}: expected {invalid.expected}, got {short_repr(value)}"
        ) from invalid


def _convert(hint, value, path, key):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, path, key + ".")
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, path, key)
    if origin is list:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{path}: {key}: expected a list, got {short_repr(value)}")
        return [_convert(args[0], item, path, f"{key}[{i}]") for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: {key}: expected a mapping, got {short_repr(value)}")
        return {str(k): _convert(args[1], v, path, f"{key}.{k}") for k, v in value.items()}
    if hint is typing.Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if hint is float and isinstance(value, str):
        try:
            value = float(value)  # YAML 1.1 reads 1e-4 (no dot) as a string
        except ValueError:
            pass
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{path}: {key}: expected {hint.__name__}, got {short_repr(value)}")
    if hint is float and not math.isfinite(value):
        raise ConfigError(f"{path}: {key}: expected a finite number, got {value}")
    if hint is str and "\x00" in value:
        raise ConfigError(f"{path}: {key}: expected text without NUL bytes, got {short_repr(value)}")
    return value


def _renamed_key(key_path):
    """The key that replaced `key_path`, a key of release 0.2 (also under `stage_settings.<stage>.`),
    or None."""
    parts = key_path.split(".")
    stage = ".".join(parts[:2]) + "." if parts[0] == "stage_settings" else ""
    renamed = RENAMED_KEYS.get(key_path.removeprefix(stage))
    return renamed and stage + renamed
