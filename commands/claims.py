"""The papers' claims (`commands/claims.yaml`) tested on the campaign's runs: for each claim and
metric, the per-seed paired difference between the row the paper puts ahead and the one behind
it, its mean, its 95 % Student-t interval over seeds, and a verdict.

Verdicts: **holds** (the interval lies on the paper's side of zero), **contradicted** (on the
other side), **not resolved** (it contains zero, or fewer than two seeds). Pairing by seed: runs of
one seed see the same data (`data.seed`) and differ in the network's initialisation, order and
augmentation (`train.seed`); the input row is the same in every run.

Example:
    claims = load_claims()
    verdicts = claim_verdicts(claims, values)  # values[(experiment, row, metric)] = {seed: value}
"""

import dataclasses
import math
import pathlib

import yaml
from scipy import stats

from common.errors import ConfigError

LEDGER = pathlib.Path(__file__).with_name("claims.yaml")
CONFIDENCE = 0.95
# Whether a larger value of a metric is better.
METRIC_BETTER = {
    "psnr": "higher",
    "psnr_t": "higher",
    "psnr_f": "higher",
    "ssim": "higher",
    "ssim_paper": "higher",
    "rmse": "lower",
    "rms": "lower",
    "rms_log": "lower",
    "rel": "lower",
    "log10": "lower",
    "delta1": "higher",
    "delta2": "higher",
    "delta3": "higher",
    "gsm": "higher",
    "mge": "lower",
}
HOLDS, CONTRADICTED, NOT_RESOLVED = "holds", "contradicted", "not resolved"


@dataclasses.dataclass(frozen=True)
class Claim:
    """One line of the ledger: `better` and `worse` are (experiment, row title); `metrics` maps
    each metric to the paper's numbers as the text gives them; `labels` name the two rows in the
    ledger where their titles alone do not (None: the titles)."""

    id: str
    paper: str
    table: str
    better: tuple
    worse: tuple
    metrics: dict
    quote: str
    labels: tuple = None

    def title(self):
        better, worse = self.labels or (self.better[1], self.worse[1])
        return f"{better} > {worse}"


def load_claims(path=LEDGER):
    """The ledger's claims, checked: every metric known, every row an (experiment, row) pair."""
    claims = []
    for index, entry in enumerate(yaml.safe_load(pathlib.Path(path).read_text())):
        where = f"{path}: claim {index + 1}"
        try:
            rows = {side: (entry[side]["experiment"], entry[side]["row"]) for side in ("better", "worse")}
            labels = tuple(entry[side].get("label", entry[side]["row"]) for side in ("better", "worse"))
            claim = Claim(
                entry["id"],
                entry["paper"],
                entry["table"],
                rows["better"],
                rows["worse"],
                {name: str(value) for name, value in entry["metrics"].items()},
                entry["quote"],
                labels,
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ConfigError(
                f"{where}: expected id, paper, table, better, worse, metrics and quote ({error})"
            ) from error
        stray = sorted({key for side in ("better", "worse") for key in entry[side]} - {"experiment", "row", "label"})
        if stray:
            raise ConfigError(f"{where}: unknown key {stray[0]!r} in a row (expected experiment, row and label)")
        unknown = sorted(set(claim.metrics) - set(METRIC_BETTER))
        if unknown:
            raise ConfigError(f"{where}: unknown metric {unknown[0]} (expected one of: {', '.join(METRIC_BETTER)})")
        claims.append(claim)
    return claims


def paired_interval(differences, confidence=CONFIDENCE):
    """(mean, low, high) of the Student-t interval of the mean of `differences`; (mean, None, None)
    with fewer than two."""
    n = len(differences)
    mean = sum(differences) / n
    if n < 2:
        return mean, None, None
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def verdict(low, high):
    if low is None:
        return NOT_RESOLVED
    if low > 0:
        return HOLDS
    if high < 0:
        return CONTRADICTED
    return NOT_RESOLVED


@dataclasses.dataclass(frozen=True)
class Verdict:
    claim: Claim
    metric: str
    seeds: tuple  # the seeds both rows have
    differences: tuple  # per seed, positive on the paper's side
    mean: float
    low: float
    high: float
    verdict: str


def claim_verdicts(claims, values):
    """[Verdict] of every claim and metric that has runs: `values[(experiment, row, metric)]` is
    {seed: value}. A claim whose rows have no common seed is left out (the report says so)."""
    verdicts = []
    for claim in claims:
        for metric in claim.metrics:
            better = values.get((*claim.better, metric), {})
            worse = values.get((*claim.worse, metric), {})
            seeds = tuple(
                sorted(
                    seed for seed in set(better) & set(worse) if better[seed] is not None and worse[seed] is not None
                )
            )
            if not seeds:
                continue
            sign = 1.0 if METRIC_BETTER[metric] == "higher" else -1.0
            differences = tuple(sign * (better[seed] - worse[seed]) for seed in seeds)
            mean, low, high = paired_interval(differences)
            verdicts.append(Verdict(claim, metric, seeds, differences, mean, low, high, verdict(low, high)))
    return verdicts
