"""The reproduction campaign: every row of every table of both papers, one run per experiment and
seed, and the small JSON summary each finished run leaves under `reproduction/`.

A job is one `python train.py EXPERIMENT [--scale S] --set train.seed=K --run-dir DIR` command
(the Middlebury rows also name the NYU run of the same seed that they score). Its run directory
is `runs/reproduce/<scale>/<run name>/seed<K>`, its summary
`reproduction/<scale>/<run name>/seed<K>.json`; the summary holds the exact command, the seed,
the digest of the resolved experiment, every row's test metrics, the validation curves, the
training time and the machine, so the report rebuilds from the repository alone.

Example:
    for job in campaign_jobs("igde", "cpu", seeds=3):
        print(job.command_line())
"""

import dataclasses
import functools
import hashlib
import json
import os
import pathlib
import shlex
import sys

import yaml

from common.atomic import write_json_atomically
from common.config.loader import config_to_dict, load_config
from common.epoch_log import INTEGER_COLUMNS, epoch_logs, read_epoch_log
from common.errors import InputError

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
PAPER_SCALE = "paper"  # the experiments as written: no scale file

# Every row of every table, in the order they run: IGDE's Tables 1, 2 and 3 (the full model is Table 1's
# IGDE row, Table 2's full-loss row and Table 3's k = 3 row), DPDE's Tables 2 and 4 (one NYU run
# trains FCRN, the modified FCRN and the gradient network), Table 1 (Make3D), Table 3 (the NYU
# runs scored on Middlebury) and the NYU runs fused with other omegas.
CAMPAIGN = {
    "igde": (
        "igde/sceneflow.yaml",
        "igde/baselines/de_cnn.yaml",
        "igde/baselines/drecnn.yaml",
        "igde/baselines/den_cbpn.yaml",
        "igde/ablation_loss/l1_only.yaml",
        "igde/ablation_loss/l1_focal.yaml",
        "igde/ablation_loss/l1_sobel.yaml",
        "igde/ablation_concat/k0.yaml",
        "igde/ablation_concat/k1.yaml",
        "igde/ablation_concat/k2.yaml",
    ),
    "dpde": ("dpde/nyu.yaml", "dpde/make3d.yaml", "dpde/middlebury.yaml", "dpde/omega_sweep.yaml"),
}
# Experiments that train nothing and score the runs of another experiment of the same seed.
SCORES_RUNS_OF = {"dpde/middlebury.yaml": "dpde/nyu.yaml", "dpde/omega_sweep.yaml": "dpde/nyu.yaml"}
# Settings added to the schema after summaries were written, with their defaults (`experiment_digest`).
ADDED_SETTINGS = {"eval.omegas": []}
# Rounding of the curves kept in a summary (significant digits).
CURVE_DIGITS = 6


@dataclasses.dataclass(frozen=True)
class Job:
    """One run of the campaign: `experiment` (relative to experiments/) at `scale` under `seed`."""

    experiment: str
    scale: str
    seed: int
    name: str  # the run's name (the experiment's, with the scale appended)
    runs_root: pathlib.Path

    @property
    def path(self):
        return EXPERIMENTS / self.experiment

    @property
    def run_dir(self):
        return self.runs_root / self.scale / self.name / f"seed{self.seed}"

    def summary_path(self, summaries_root):
        return pathlib.Path(summaries_root) / self.scale / self.name / f"seed{self.seed}.json"

    @functools.cached_property
    def scored_run(self):
        """The job whose run this one scores (the NYU run of a Middlebury row), or None."""
        source = SCORES_RUNS_OF.get(self.experiment)
        return None if source is None else make_job(source, self.scale, self.seed, self.runs_root)

    @property
    def overrides(self):
        overrides = [f"train.seed={self.seed}"]
        if self.scored_run is not None:
            overrides.append(f"eval.trained_runs=[{self.scored_run.run_dir}]")
        return overrides

    def argv(self):
        """The command, as a list: `python train.py ...`, its files named relative to the working
        directory (from the repository's root: `python train.py experiments/...`)."""
        scale = [] if self.scale == PAPER_SCALE else ["--scale", self.scale]
        sets = [part for override in self.overrides for part in ("--set", override)]
        return [
            "python",
            os.path.relpath(ROOT / "train.py"),
            os.path.relpath(self.path),
            *scale,
            *sets,
            "--run-dir",
            str(self.run_dir),
        ]

    def command_line(self):
        return shlex.join(self.argv())

    @functools.cached_property
    def digest(self):
        """`experiment_digest` of the experiment this job runs (computed once: it loads and
        resolves the experiment): a summary of another digest is of another experiment."""
        from commands.registry import load_experiment

        return experiment_digest(
            load_experiment(self.path, self.overrides, None if self.scale == PAPER_SCALE else self.scale)
        )

    @property
    def trains(self):
        return self.experiment not in SCORES_RUNS_OF

    def finished(self):
        """Whether the run directory holds a finished run of this job's experiment as it is now
        (its metrics.json, its saved model when it trains, and a config.yaml of the same digest)."""
        from commands.registry import load_experiment

        files = ["config.yaml", "metrics.json"] + (["model.keras"] if self.trains else [])
        if not all((self.run_dir / name).is_file() for name in files):
            return False
        return experiment_digest(load_experiment(self.run_dir / "config.yaml")) == self.digest


