"""`python -m experiments.report` writes REPRODUCTION.md from finished runs: every table of both
papers with the paper's numbers beside ours, each of our rows labelled, the commands, and one
figure per paper."""

import subprocess
import sys

import cv2
import pytest
import yaml

from tests.conftest import ROOT, TINY_EXPERIMENT, run_train, user_error
from tests.dpde.test_training import TINY_DPDE


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    runs = []
    for config in (TINY_EXPERIMENT, {**TINY_DPDE, "train": {**TINY_DPDE["train"], "epochs": 1}}):
        experiment = base / f"{config['name']}.yaml"
        experiment.write_text(yaml.safe_dump(config))
        runs.append(base / config["name"])
        result = run_train(experiment, "--run-dir", runs[-1], timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
    out = base / "docs" / "REPRODUCTION.md"
    out.parent.mkdir()
    result = subprocess.run([sys.executable, "-m", "experiments.report", *map(str, runs), "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, runs


def test_every_table_has_paper_and_labelled_rows(report):
    out, runs = report
    text = out.read_text()
    for heading in ("Table 1 (Scene Flow test set)", "Table 2 (losses)", "Table 3 (layers of colour features)",
                    "Table 1 (Make3D)", "Table 2 (NYU Depth v2)", "Table 3 (Middlebury)",
                    "Table 4 (ablation, NYU)", "Table 5 (parameters)"):
        assert f"### {heading}" in text
    assert "| IGDE (paper) | 48.1056 | 52.9595 | 33.7814 | 0.99999962 | 0.0039363 |" in text
    assert "| DPDE (paper) | 0.684 | 0.068 | 0.206 | 0.942 | 0.988 | not in the text |" in text
    assert "IGDE — *ours: synthetic, small preset, CPU*" in text
    assert "DPDE — *ours: synthetic, small preset, CPU*" in text
    assert f"python train.py {runs[0].parent / 'tiny.yaml'} --run-dir {runs[0]}" in text
    assert "63,654,401" in text


def test_one_figure_per_paper(report):
    out, _ = report
    for paper, shape in (("igde", (3 * 32 * 3, 5 * 32 * 3, 3)), ("dpde", (3 * 32 * 3, 4 * 48 * 3, 3))):
        assert f"![{paper}](reproduction/{paper}.png)" in out.read_text()
        image = cv2.imread(str(out.parent / "reproduction" / f"{paper}.png"))
        assert image is not None and image.shape == shape  # 3 scenes x panels, scaled 3x


def test_not_a_run_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "experiments.report", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True)
    assert "no metrics.json" in user_error(result)
