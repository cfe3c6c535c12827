"""DPDE end to end in fresh processes: both networks (and the plain FCRN) train as stages, the
table has the four rows, every loss falls, and the exported SavedModel (RGB in, fused depth out)
matches the in-process model."""

import csv
import json
import shutil

import keras
import numpy as np
import pytest

from common.irls import IRLS_TOLERANCE
from common.predictor import make_predictor
from tests.conftest import TINY_DPDE, approx_or_none, predict_in_fresh_process, run_train, write_experiment


def _write(path, **sections):
    return write_experiment(path, TINY_DPDE, **sections)


@pytest.fixture
def dpde_run(finished_runs):
    """(experiment file, run directory, printed output) of the session's tiny DPDE run, trained
    with the plain FCRN (`tests/conftest.py`)."""
    run_dir = finished_runs[1]
    return run_dir.parent / f"{run_dir.name}.yaml", run_dir, (run_dir.parent / f"{run_dir.name}.out").read_text()


@pytest.mark.slow
def test_stages_train_and_the_table_has_the_four_rows(dpde_run):
    _, run_dir, stdout = dpde_run
    for stage, loss_terms in (
        ("depth", ("loss_berhu", "loss_fsim")),
        ("fcrn", ("loss_berhu",)),
        ("gradient", ("loss_log_l1_gradient",)),
    ):
        rows = list(csv.DictReader((run_dir / stage / "metrics.csv").open()))
        assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
        for term in ("loss", *loss_terms):
            assert float(rows[-1][term]) < float(rows[0][term]), (stage, term)
        assert rows[-1]["mge"]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["steps"] == {"depth": 12, "gradient": 12, "fcrn": 12}
    assert list(metrics["results"]) == ["per-image true mean depth (oracle)", "FCRN", "modified FCRN", "DPDE"]
    assert set(metrics["results"]["DPDE"]) == {
        "rms",
        "rms_log",
        "rel",
        "log10",
        "delta1",
        "delta2",
        "delta3",
        "ssim",
        "gsm",
        "mge",
        "protocol",
        "loss_weights",
    }
    trained_with = {title: row.get("loss_weights") for title, row in metrics["results"].items()}
    assert trained_with == {
        "per-image true mean depth (oracle)": None,
        "FCRN": {"berhu": 1.0, "fsim": 1.0},
        "modified FCRN": {"berhu": 1.0, "fsim": 1.0},
        "DPDE": {"berhu": 1.0, "fsim": 1.0, "log_l1_gradient": 1.0},
    }
    assert metrics["results"]["DPDE"]["protocol"] == (
        "pooling: pixels pooled over the test set; resolution: 32x48 (network input); crop: full frame; depth cap: none"
    )
    for label in ("per-image true mean depth (oracle)", "modified FCRN", "DPDE", "RMS(log)", "GSM"):
        assert label in stdout


@pytest.mark.slow
def test_exported_dpde_matches_in_fresh_process(dpde_run, tmp_path):
    _, run_dir, _ = dpde_run
    image = np.random.default_rng(0).random((2, 40, 56, 3), np.float32)
    (exported,) = predict_in_fresh_process(run_dir / "export", [{"image": image}], tmp_path)
    import dpde.registry  # noqa: F401  registers the custom layers

    model = keras.models.load_model(run_dir / "model.keras")
    expected = make_predictor(model, ("image",))({"image": image})
    assert exported.shape == (2, 40, 56, 1) and exported.dtype == np.float32
    # Two float32 runs of the fusion differ by rounding that IRLS may carry over one more or one
    # fewer iteration: each image agrees to the solver's stated accuracy, a relative change of
    # IRLS_TOLERANCE, in norm and pixel by pixel against the image's largest depth.
    for ours, theirs in zip(exported, np.asarray(expected)):
        assert np.linalg.norm(ours - theirs) <= IRLS_TOLERANCE * np.linalg.norm(theirs)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=IRLS_TOLERANCE * np.abs(theirs).max())


@pytest.mark.slow
def test_eval_only_restores_every_stage(dpde_run, tmp_path):
    experiment, finished, _ = dpde_run
    run_dir = tmp_path / "run"
    shutil.copytree(finished, run_dir)  # the session's run stays as train.py left it
    before = json.loads((run_dir / "metrics.json").read_text())
    result = run_train(experiment, "--run-dir", run_dir, "--eval-only")
    assert result.returncode == 0, result.stderr[-3000:]
    after = json.loads((run_dir / "metrics.json").read_text())
    for row, values in before["results"].items():
        for name, value in values.items():
            assert after["results"][row][name] == (
                value if name == "protocol" else approx_or_none(value, rel=1e-4, abs=1e-6)
            )


@pytest.mark.parametrize(
    "sections, message",
    [
        ({"train": {"stages": ["depth", "colour"]}}, "train.stages: unknown stage 'colour'"),
        ({"data": {"dataset": "nyu", "root": "/no/such/nyu"}}, "dataset not found at /no/such/nyu"),
        ({"eval": {"baselines": ["joint_bilateral"]}}, "eval.baselines: joint_bilateral does not apply"),
        (
            {"eval": {"baselines": ["fcrn"]}},
            "eval.baselines: expected names from input, joint_bilateral, "
            "guided_filter, weighted_median, fast_global_smoother, mean_depth (a network to compare, such as "
            "DPDE's fcrn, goes in train.stages)",
        ),
        ({"loss": {"weights": {"berhu": 1.0}}}, "loss.weights: no term for the gradient network"),
    ],
)
def test_dpde_config_errors_are_one_line(tmp_path, train_error, sections, message):
    assert message in train_error(_write(tmp_path / "bad.yaml", **sections), "--run-dir", tmp_path / "run")
