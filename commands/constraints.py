"""Writes constraints.txt: the exact version of every package the project installs (its
requirements and those of its `dev`, `export` and `runtime` extras, followed to the bottom), read
from the environment it runs in.

    python -m commands.constraints [--out constraints.txt]

Run it in the environment whose suite passed (CI installs with `-c constraints.txt`, so the file
and CI's environment agree); the README's install commands, `.ci/run` and the Docker images use
the file. `pip install -e .` without `-c constraints.txt` takes the newest versions setup.cfg
allows instead.
"""

import argparse
import importlib.metadata
import pathlib
import platform
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from common.atomic import atomic_path
from common.errors import exit_status
from common.outputs import check_output

EXTRAS = ("dev", "export", "runtime")


def pinned_versions(project="depthrepro", extras=EXTRAS):
    """{canonical name: installed version} of every distribution `project` with `extras` needs,
    itself excluded, following each requirement whose environment marker holds here."""
    versions, pending, seen = {}, [(project, set(extras))], set()
    while pending:
        name, wanted = pending.pop()
        if (canonicalize_name(name), frozenset(wanted)) in seen:
            continue
        seen.add((canonicalize_name(name), frozenset(wanted)))
        distribution = importlib.metadata.distribution(name)
        if canonicalize_name(name) != canonicalize_name(project):
            versions[canonicalize_name(name)] = distribution.version
        for line in distribution.requires or ():
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in wanted] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            pending.append((requirement.name, set(requirement.extras)))
    return versions


def constraints_text(versions):
    header = (
        "# The versions the suite passed with: python -m commands.constraints "
        f"(Python {platform.python_version()}, {sys.platform}).\n"
    )
    return header + "".join(f"{name}=={version}\n" for name, version in sorted(versions.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="constraints.txt", type=pathlib.Path)
    args = parser.parse_args(argv)

    def work():
        with atomic_path(check_output(args.out)) as temporary:
            temporary.write_text(constraints_text(pinned_versions()))
        print(f"wrote {args.out}")

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
