"""The campaign command: its jobs, `--list` (each line runs as printed), a run that skips what is
summarised and resumes what is not, `--collect`, and the claims' statistics."""

import json
import shlex
import subprocess
import sys

import numpy as np
import pytest
import yaml
from scipy import stats

from commands import campaign, claims, reproduce
from tests.conftest import ROOT, TINY_EXPERIMENT


def test_the_campaign_runs_every_row_of_both_papers_under_every_seed():
    jobs = campaign.campaign_jobs("all", "cpu", seeds=3)
    assert len(jobs) == 3 * (10 + 4)
    assert {job.seed for job in jobs} == {0, 1, 2}
    # Every row the ledger names is a row of the campaign.
    experiments = {job.experiment for job in jobs}
    ledger = claims.load_claims()
    for claim in ledger:
        assert {claim.better[0], claim.worse[0]} <= experiments, claim.id
    # Each claim reads as its own line: no two share a table and a title ("IGDE > IGDE").
    titles = [(claim.table, claim.title()) for claim in ledger]
    assert len(set(titles)) == len(titles), sorted(t for t in titles if titles.count(t) > 1)
    middlebury = next(job for job in jobs if job.experiment == "dpde/middlebury.yaml" and job.seed == 2)
    assert f"eval.trained_runs=[{middlebury.scored_run.run_dir}]" in middlebury.argv()
    names = [job.name for job in jobs if job.seed == 0]
    assert len(set(names)) == len(names) and all(name.endswith("_cpu") for name in names)
    paper = campaign.campaign_jobs("igde", "paper", seeds=1)[0]
    assert "--scale" not in paper.argv() and paper.name == "igde_sceneflow"


@pytest.fixture
def tiny_campaign(tmp_path, monkeypatch):
    """A campaign of one tiny IGDE experiment at a `cpu` scale of two epochs, in tmp_path; run from
    the repository root."""
    experiments = tmp_path / "experiments"
    (experiments / "scales").mkdir(parents=True)
    (experiments / "tiny.yaml").write_text(yaml.safe_dump(TINY_EXPERIMENT))
    (experiments / "scales" / "cpu.yaml").write_text(yaml.safe_dump({"synthetic": {"train": {"epochs": 2}}}))
    monkeypatch.setattr(campaign, "EXPERIMENTS", experiments)
    monkeypatch.setattr(campaign, "CAMPAIGN", {"igde": ("tiny.yaml",), "dpde": ()})
    monkeypatch.chdir(ROOT)
    return ["igde", "--seeds", "2", "--runs-root", str(tmp_path / "runs"), "--summaries", str(tmp_path / "summaries")]


