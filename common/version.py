"""The project's version (setup.cfg), written into every run's config.yaml and metrics.json, and
the check that refuses a run written by an incompatible version.

Versions are compatible when their major numbers agree, and for 0.x when their minor numbers do
too (semantic versioning: before 1.0 a minor release may change the run files).
"""

import importlib.metadata

from common.errors import ConfigError

VERSION = importlib.metadata.version("depthrepro")


def release(version):
    """The part of `version` that must agree: (major,) or, before 1.0, (0, minor)."""
    parts = str(version).split(".")
    return tuple(parts[:2]) if parts[0] == "0" else tuple(parts[:1])


def check_compatible(written, where):
    """Raises ConfigError naming `where` unless `written` (a run's recorded version, None when it
    records none) is compatible with this version."""
    expected = ".".join(release(VERSION)) + ".x"
    if written is None:
        raise ConfigError(f"{where}: records no depthrepro version (expected {expected}); re-run it with {VERSION}")
    if not isinstance(written, str):  # `version: 0.20` is the YAML number 0.2, not a version
        raise ConfigError(f"{where}: version: expected a version string such as {VERSION}, got {str(written)[:40]}")
    if release(written) != release(VERSION):
        raise ConfigError(
            f"{where}: written by depthrepro {str(written)[:40]}, this is {VERSION} "
            f"(expected {expected}); use that version or re-run it"
        )
