"""Our test splits as files (`commands.write_split`) and any method's saved predictions scored by
our code (`commands.score`), for both papers and on real data: the split's ground truth scored as
a prediction is perfect, its corrupted input scores as the run's input row, a trained network's
predictions written in each format score as the network does, and bad prediction folders are one
line naming the file."""

import json

import cv2
import keras
import numpy as np
import pytest

from commands.score import main as score_main
from commands.write_split import main as write_split_main
from common.config.loader import load_config
from common.data.loaders import make_loader
from common.data.pfm import read_pfm, write_pfm
from common.predictor import make_predictor
from tests.conftest import TINY_DPDE, TINY_EXPERIMENT, approx_or_none, write_experiment, write_motorcycle_scene


def _experiment(tmp_path, base, **sections):
    return write_experiment(tmp_path / "experiment.yaml", base, **sections)


def _score(tmp_path, experiment, predictions, *extra, protocol=None):
    """The rows of the scored predictions' metrics.json: the experiment's own protocol's, or
    those of the further protocol `protocol`."""
    status = score_main([str(experiment), str(predictions), "--run-dir", str(tmp_path / "scored"), *extra])
    assert status == 0
    metrics = json.loads((tmp_path / "scored" / "metrics.json").read_text())
    return metrics["protocols"][protocol]["results"] if protocol else metrics["results"]


def test_an_igde_split_round_trips(tmp_path, capsys):
    experiment = _experiment(tmp_path, TINY_EXPERIMENT, eval={"baselines": ["input"]})
    split = tmp_path / "split"
    assert write_split_main([str(experiment), str(split)]) == 0
    manifest = json.loads((split / "manifest.json").read_text())
    assert [s["name"] for s in manifest["samples"]] == ["00000", "00001", "00002", "00003"]
    assert manifest["corruption"]["seed"] == 0 and manifest["version"] and "pooled" in manifest["protocols"]["own"]
    _, load = make_loader(load_config(experiment).data, "test", "enhancement")
    sample = load(2)
    np.testing.assert_array_equal(read_pfm(split / "ground_truth" / "00002.pfm"), sample["target"][..., 0])
    np.testing.assert_array_equal(read_pfm(split / "input_depth" / "00002.pfm"), sample["depth"][..., 0])
    rgb = cv2.imread(str(split / "rgb" / "00002.png"))[..., ::-1] / 255.0
    np.testing.assert_allclose(rgb, sample["image"], atol=0.5 / 255)
    assert (cv2.imread(str(split / "error_mask" / "00002.png"), 0) > 0).sum() == sample["error_mask"].sum()

    perfect = _score(tmp_path, experiment, split / "ground_truth", "--title", "truth")
    assert perfect["truth"]["rmse"] == 0.0 and perfect["truth"]["ssim"] == pytest.approx(1.0)
    as_input = _score(tmp_path, experiment, split / "input_depth", "--title", "corrupted input")
    for metric, value in as_input["input"].items():
        if metric != "protocol":
            assert as_input["corrupted input"][metric] == approx_or_none(value, rel=1e-6), metric
    capsys.readouterr()


@pytest.mark.slow
def test_a_trained_runs_predictions_in_every_format_score_as_the_run(finished_runs, tmp_path):
    """The run's own metrics.json row, from its predictions written as files: PFM and NPY hold
    float32 exactly; a 16-bit PNG quantises [0, 1] depth to 1 / 65535, well under the metrics'
    printed precision for PSNR (the error changes by at most half a step a pixel)."""
    import igde.registry  # noqa: F401  registers the custom layers

    run = finished_runs[0]
    experiment = run / "config.yaml"
    config = load_config(experiment)
    network = make_predictor(keras.models.load_model(run / "model.keras"), ("image", "depth"))
    length, load = make_loader(config.data, "test", "enhancement")
    reference = json.loads((run / "metrics.json").read_text())["results"]["IGDE"]
    for suffix, tolerance in ((".pfm", 1e-5), (".npy", 1e-5), (".png", 2e-3)):
        folder = tmp_path / suffix[1:]
        folder.mkdir()
        for index in range(length):
            sample = load(index)
            batch = {key: sample[key][None] for key in ("image", "depth")}
            depth = network(batch)[0, ..., 0]
            path = folder / f"{index:05d}{suffix}"
            if suffix == ".pfm":
                write_pfm(path, depth)
            elif suffix == ".npy":
                np.save(path, depth)
            else:
                cv2.imwrite(str(path), np.round(np.clip(depth, 0, 1) * 65535).astype(np.uint16))
        scored = _score(tmp_path, experiment, folder, "--title", "IGDE")["IGDE"]
        for metric in ("psnr", "psnr_f", "ssim", "rmse"):
            assert scored[metric] == pytest.approx(reference[metric], rel=tolerance), (suffix, metric)


