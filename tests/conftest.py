"""Shared fixtures: tiny experiments of both papers that train in seconds on a CPU."""

import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import yaml

from common.data.middlebury import MOTORCYCLE_CALIBRATION, write_motorcycle_scene  # noqa: F401 (the tests import them from here)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Session-wide fixtures that cost a training run or an export each: the tests that use one run in
# one pytest-xdist process (setup.cfg: --dist loadgroup), so it is built once.
SHARED_FIXTURES = ("finished_runs", "igde_model", "dpde_model")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    for item in items:
        shared = [name for name in SHARED_FIXTURES if name in getattr(item, "fixturenames", ())]
        if shared:
            item.add_marker(pytest.mark.xdist_group(shared[0]))


TINY_EXPERIMENT = {
    "name": "tiny",
    "model": {"name": "igde", "preset": "small", "args": {"features": 8, "growth": 8, "block_layers": 2, "blocks": 1}},
    "data": {
        "dataset": "synthetic",
        "train_size": 16,
        "val_size": 4,
        "test_size": 4,
        "image_size": [32, 32],
        "crop_size": [24, 24],
        "batch_size": 4,
    },
    "optimizer": {"name": "adam", "learning_rate": 1.0e-3},
    "train": {"epochs": 2, "checkpoint_every_steps": 2, "log_every_steps": 1},
    "eval": {"batch_size": 4, "every_epochs": 1, "image_summaries": 1},
}
TINY_DPDE = {
    "name": "tiny_dpde",
    "model": {"name": "dpde", "preset": "small", "args": {"depth": {"decoder_width": 32}, "gradient": {"width": 8}}},
    "data": {
        "dataset": "synthetic",
        "train_size": 16,
        "val_size": 4,
        "test_size": 4,
        "image_size": [32, 48],
        "batch_size": 4,
    },
    "loss": {"weights": {"berhu": 1.0, "fsim": 1.0, "log_l1_gradient": 1.0}},
    "optimizer": {"name": "adam", "learning_rate": 1.0e-3},
    "train": {"epochs": 3, "checkpoint_every_steps": 4, "log_every_steps": 1},
    "eval": {"batch_size": 4, "every_epochs": 3, "image_summaries": 1, "baselines": ["mean_depth"]},
}
WITH_FCRN = {"stages": ["depth", "gradient", "fcrn"]}  # TINY_DPDE's train section trains the plain FCRN too


def approx_or_none(value, **tolerances):
    """`pytest.approx(value)`, or None for an absent metric (pytest >= 9.2 refuses approx(None))."""
    return None if value is None else pytest.approx(value, **tolerances)


def write_experiment(path, base, **sections):
    """Writes the experiment `base` (a dict of sections) to `path`, each section in `sections`
    updated key by key; returns `path`."""
    config = {key: dict(value) if isinstance(value, dict) else value for key, value in base.items()}
    for section, values in sections.items():
        config[section] = {**config.get(section, {}), **values}
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def tiny_experiment(tmp_path):
    """Returns a function that writes the tiny IGDE experiment with section updates."""
    return lambda **sections: write_experiment(tmp_path / "tiny.yaml", TINY_EXPERIMENT, **sections)


def _export_every_format(spec, arguments, directory):
    """(model, {format: path}) of a freshly initialised model exported in every format; its weights
    are seeded, so that they do not depend on which tests ran before in the process."""
    import keras

    from common.config.schema import ExportConfig
    from common.export import FORMAT_FILES, export_model

    keras.utils.set_random_seed(0)
    model = spec.build(**arguments)
    export_model(model, spec, ExportConfig(formats=["onnx", "tflite"]), directory)
    paths = {"saved_model": "export", "keras": "model.keras", **FORMAT_FILES}
    return model, {kind: directory / name for kind, name in paths.items()}


def tiny_dpde_arguments():
    """DPDE's small preset with a 16-channel decoder and a gradient network of width 8."""
    import dpde.registry

    small = dpde.registry.PRESETS["small"]
    return {**small, "depth": {**small["depth"], "decoder_width": 16}, "gradient": {**small["gradient"], "width": 8}}


