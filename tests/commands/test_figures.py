"""python -m commands.figures: training curves and test-example grids of finished runs."""

import csv

import cv2
import pytest

from common.epoch_log import epoch_logs
from common.viz import curve_panels, read_epochs
from tests.conftest import run_python, user_error


def test_curves_plot_every_logged_loss_and_metric(tmp_path):
    path = tmp_path / "metrics.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", "step", "learning_rate", "loss", "loss_l1", "psnr", "seconds"])
        writer.writerows([[1, 4, 0.1, 2.0, 1.0, "", 3.0], [2, 8, 0.1, 1.5, 0.7, 20.5, 3.1]])
    columns = read_epochs(path)
    assert columns["psnr"] == ([2], [20.5]) and columns["loss_l1"] == ([1, 2], [1.0, 0.7])
    panels = curve_panels(columns)
    assert [(title, sorted(series)) for title, series, _ in panels] == [
        ("training loss", ["loss", "loss_l1"]),
        ("learning rate", ["learning_rate"]),
        ("test psnr", ["psnr"]),
    ]


def test_the_input_level_is_drawn_beside_its_metric(tmp_path):
    path = tmp_path / "metrics.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", "step", "loss", "psnr_f", "input_psnr_f", "input_psnr_t", "seconds"])
        writer.writerows([[1, 4, 2.0, 20.5, 21.0, "", 3.0], [2, 8, 1.5, 21.5, 21.0, "", 3.1]])
    panels = {title: series for title, series, _ in curve_panels(read_epochs(path))}
    assert sorted(panels) == ["test psnr_f", "training loss"]
    assert panels["test psnr_f"]["input"] == ([1, 2], [21.0, 21.0])


@pytest.mark.slow
def test_viz_draws_curves_and_examples_of_both_papers(finished_runs, tmp_path):
    igde_run, dpde_run = finished_runs
    assert [label for label, _ in epoch_logs(dpde_run)] == [
        f"{dpde_run.name}/{stage}" for stage in ("depth", "fcrn", "gradient")
    ]
    for run_dir in finished_runs:
        out = tmp_path / run_dir.name
        result = run_python("-m", "commands.figures", run_dir, "--out", out, "--samples", "2", timeout=None)
        assert result.returncode == 0, result.stderr[-3000:]
        assert f"wrote {out / 'curves.png'}, {out / 'examples.png'}" in result.stdout
        curves, examples = (cv2.imread(str(out / name)) for name in ("curves.png", "examples.png"))
        assert curves.shape[1] == 4 * 4 * 80 and curves.std() > 10  # four panels of 4 in at 80 dpi
        assert examples.shape[0] < examples.shape[1] and examples.std() > 10


@pytest.mark.slow
def test_a_directory_without_logs_is_one_line(tmp_path):
    result = run_python("-m", "commands.figures", tmp_path, timeout=None)
    assert f"{tmp_path}: no metrics.csv" in user_error(result)