def test_a_dpde_split_round_trips_with_predictions_of_another_size(tmp_path):
    experiment = _experiment(tmp_path, TINY_DPDE, eval={"batch_size": 2, "baselines": []})
    split = tmp_path / "split"
    assert write_split_main([str(experiment), str(split)]) == 0
    manifest = json.loads((split / "manifest.json").read_text())
    assert manifest["sample_kind"] == "monocular" and "corruption" not in manifest
    perfect = _score(tmp_path, experiment, split / "ground_truth", "--title", "truth")["truth"]
    assert perfect["rms"] == 0.0 and perfect["delta1"] == 1.0
    # millimetre PNGs at half size are resized bilinearly to the ground truth, as FCRN's protocol
    halves = tmp_path / "halves"
    halves.mkdir()
    squared, count = 0.0, 0
    for path in sorted((split / "ground_truth").glob("*.pfm")):
        depth = read_pfm(path)
        small = np.round(cv2.resize(depth, (depth.shape[1] // 2, depth.shape[0] // 2)) * 1000).astype(np.uint16)
        cv2.imwrite(str(halves / f"{path.stem}.png"), small)
        back = cv2.resize(small.astype(np.float32) / 1000, depth.shape[::-1], interpolation=cv2.INTER_LINEAR)
        valid = cv2.imread(str(split / "valid_mask" / f"{path.stem}.png"), 0) > 0
        squared += float(np.sum((back[valid] - depth[valid]) ** 2))
        count += int(valid.sum())
    resized = _score(tmp_path, experiment, halves, "--title", "half size")["half size"]
    assert resized["rms"] == pytest.approx(np.sqrt(squared / count), rel=1e-4) and resized["rms"] > 0


def test_real_middlebury_data_goes_through_the_split_and_the_scorer(tmp_path):
    """scikit-image's Middlebury 2014 Motorcycle, written in the 2014 layout, as the test set of a
    DPDE Middlebury evaluation with FCRN's protocol beside the experiment's own: written as a
    split, the ground truth at each protocol's size scores perfectly under that protocol."""
    write_motorcycle_scene(tmp_path / "scenes")
    data = {"dataset": "middlebury", "root": str(tmp_path / "scenes"), "image_size": [50, 74]}
    evaluation = {"batch_size": 1, "baselines": ["mean_depth"], "protocols": {"fcrn": {"resolution": "original"}}}
    experiment = _experiment(tmp_path, TINY_DPDE, data=data, eval=evaluation)
    split = tmp_path / "split"
    assert write_split_main([str(experiment), str(split)]) == 0
    manifest = json.loads((split / "manifest.json").read_text())
    assert manifest["dataset"] == "middlebury" and list(manifest["protocols"]) == ["own", "fcrn"]
    assert manifest["samples"] == [
        {"name": "00000", "height": 50, "width": 74, "original_height": 500, "original_width": 741}
    ]
    for folder, size in (("valid_mask", (50, 74)), ("valid_mask_original", (500, 741))):
        valid = cv2.imread(str(split / folder / "00000.png"), 0) > 0
        assert valid.shape == size and 0.5 < valid.mean() < 1.0  # the scene's unknown disparities stay unknown
    assert read_pfm(split / "ground_truth_original" / "00000.pfm").shape == (500, 741)
    results = _score(tmp_path, experiment, split / "ground_truth", "--title", "truth")
    assert results["truth"]["rms"] == 0.0 and results["per-image true mean depth (oracle)"]["rms"] > 0.1
    original = _score(tmp_path, experiment, split / "ground_truth_original", "--title", "truth", protocol="fcrn")
    assert original["truth"]["rms"] == 0.0 and "original ground truth" in original["truth"]["protocol"]


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "no prediction for 1 of the 4 test samples, first 00003"),
        ("mis-sized", "00001.npy: 8x8, but the sample is 32x32"),
        ("unreadable", "00000.png: truncated PNG"),
        ("twice", "a second prediction for sample 00002"),
        ("nan", "00000.npy: 1 depth values are NaN or infinite"),
        ("negative", "00000.npy: 1 depth values are negative"),
        ("empty", "00000.npy: not a readable NPY file (an empty file)"),
        ("a baseline's title", "two result rows would share the title 'input'"),
    ],
)
def test_bad_prediction_folders_are_one_line(tmp_path, capsys, case, message):
    experiment = _experiment(tmp_path, TINY_EXPERIMENT, eval={"baselines": ["input"]})
    folder = tmp_path / "predictions"
    folder.mkdir()
    for index in range(4):
        np.save(folder / f"{index:05d}.npy", np.full((32, 32), 0.5, np.float32))
    if case == "missing":
        (folder / "00003.npy").unlink()
    elif case == "mis-sized":
        np.save(folder / "00001.npy", np.zeros((8, 8), np.float32))
    elif case == "unreadable":
        (folder / "00000.npy").unlink()
        (folder / "00000.png").write_bytes(b"\x89PNG cut short")
    elif case == "twice":
        write_pfm(folder / "00002.pfm", np.zeros((32, 32), np.float32))
    elif case == "negative":
        values = np.full((32, 32), 0.5, np.float32)
        values[0, 0] = -0.5
        np.save(folder / "00000.npy", values)
    elif case == "empty":
        (folder / "00000.npy").write_bytes(b"")
    elif case == "a baseline's title":
        folder = folder.rename(tmp_path / "input")  # the input depth's row title
    else:
        nan = np.full((32, 32), 0.5, np.float32)
        nan[3, 3] = np.nan
        np.save(folder / "00000.npy", nan)
    assert score_main([str(experiment), str(folder), "--run-dir", str(tmp_path / "scored")]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / "scored" / "metrics.json").exists()


