"""Experiment configuration: the schema (`common.config.schema`, one dataclass per section) and
the loader (`common.config.loader`, YAML files with `base` and `--set` overrides, checked)."""
