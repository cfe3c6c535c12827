"""DPDE Table 3 as the paper ran it: a trained run (here the tiny synthetic DPDE run standing in for
NYU) scored by `train.py` on every generated Middlebury scene of both layouts, with no training;
and the omega sweep of the same run."""

import json

import cv2
import numpy as np
import pytest
import yaml

from common.baselines import BASELINE_TITLES
from common.data.images import resize_depth
from common.data.middlebury import load_scene
from common.data.pfm import write_pfm
from tests.conftest import TINY_DPDE, TINY_EXPERIMENT, run_python, run_train, user_error, write_motorcycle_scene

MEAN_DEPTH = BASELINE_TITLES["mean_depth"]

IMAGE_SIZE = [16, 20]


def _scene(folder, layout, shape, seed):
    """A scene with a nearer box on a background plane, in the 2014 or the 2005/2006 layout."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    height, width = shape
    disparity = np.full(shape, 30.0 + seed, np.float32)
    disparity[height // 4 : height // 2, width // 3 : 2 * width // 3] = 60.0
    image = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    if layout == "2014":
        disparity[0, :3] = np.inf  # unknown
        cv2.imwrite(str(folder / "im0.png"), image)
        write_pfm(folder / "disp0.pfm", disparity)
        (folder / "calib.txt").write_text(
            f"cam0=[2000 0 {width / 2}; 0 2000 {height / 2}; 0 0 1]\ndoffs=20\nbaseline=170\n"
        )
    else:
        disparity[-1, -3:] = 0  # unknown
        cv2.imwrite(str(folder / "view1.png"), image)
        cv2.imwrite(str(folder / "disp1.png"), disparity.astype(np.uint8))
        (folder / "dmin.txt").write_text("200\n")


@pytest.fixture(scope="module")
def middlebury(tmp_path_factory, finished_runs):
    root = tmp_path_factory.mktemp("middlebury")
    for index, (layout, shape) in enumerate(
        [("2014", (24, 30)), ("2014", (20, 36)), ("2014", (30, 30)), ("2006", (24, 28)), ("2006", (26, 30))]
    ):
        _scene(root / f"scene{index}", layout, shape, index)
    write_motorcycle_scene(root)  # and a real one: scikit-image's Middlebury 2014 Motorcycle
    run = finished_runs[1]
    experiment = root.parent / "middlebury_eval.yaml"
    config = {
        **TINY_DPDE,
        "name": "tiny_middlebury",
        "data": {"dataset": "middlebury", "root": str(root), "image_size": IMAGE_SIZE},
        "eval": {
            "batch_size": 2,
            "baselines": ["mean_depth"],
            "trained_runs": [str(run)],
            "protocols": {"fcrn": {"resolution": "original"}},  # FCRN's: each scene's own ground truth
        },
    }
    experiment.write_text(yaml.safe_dump(config))
    return root, run, experiment


def _expected_mean_depth_rms(root, original=False):
    """The per-image mean depth's pooled RMS over every scene, from the files by NumPy: the mean
    of the ground truth at the network's size, scored there or (`original`) against the scene's
    own ground truth."""
    squared, count = 0.0, 0
    for scene in sorted(root.iterdir()):
        full = load_scene(scene)["depth"] / 1000.0
        depth = resize_depth(full, IMAGE_SIZE)
        mean = depth[np.isfinite(depth)].mean()
        truth = full if original else depth
        valid = np.isfinite(truth)
        squared += np.sum((truth[valid] - mean) ** 2)
        count += valid.sum()
    return np.sqrt(squared / count)


@pytest.mark.slow
def test_a_trained_run_is_scored_on_every_scene_of_both_layouts(middlebury, tmp_path):
    root, run, experiment = middlebury
    checkpoints = sorted(p.name for p in run.rglob("ckpt-*.index"))
    result = run_train(experiment, "--run-dir", tmp_path / "eval")
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    name = run.name
    assert list(metrics["results"]) == [
        MEAN_DEPTH,
        f"FCRN ({name})",
        f"modified FCRN ({name})",
        f"DPDE ({name})",
    ]
    assert metrics["protocol"] == (
        "pooling: pixels pooled over the test set; resolution: 16x20 (network input); crop: full frame; depth cap: none"
    )
    assert all(row["protocol"] == metrics["protocol"] for row in metrics["results"].values())
    layouts = {scene.name: "2014" if (scene / "disp0.pfm").is_file() else "2005/2006" for scene in root.iterdir()}
    assert metrics["scenes"] == [{"scene": name, "layout": layouts[name]} for name in sorted(layouts)]
    assert set(layouts.values()) == {"2014", "2005/2006"}
    assert metrics["results"][MEAN_DEPTH]["rms"] == pytest.approx(_expected_mean_depth_rms(root), rel=1e-5)
    fcrn = metrics["protocols"]["fcrn"]
    assert "resolution: original ground truth" in fcrn["protocol"] and list(fcrn["results"]) == list(metrics["results"])
    assert fcrn["results"][MEAN_DEPTH]["rms"] == pytest.approx(_expected_mean_depth_rms(root, original=True), rel=1e-5)
    assert "protocol: pooling" in result.stdout and "protocol fcrn: pooling" in result.stdout
    assert sorted(p.name for p in run.rglob("ckpt-*.index")) == checkpoints  # nothing trained
    assert not (tmp_path / "eval" / "checkpoints").exists()

    # scored in one pass as scored alone: FCRN's protocol as an experiment's own
    args = ("--set", "eval.protocol.resolution=original", "--set", "eval.protocols={}")
    result = run_train(experiment, "--run-dir", tmp_path / "original", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    original = json.loads((tmp_path / "original" / "metrics.json").read_text())
    assert original["results"] == fcrn["results"] and "protocols" not in original
    assert original["results"][f"DPDE ({name})"]["rms"] != metrics["results"][f"DPDE ({name})"]["rms"]


@pytest.mark.slow
def test_middlebury_cannot_be_trained_on(middlebury, tmp_path):
    _, _, experiment = middlebury
    message = user_error(run_train(experiment, "--run-dir", tmp_path / "run", "--set", "eval.trained_runs=[]"))
    assert "Middlebury is a test set" in message


@pytest.mark.slow
def test_omega_sweep_scores_each_weight_against_the_modified_fcrn(finished_runs, tmp_path):
    run = finished_runs[1]
    experiment = tmp_path / "tiny_dpde.yaml"
    experiment.write_text(yaml.safe_dump(TINY_DPDE))
    out = tmp_path / "sweep.json"
    result = run_python("-m", "commands.omega_sweep", experiment, run, "--omega", "0.01", "10", "1000", "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = json.loads(out.read_text())["results"]
    assert list(rows) == ["modified FCRN", "DPDE, omega = 0.01", "DPDE, omega = 10", "DPDE, omega = 1000"]
    # a negligible gradient term leaves the depth network's output
    assert rows["DPDE, omega = 0.01"]["rms"] == pytest.approx(rows["modified FCRN"]["rms"], rel=1e-3)
    assert rows["DPDE, omega = 1000"]["rms"] != pytest.approx(rows["modified FCRN"]["rms"], rel=1e-3)
    assert "RMS gain" in result.stdout

    # The same sweep as an experiment (`eval.omegas`, the campaign's row): the same numbers, beside
    # the run's own rows; the run's own omega gives its DPDE row.
    sweep = tmp_path / "omega_sweep.yaml"
    scoring = {"baselines": [], "trained_runs": [str(run)], "omegas": [0.01, 10, 1000]}
    sweep.write_text(yaml.safe_dump({**TINY_DPDE, "eval": scoring}))
    result = run_train(sweep, "--run-dir", tmp_path / "scored")
    assert result.returncode == 0, result.stderr[-3000:]
    scored = json.loads((tmp_path / "scored" / "metrics.json").read_text())["results"]
    name = run.name
    assert list(scored) == [
        f"FCRN ({name})",
        f"modified FCRN ({name})",
        f"DPDE ({name})",
        *(f"DPDE, omega = {omega} ({name})" for omega in ("0.01", "10", "1000")),
    ]
    for title, metrics in rows.items():
        assert scored[f"{title} ({name})"]["rms"] == pytest.approx(metrics["rms"], rel=1e-6)
    own = TINY_DPDE["model"].get("args", {}).get("fusion", {}).get("omega", 10)
    assert scored[f"DPDE, omega = {own:g} ({name})"]["rms"] == pytest.approx(scored[f"DPDE ({name})"]["rms"], rel=1e-6)

    # Omegas for a model without a fusion, or not positive, are one line naming the setting.
    igde = tmp_path / "igde_sweep.yaml"
    scoring = {"trained_runs": [str(finished_runs[0])], "omegas": [1]}
    igde.write_text(yaml.safe_dump({**TINY_EXPERIMENT, "eval": scoring}))
    assert "eval.omegas applies to DPDE runs" in user_error(run_train(igde, "--run-dir", tmp_path / "igde"))
    bad = user_error(run_train(sweep, "--run-dir", tmp_path / "bad", "--set", "eval.omegas=[0]"))
    assert "eval.omegas" in bad and "> 0" in bad


def test_runs_of_one_folder_name_are_labelled_by_their_paths_and_a_run_given_twice_is_refused():
    import pathlib
    import types

    from common.errors import ConfigError
    from common.evaluation.trained_runs import run_labels

    a, b, c = (types.SimpleNamespace(dir=pathlib.Path(path)) for path in ("x/run", "y/run", "y/other"))
    assert run_labels([a, b, c]) == {a.dir: "x/run", b.dir: "y/run", c.dir: "other"}
    with pytest.raises(ConfigError, match="x/run: given twice"):
        run_labels([a, types.SimpleNamespace(dir=pathlib.Path("x/run/"))])
