"""`python -m commands.report` writes REPRODUCTION.md from finished runs: every table of both
papers with the paper's numbers beside ours, each of our rows labelled, the commands, and one
figure per paper."""

import json

import cv2
import pytest

from common.baselines import BASELINE_TITLES
from tests.conftest import run_python, user_error

MEAN_DEPTH = BASELINE_TITLES["mean_depth"]


@pytest.fixture(scope="module")
def report(finished_runs):
    runs = finished_runs
    base = runs[0].parent
    out = base / "docs" / "REPRODUCTION.md"
    out.parent.mkdir()
    result = run_python("-m", "commands.report", *runs, "--out", out, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, runs


@pytest.mark.slow
def test_every_table_has_paper_and_labelled_rows(report):
    out, runs = report
    text = out.read_text()
    for heading in (
        "Table 1 (Scene Flow test set)",
        "Table 2 (losses)",
        "Table 3 (layers of colour features)",
        "Table 1 (Make3D)",
        "Table 2 (NYU Depth v2)",
        "Table 3 (Middlebury)",
        "Table 4 (ablation, NYU)",
        "Table 5 (parameters)",
    ):
        assert f"### {heading}" in text
    assert "| IGDE (paper) | 48.1056 | 52.9595 | 33.7814 | 0.99999962 | 0.0039363 |" in text
    assert "| DPDE (paper) | 0.684 | 0.068 | 0.206 | 0.942 | 0.988 | not in the text |" in text
    assert (
        "IGDE — *ours: synthetic, small preset, CPU; errors pooled over all test pixels; 32x32 frames; "
        "trained with the paper's loss (L1 + depth focal + Sobel), direct output*"
    ) in text
    assert "input — *ours: synthetic, small preset, CPU; errors pooled over all test pixels; 32x32 frames*" in text
    assert (
        "DPDE — *ours: synthetic, small preset, CPU; pooling: pixels pooled over the test set; "
        "resolution: 32x48 (network input); crop: full frame; depth cap: none; trained with "
        "BerHu x1 + FSIM x1 + log-L1 gradient x1*"
    ) in text
    assert (
        "DPDE — *ours: synthetic, small preset, CPU; pooling: per-image mean; "
        "resolution: 32x48 (network input); crop: full frame; depth cap: none; trained with "
        "BerHu x1 + FSIM x1 + log-L1 gradient x1*"
    ) in text  # the run's second protocol, scored in the same pass
    assert f"python train.py {runs[0].parent / 'tiny.yaml'} --run-dir {runs[0]}" in text
    assert "63,654,401" in text


@pytest.mark.slow
def test_a_run_writes_every_protocol_with_its_rows(finished_runs):
    metrics = json.loads((finished_runs[1] / "metrics.json").read_text())
    assert list(metrics["protocols"]) == ["per_image"]
    further = metrics["protocols"]["per_image"]
    assert further["protocol"].startswith("pooling: per-image mean;") and metrics["protocol"].startswith(
        "pooling: pixels"
    )
    assert list(further["results"]) == list(metrics["results"])  # the same rows, each under its protocol
    for title, row in further["results"].items():
        assert row["protocol"] == further["protocol"] and metrics["results"][title]["protocol"] == metrics["protocol"]
        assert row.get("loss_weights") == metrics["results"][title].get("loss_weights")
    # the mean-depth row is an image's own mean, so each image's error is its spread: the pixel
    # and the image pooling differ, and the structure scores (per image in both) agree
    own, images = metrics["results"][MEAN_DEPTH], further["results"][MEAN_DEPTH]
    assert own["rms"] != images["rms"] and own["ssim"] == pytest.approx(images["ssim"], rel=1e-12)


@pytest.mark.slow
def test_one_figure_per_paper(report):
    out, _ = report
    text = out.read_text()
    for paper, columns in (
        ("igde", "RGB | input depth | prediction | truth | error"),
        ("dpde", "RGB | prediction | truth | error"),
    ):
        assert f"![{paper}](reproduction/{paper}.png)\n\nColumns: {columns}; rows" in text
        image = cv2.imread(str(out.parent / "reproduction" / f"{paper}.png"))
        assert image is not None and image.shape[0] > 300 and image.std() > 10


@pytest.mark.slow
def test_not_a_run_is_one_line(tmp_path):
    result = run_python("-m", "commands.report", tmp_path, timeout=None)
    assert "no metrics.json" in user_error(result)


def test_igde_tables_hold_every_cell_the_text_keeps():
    from commands.paper_tables import IGDE_TABLES

    # the IGDE text (Sect. 4.4): Table 3's k = 2 and k = 3 rows are complete in the text
    table_3 = IGDE_TABLES["Table 3 (layers of colour features)"]
    assert table_3["k = 2"] == (47.154, 51.9130, 32.8571, 0.999999537, 0.0043897)
    assert table_3["k = 3"] == (48.1056, 52.9595, 33.7814, 0.999999625, 0.0039363)
    empty = {(table, row) for table, rows in IGDE_TABLES.items() for row, cells in rows.items() if None in cells}
    # the only empty cells are the paper's own "None": PSNRt of the unchanged input and of DEN+CBPN
    assert empty == {("Table 1 (Scene Flow test set)", "input"), ("Table 1 (Scene Flow test set)", "DEN+CBPN")}