@pytest.fixture(scope="session")
def igde_model(tmp_path_factory):
    """(a tiny untrained IGDE model, {format: its export}) for the inference and export tests."""
    import igde.registry

    spec = igde.registry.MODELS["igde"]
    arguments = {**spec.presets["small"], "features": 8, "growth": 8, "block_layers": 2, "blocks": 1}
    return _export_every_format(spec, arguments, tmp_path_factory.mktemp("igde"))


@pytest.fixture(scope="session")
def dpde_model(tmp_path_factory):
    """(a tiny untrained DPDE model, {format: its export}) for the inference and export tests."""
    import dpde.registry

    return _export_every_format(dpde.registry.MODELS["dpde"], tiny_dpde_arguments(), tmp_path_factory.mktemp("dpde"))


@pytest.fixture(scope="session")
def finished_runs(tmp_path_factory):
    """[IGDE run dir, DPDE run dir]: the tiny experiments trained by train.py (DPDE with the plain
    FCRN, scored under a second protocol, per-image means), each beside its experiment file
    `<name>.yaml` and what it printed, `<name>.out`."""
    base = tmp_path_factory.mktemp("finished")
    runs = []
    dpde = {
        **TINY_DPDE,
        "train": {**TINY_DPDE["train"], **WITH_FCRN},
        "eval": {**TINY_DPDE["eval"], "protocols": {"per_image": {"pooling": "images"}}},
    }
    for config in (TINY_EXPERIMENT, dpde):
        experiment = base / f"{config['name']}.yaml"
        experiment.write_text(yaml.safe_dump(config))
        runs.append(base / config["name"])
        result = run_train(experiment, "--run-dir", runs[-1], timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        (base / f"{config['name']}.out").write_text(result.stdout)
    return runs


def user_error(result):
    """The one `error:` line of a failed run (TensorFlow's own start-up log lines aside)."""
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr[-3000:]
    return errors[0]


@pytest.fixture
def train_error(capsys, monkeypatch):
    """Returns a function that runs `train.py ARGS` in this process from the repository root and
    returns its one `error:` line, asserting exit status 2; `user_error(run_train(...))` is the
    same check in a fresh process."""
    from commands.train import main

    def run(*args):
        monkeypatch.chdir(ROOT)
        capsys.readouterr()
        status = main([str(arg) for arg in args])
        lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert status == 2 and len(lines) == 1 and lines[0].startswith("error: "), (status, lines)
        return lines[0]

    return run


def run_python(*args, env=None, timeout=300):
    """Runs `python ARGS...` from the repository root in a fresh process; returns the
    CompletedProcess (stdout and stderr captured as text)."""
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def run_train(*args, env=None, timeout=300):
    """Runs train.py in a fresh process; returns the CompletedProcess."""
    return run_python(ROOT / "train.py", *args, env=env, timeout=timeout)


def predict_in_fresh_process(export_path, batches, tmp_path, without_tensorflow=False):
    """Predictions of an export (SavedModel directory, .onnx or .tflite) through
    `common.inference.model.load_model` on each {name: array} batch, in a new Python process;
    `without_tensorflow` makes importing tensorflow, keras or matplotlib there an ImportError, and
    imports the inference commands' whole path (`common.inference.command`) first."""
    for index, batch in enumerate(batches):
        np.savez(tmp_path / f"batch{index}.npz", **batch)
    block = (
        "sys.modules['tensorflow'] = sys.modules['keras'] = sys.modules['matplotlib'] = None; "
        "import common.inference.command"
        if without_tensorflow
        else ""
    )
    script = textwrap.dedent(f"""
        import sys
        {block}
        import numpy as np
        from common.inference.model import load_model
        model = load_model({str(export_path)!r}, layers_module=None)  # layers: .keras files only
        for index in range({len(batches)}):
            batch = dict(np.load({str(tmp_path)!r} + f"/batch{{index}}.npz"))
            np.save({str(tmp_path)!r} + f"/out{{index}}.npy", model.predict(batch))
        assert (sys.modules.get("tensorflow") is None) == {without_tensorflow}
    """)
    result = run_python("-c", script, timeout=None)
    assert result.returncode == 0, result.stderr[-3000:]
    return [np.load(tmp_path / f"out{index}.npy") for index in range(len(batches))]
