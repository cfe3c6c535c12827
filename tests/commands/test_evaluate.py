"""`python -m commands.evaluate` scores several trained runs and the filters on one test set."""

import json

import pytest
import yaml

from tests.conftest import TINY_EXPERIMENT, run_python, run_train, user_error


def _evaluate(*args):
    return run_python("-m", "commands.evaluate", *args)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("compare")
    experiment = base / "tiny.yaml"
    experiment.write_text(yaml.safe_dump(TINY_EXPERIMENT))
    de_cnn = base / "tiny_de_cnn.yaml"
    de_cnn.write_text(yaml.safe_dump({**TINY_EXPERIMENT, "model": {"name": "de_cnn", "preset": "small"}}))
    for path, run in ((experiment, "igde_run"), (de_cnn, "de_cnn_run")):
        result = run_train(path, "--run-dir", base / run, "--set", "train.epochs=1")
        assert result.returncode == 0, result.stderr[-3000:]
    return experiment, base / "igde_run", base / "de_cnn_run"


@pytest.mark.slow
def test_table_has_the_filters_and_every_run(two_runs, tmp_path):
    experiment, igde_run, de_cnn_run = two_runs
    out = tmp_path / "table.json"
    result = _evaluate(experiment, igde_run, de_cnn_run, "--baselines", "input", "guided_filter", "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(out.read_text())["results"]
    assert list(rows) == ["input", "guided filter", "IGDE (igde_run)", "DE-CNN (de_cnn_run)"]
    assert "PSNRf (dB)" in result.stdout and "DE-CNN (de_cnn_run)" in result.stdout
    # the same test set: IGDE's own end-of-run evaluation gives the same numbers
    own = json.loads((igde_run / "metrics.json").read_text())["results"]["IGDE"]
    assert rows["IGDE (igde_run)"]["rmse"] == pytest.approx(own["rmse"], rel=1e-4)


@pytest.mark.slow
def test_bad_arguments_are_one_line(two_runs, tmp_path):
    experiment, igde_run, _ = two_runs
    assert "no model.keras" in user_error(_evaluate(experiment, tmp_path))
    assert "mean_depth does not apply" in user_error(_evaluate(experiment, igde_run, "--baselines", "mean_depth"))


@pytest.mark.slow
def test_a_dpde_run_is_scored_under_every_protocol_of_the_experiment(finished_runs, tmp_path):
    run = finished_runs[1]
    experiment = run.parent / f"{run.name}.yaml"  # its eval.protocols: per_image beside the own
    out = tmp_path / "table.json"
    result = _evaluate(experiment, run, "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "protocol: pooling: pixels" in result.stdout and "protocol per_image: pooling: per-image" in result.stdout
    scored = json.loads(out.read_text())
    own = json.loads((run / "metrics.json").read_text())
    for table, reference in ((scored, own), (scored["protocols"]["per_image"], own["protocols"]["per_image"])):
        assert table["protocol"] == reference["protocol"]
        # the run's own end-of-run evaluation, on the same test set under the same protocol
        assert table["results"][f"DPDE ({run.name})"]["rms"] == pytest.approx(
            reference["results"]["DPDE"]["rms"], rel=1e-4
        )