def test_list_run_skip_and_collect(tiny_campaign, tmp_path, capsys):
    assert reproduce.main([*tiny_campaign, "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith("python ") for line in lines)
    first = shlex.split(lines[0])
    assert "train.seed=0" in first and first[first.index("--scale") + 1] == "cpu"
    # A printed line runs as printed (with this interpreter).
    result = subprocess.run([sys.executable, *first[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    # The campaign summarises the run that finished outside it and runs the other.
    assert reproduce.main(tiny_campaign) == 0
    out = capsys.readouterr().out
    assert "0 of 2 runs already summarised; 2 to run" in out
    assert "had finished; summarised" in out and "run 2 of 2 took" in out
    summary = json.loads((tmp_path / "summaries" / "cpu" / "tiny_cpu" / "seed1.json").read_text())
    assert summary["seed"] == 1 and summary["command"] == lines[1]
    assert summary["results"]["IGDE"]["psnr_f"] > 0 and "input" in summary["results"]
    assert summary["curves"]["model"][-1]["input_psnr_f"] > 0 and summary["wall_seconds"] > 0
    assert summary["machine"]["cores"] >= 1

    # Run again: everything is summarised, nothing runs; --list prints nothing.
    assert reproduce.main(tiny_campaign) == 0
    assert "2 of 2 runs already summarised; 0 to run" in capsys.readouterr().out
    assert reproduce.main([*tiny_campaign, "--list"]) == 0
    assert capsys.readouterr().out == ""

    # A summary of another experiment (another digest) is stale: the run is summarised anew.
    path = tmp_path / "summaries" / "cpu" / "tiny_cpu" / "seed0.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "digest": "0" * 64}))
    assert reproduce.main(tiny_campaign) == 0
    assert "1 of 2 runs already summarised; 1 to run" in capsys.readouterr().out
    assert json.loads(path.read_text())["digest"] != "0" * 64

    report = tmp_path / "report.md"
    assert reproduce.main([*tiny_campaign, "--collect", "--out", str(report)]) == 0
    text = report.read_text()
    assert "(2 of 2 runs; seeds 0, 1;" in text and "| tiny_cpu | model | PSNRf (dB) |" in text


def test_a_killed_run_resumes_in_the_campaign(tiny_campaign, tmp_path, capsys):
    job = campaign.campaign_jobs("igde", "cpu", 1, tmp_path / "runs")[0]
    argv = job.argv()
    # A run of two epochs killed after its first: the checkpoint stays, model.keras does not.
    result = subprocess.run(
        [sys.executable, *argv[1:], "--set", "train.epochs=1"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (job.run_dir / "model.keras").unlink()
    (job.run_dir / "metrics.json").unlink()
    assert not job.finished()
    assert reproduce.main([*tiny_campaign[:2], "1", *tiny_campaign[3:]]) == 0
    capsys.readouterr()
    log = job.run_dir.with_suffix(".log").read_text()
    assert "restored" in log.lower() or "resum" in log.lower(), log[-2000:]
    assert job.finished()


def test_user_mistakes_are_one_line(tiny_campaign, capsys):
    assert reproduce.main([*tiny_campaign, "--out", "x.md"]) == 2
    assert capsys.readouterr().err.strip() == "error: --out: only with --collect"
    assert reproduce.main(["igde", "--seeds", "0"]) == 2
    assert capsys.readouterr().err.startswith("error: --seeds")


def test_the_paired_interval_is_students_t():
    differences = [0.3, -0.1, 0.5, 0.2]
    mean, low, high = claims.paired_interval(differences)
    reference = stats.ttest_1samp(differences, 0.0).confidence_interval(0.95)
    assert mean == pytest.approx(np.mean(differences))
    assert (low, high) == pytest.approx((reference.low, reference.high))
    assert claims.paired_interval([0.4]) == (0.4, None, None)
    assert claims.verdict(0.1, 0.3) == claims.HOLDS
    assert claims.verdict(-0.3, -0.1) == claims.CONTRADICTED
    assert claims.verdict(-0.1, 0.3) == claims.NOT_RESOLVED
    assert claims.verdict(None, None) == claims.NOT_RESOLVED


def test_verdicts_pair_by_seed_and_sign_by_the_metric():
    ledger = [
        claims.Claim("a", "IGDE", "Table 1", ("x.yaml", "A"), ("x.yaml", "B"), {"psnr": "", "rmse": ""}, ""),
    ]
    values = {
        ("x.yaml", "A", "psnr"): {0: 40.0, 1: 41.0, 2: 42.0, 3: 50.0},
        ("x.yaml", "B", "psnr"): {0: 39.0, 1: 40.5, 2: 41.0},  # seed 3 has no B: left out
        ("x.yaml", "A", "rmse"): {0: 0.2, 1: 0.3, 2: 0.25},
        ("x.yaml", "B", "rmse"): {0: 0.1, 1: 0.2, 2: 0.1},  # A is worse: lower is better
    }
    psnr, rmse = claims.claim_verdicts(ledger, values)
    assert psnr.seeds == (0, 1, 2) and psnr.differences == pytest.approx((1.0, 0.5, 1.0))
    assert psnr.verdict == claims.HOLDS
    assert rmse.differences == pytest.approx((-0.1, -0.1, -0.15)) and rmse.verdict == claims.CONTRADICTED


def test_the_ledger_reads_and_refuses_unknown_metrics(tmp_path):
    assert len(claims.load_claims()) >= 19
    bad = tmp_path / "claims.yaml"
    entry = {
        "id": "x",
        "paper": "IGDE",
        "table": "T",
        "better": {"experiment": "a", "row": "A"},
        "worse": {"experiment": "a", "row": "B"},
        "metrics": {"psnr_x": "1"},
        "quote": "q",
    }
    bad.write_text(yaml.safe_dump([entry]))
    with pytest.raises(Exception, match="unknown metric psnr_x"):
        claims.load_claims(bad)


def test_the_paper_scale_lists_each_run_with_its_days_of_the_papers_gpu(monkeypatch, capsys):
    """The estimate agrees with `igde.budget`'s count of the paper preset (11 days, the budget
    that chose it); the printed line still runs as a shell command (the estimate is a comment)."""
    from commands.registry import load_experiment
    from commands.training_cost import gpu_days
    from igde.budget import training_budget

    sceneflow = load_experiment(ROOT / "experiments/igde/sceneflow.yaml")
    assert gpu_days(sceneflow, "igde") == pytest.approx(training_budget(4, 2, 64)["days"], rel=0.01)
    monkeypatch.setattr(campaign, "CAMPAIGN", {"igde": ("igde/sceneflow.yaml",), "dpde": ()})
    monkeypatch.chdir(ROOT)
    assert reproduce.main(["igde", "--scale", "paper", "--seeds", "2", "--list", "--summaries", "/nonexistent"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("--run-dir runs/reproduce/paper/igde_sceneflow/seed0  # about 11 days of the paper's GPU")
    assert lines[2] == "# 2 runs: about 22 days of the papers' GPUs in all"
    assert shlex.split(lines[0], comments=True)[:3] == ["python", "train.py", "experiments/igde/sceneflow.yaml"]


def test_a_row_learns_by_the_not_learning_margin_over_its_input_or_against_its_first_test():
    from commands.campaign_report import learning

    def igde(last):
        return {
            "name": "igde",
            "curves": {"model": [{"psnr_f": 21.0, "input_psnr_f": 21.5}, {"psnr_f": last, "input_psnr_f": 21.5}]},
        }

    dpde = {
        "name": "dpde",
        "curves": {"depth": [{"rms": 2.5}, {"rms": 2.4}], "gradient": [{"mge": 0.3}, {"mge": 0.31}]},
    }
    table = learning([igde(22.1), igde(21.9), igde(21.6), dpde]).splitlines()
    assert "| igde | model | PSNRf (dB) | 21.00 | 21.87 | 21.50 | 1 of 3 (against the input) |" in table
    assert any(
        line.startswith("| dpde | depth |") and line.endswith("1 of 1 (against the first validation) |")
        for line in table
    )
    assert any(
        line.startswith("| dpde | gradient |") and line.endswith("0 of 1 (against the first validation) |")
        for line in table
    )


def test_a_setting_added_to_the_schema_leaves_the_digests_of_experiments_that_do_not_use_it():
    """The summaries written before `eval.omegas` existed stay current: the digest of an experiment
    is the one of its settings without the added key at its default, and the key set changes it."""
    import hashlib

    from commands.registry import load_experiment
    from common.config.loader import config_to_dict

    path = campaign.EXPERIMENTS / "dpde" / "nyu.yaml"
    experiment = load_experiment(path, (), "cpu")
    settings = config_to_dict(experiment.config)
    assert settings["eval"].pop("omegas") == []
    networks = {name: stage.model.arguments for name, stage in experiment.stages.items()}
    before = hashlib.sha256(yaml.safe_dump({**settings, "networks": networks}, sort_keys=True).encode()).hexdigest()
    assert campaign.experiment_digest(experiment) == before
    assert campaign.experiment_digest(load_experiment(path, ["eval.omegas=[3]"], "cpu")) != before