def test_extra_files_are_a_warning(tmp_path, capsys):
    experiment = _experiment(tmp_path, TINY_EXPERIMENT, eval={"baselines": []})
    folder = tmp_path / "predictions"
    folder.mkdir()
    for index in range(5):
        np.save(folder / f"{index:05d}.npy", np.full((32, 32), 0.5, np.float32))
    assert score_main([str(experiment), str(folder), "--run-dir", str(tmp_path / "scored")]) == 0
    assert "1 files name no test sample, first 00004.npy" in capsys.readouterr().out


def test_write_split_refuses_a_folder_that_holds_files(tmp_path, capsys):
    experiment = _experiment(tmp_path, TINY_EXPERIMENT)
    (tmp_path / "split").mkdir()
    (tmp_path / "split" / "mine.txt").write_text("keep")
    assert write_split_main([str(experiment), str(tmp_path / "split")]) == 2
    assert "holds mine.txt, which this split does not write" in capsys.readouterr().err
    assert (tmp_path / "split" / "mine.txt").read_text() == "keep"


def test_a_killed_write_split_is_finished_by_a_rerun_and_a_finished_one_is_kept(tmp_path, capsys, monkeypatch):
    import commands.write_split
    from common.data import split_files

    experiment, split = _experiment(tmp_path, TINY_EXPERIMENT), tmp_path / "split"
    written = []
    original_write = split_files.write_sample

    def killed_after_two(root, sample_kind, name, sample):
        if len(written) == 2:
            raise KeyboardInterrupt
        written.append(name)
        original_write(root, sample_kind, name, sample)

    monkeypatch.setattr(split_files, "write_sample", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        commands.write_split.main([str(experiment), str(split)])
    monkeypatch.undo()
    assert not (split / "manifest.json").exists() and (split / "rgb" / "00001.png").is_file()
    assert write_split_main([str(experiment), str(split)]) == 0
    manifest = json.loads((split / "manifest.json").read_text())
    assert len(list((split / "rgb").iterdir())) == len(manifest["samples"]) > 2
    before = {path: path.stat().st_mtime_ns for path in split.rglob("*")}
    capsys.readouterr()
    assert write_split_main([str(experiment), str(split)]) == 2
    assert "holds a finished split (manifest.json)" in capsys.readouterr().err
    assert {path: path.stat().st_mtime_ns for path in split.rglob("*")} == before