def experiment_digest(experiment):
    """sha256 of a resolved `Experiment`, the networks' resolved arguments included (a preset that
    changes in the code changes the digest). A setting of `ADDED_SETTINGS` at its default is left
    out: an option added to the schema, unused, leaves every experiment as it was."""
    networks = {name: stage.model.arguments for name, stage in experiment.stages.items()}
    settings = config_to_dict(experiment.config)
    for key, default in ADDED_SETTINGS.items():
        section, name = key.split(".")
        if settings[section][name] == default:
            del settings[section][name]
    resolved = {**settings, "networks": networks or experiment.model.arguments}
    return hashlib.sha256(yaml.safe_dump(resolved, sort_keys=True).encode()).hexdigest()


def make_job(experiment, scale, seed, runs_root):
    name = load_config(EXPERIMENTS / experiment, (), None if scale == PAPER_SCALE else scale).name
    return Job(experiment, scale, seed, name, pathlib.Path(runs_root))


def campaign_jobs(paper, scale, seeds, runs_root="runs/reproduce"):
    """The jobs of `paper` ("igde", "dpde" or "all") at `scale` for seeds 0..seeds-1: seed by seed,
    each seed's rows in the order of `CAMPAIGN` (so every seed's rows finish before the next seed
    starts, and a scoring row comes after the run it scores)."""
    papers = list(CAMPAIGN) if paper == "all" else [paper]
    experiments = [experiment for name in papers for experiment in CAMPAIGN[name]]
    names = {experiment: make_job(experiment, scale, 0, runs_root).name for experiment in experiments}
    return [
        Job(experiment, scale, seed, names[experiment], pathlib.Path(runs_root))
        for seed in range(seeds)
        for experiment in experiments
    ]


def read_summary(path):
    """The summary at `path`, or None when there is none."""
    path = pathlib.Path(path)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not a campaign summary ({error})") from error


def summarised(job, summaries_root):
    """Whether `job` has a summary for its current experiment (same digest)."""
    summary = read_summary(job.summary_path(summaries_root))
    return summary is not None and summary.get("digest") == job.digest


def _rounded(column, value):
    """A metrics.csv cell: the epoch and step as they are, the rest rounded to `CURVE_DIGITS`."""
    return value if column in INTEGER_COLUMNS else float(f"{value:.{CURVE_DIGITS}g}")


def run_curves(run_dir):
    """{label: [{column: value} of each epoch]} of the run's metrics.csv (or its stages'), the
    learning rate left out and values rounded to `CURVE_DIGITS` significant digits."""
    run_dir = pathlib.Path(run_dir)
    curves = {}
    for _, path in epoch_logs(run_dir):
        label = "model" if path.parent == run_dir else path.parent.name
        curves[label] = [
            {key: _rounded(key, value) for key, value in row.items() if value is not None and key != "learning_rate"}
            for row in read_epoch_log(path)
        ]
    return curves


def machine():
    """The machine a summary was written on: CPU model, cores, whether it has AVX-512, TensorFlow."""
    model, flags = "unknown", set()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            if key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    import tensorflow as tf

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "avx512": any(flag.startswith("avx512") for flag in flags) if flags else None,
        "tensorflow": tf.__version__,
        "python": sys.version.split()[0],
    }


def write_summary(job, summaries_root, wall_seconds=None):
    """Writes the summary of `job`'s finished run; returns it."""
    metrics = json.loads((job.run_dir / "metrics.json").read_text())
    curves = run_curves(job.run_dir) if job.trains else {}
    summary = {
        "experiment": job.experiment,
        "name": job.name,
        "scale": job.scale,
        "seed": job.seed,
        "digest": job.digest,
        "command": job.command_line(),
        "version": metrics.get("version"),
        "device": metrics.get("device"),
        "machine": machine(),
        "steps": metrics.get("steps"),
        "train_seconds": round(sum(row.get("seconds", 0.0) for rows in curves.values() for row in rows), 1),
        "wall_seconds": None if wall_seconds is None else round(wall_seconds, 1),
        "protocol": metrics.get("protocol"),
        "results": metrics.get("results"),
        **({"protocols": metrics["protocols"]} if "protocols" in metrics else {}),
        "curves": curves,
    }
    path = job.summary_path(summaries_root)
    write_json_atomically(path, summary)
    return summary
