"""The campaign's report (REPRODUCTION.md): the claims ledger with a verdict per claim, every
table as mean +- standard deviation over seeds beside the paper's rows, and whether each trained
row learned (its validation curve against its input), built from the summaries alone.

Example:
    print(campaign_report(jobs, {job: summary, ...}, "all", "reproduction"))
"""

import math
import statistics

from commands.claims import CONFIDENCE, METRIC_BETTER, NOT_RESOLVED, claim_verdicts, load_claims
from commands.paper_tables import DPDE_COLUMNS, DPDE_TABLES, IGDE_COLUMNS, IGDE_TABLES, MIDDLEBURY_COLUMNS
from common.evaluation.tables import METRIC_TITLES
from common.training.learning import MIN_PSNR_F_GAIN

# Each table: its title, its columns, and its rows as (experiment, row title in that run, label);
# a row title None takes every row of that run.
TABLES = (
    (
        "IGDE Table 1 (Scene Flow; ours: synthetic scenes)",
        IGDE_COLUMNS,
        (
            ("igde/sceneflow.yaml", None, None),
            ("igde/baselines/de_cnn.yaml", "DE-CNN", "DE-CNN"),
            ("igde/baselines/drecnn.yaml", "DRECNN", "DRECNN"),
            ("igde/baselines/den_cbpn.yaml", "DEN+CBPN", "DEN+CBPN"),
        ),
        ("Table 1 (Scene Flow test set)",),
    ),
    (
        "IGDE Table 2 (losses)",
        IGDE_COLUMNS,
        (
            ("igde/ablation_loss/l1_only.yaml", "IGDE", "L1"),
            ("igde/ablation_loss/l1_focal.yaml", "IGDE", "L1 + depth focal"),
            ("igde/ablation_loss/l1_sobel.yaml", "IGDE", "L1 + Sobel"),
            ("igde/sceneflow.yaml", "IGDE", "L1 + depth focal + Sobel"),
        ),
        ("Table 2 (losses)",),
    ),
    (
        "IGDE Table 3 (layers of colour features)",
        IGDE_COLUMNS,
        (
            ("igde/ablation_concat/k0.yaml", "IGDE", "k = 0"),
            ("igde/ablation_concat/k1.yaml", "IGDE", "k = 1"),
            ("igde/ablation_concat/k2.yaml", "IGDE", "k = 2"),
            ("igde/sceneflow.yaml", "IGDE", "k = 3"),
        ),
        ("Table 3 (layers of colour features)",),
    ),
    (
        "DPDE Tables 2 and 4 (NYU Depth v2; ours: synthetic scenes)",
        DPDE_COLUMNS,
        (("dpde/nyu.yaml", None, None),),
        ("Table 2 (NYU Depth v2)", "Table 4 (ablation, NYU)"),
    ),
    (
        "DPDE Table 1 (Make3D; ours: synthetic scenes)",
        DPDE_COLUMNS,
        (("dpde/make3d.yaml", None, None),),
        ("Table 1 (Make3D)",),
    ),
    (
        "DPDE Table 3 (Middlebury; ours: the Motorcycle scene, NYU-scale runs)",
        MIDDLEBURY_COLUMNS,
        (("dpde/middlebury.yaml", None, None),),
        ("Table 3 (Middlebury)",),
    ),
    (
        "DPDE's sensitivity to omega (the NYU rows fused again; the text sets omega = 10)",
        DPDE_COLUMNS,
        (("dpde/omega_sweep.yaml", None, None),),
        (),
    ),
)


def paper_rows(tables):
    """[(label, {metric: value or None})] and [note] of the papers' tables named `tables`."""
    rows, notes = [], []
    for name in tables:
        if name in IGDE_TABLES:
            rows += [(label, dict(zip(IGDE_COLUMNS, values))) for label, values in IGDE_TABLES[name].items()]
        else:
            columns, table_rows, note = DPDE_TABLES[name]
            rows += [(label, dict(zip(columns, values))) for label, values in table_rows.items()]
            notes.append(f"{name}: {note}")
    return rows, notes


def metric_values(summaries):
    """{(experiment, row, metric): {seed: value}} of the summaries' own-protocol results (a row that
    scores another run is titled with that run's folder, `FCRN (seed0)`: the folder is left out)."""
    values = {}
    for summary in summaries:
        for row, metrics in (summary.get("results") or {}).items():
            row = row.removesuffix(f" (seed{summary['seed']})")
            for metric, value in metrics.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values.setdefault((summary["experiment"], row, metric), {})[summary["seed"]] = float(value)
    return values


def _number(value, metric):
    if value is None or not math.isfinite(value):
        return "-"
    digits = 2 if metric.startswith("psnr") else 4
    if metric in ("ssim_paper",):
        digits = 8
    return f"{value:.{digits}f}"


def _mean_sd(seeds, metric):
    values = [value for value in seeds.values() if value is not None]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{_number(values[0], metric)} (1 seed)"
    return f"{_number(statistics.mean(values), metric)} ± {_number(statistics.stdev(values), metric)}"


def _signed(value, metric):
    return "-" if value is None else ("+" if value >= 0 else "") + _number(value, metric)


def ledger(verdicts, claims):
    lines = [
        "| claim | table | metric | the paper | ours: mean paired difference [95 % interval] | seeds | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    tested = {(v.claim.id, v.metric) for v in verdicts}
    for v in verdicts:
        interval = "" if v.low is None else f" [{_signed(v.low, v.metric)}, {_signed(v.high, v.metric)}]"
        lines.append(
            f"| {v.claim.title()} | {v.claim.paper} {v.claim.table} | {METRIC_TITLES.get(v.metric, v.metric)} "
            f"({METRIC_BETTER[v.metric]} is better) | {v.claim.metrics[v.metric]} | "
            f"{_signed(v.mean, v.metric)}{interval} | {len(v.seeds)} | **{v.verdict}** |"
        )
    for claim in claims:
        for metric in claim.metrics:
            if (claim.id, metric) not in tested:
                lines.append(
                    f"| {claim.title()} | {claim.paper} {claim.table} | {METRIC_TITLES.get(metric, metric)} | "
                    f"{claim.metrics[metric]} | no runs yet | 0 | **{NOT_RESOLVED}** (not run) |"
                )
    return "\n".join(lines)


def table(title, columns, rows, paper_tables, values, summaries):
    header = "| | " + " | ".join(METRIC_TITLES.get(c, c) for c in columns) + " |"
    known, notes = paper_rows(paper_tables)
    lines = [f"### {title}", "", *[f"{note}" for note in notes], *([""] if notes else [])]
    lines += [header, "|---" * (len(columns) + 1) + "|"]
    for label, paper_row in known:
        cells = [_number(paper_row[c], c) if paper_row.get(c) is not None else "not in the text" for c in columns]
        lines.append(f"| {label} (paper) | " + " | ".join(cells) + " |")
    for experiment, row, label in rows:
        titles = [row] if row is not None else _row_titles(summaries, experiment)
        for title in titles:
            cells = [_mean_sd(values.get((experiment, title, c), {}), c) for c in columns]
            lines.append(f"| {label or title} — *ours* | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _row_titles(summaries, experiment):
    for summary in summaries:
        if summary["experiment"] == experiment:
            return [row.removesuffix(f" (seed{summary['seed']})") for row in summary.get("results") or {}]
    return []


def learning(summaries):
    """A table per trained row: its last validation against the input's level (IGDE, by
    `MIN_PSNR_F_GAIN`) or its first, per network, mean over seeds, and in how many seeds it
    learned."""
    lines = [
        "| run | network | validation metric | first validation | last validation | input | learned (seeds) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    by_run = {}
    for summary in summaries:
        for label, rows in (summary.get("curves") or {}).items():
            tested = [row for row in rows if _curve_metric(row) is not None]
            if tested:
                by_run.setdefault((summary["name"], label), []).append(tested)
    for (name, label), curves in sorted(by_run.items()):
        metric = _curve_metric(curves[0][0])
        first = [curve[0][metric] for curve in curves]
        last = [curve[-1][metric] for curve in curves]
        inputs = [curve[-1].get(f"input_{metric}") for curve in curves]
        higher = METRIC_BETTER[metric] == "higher"
        reference = [i if i is not None else f for i, f in zip(inputs, first)]
        if None not in inputs:  # IGDE: the input's level by the not-learning warning's margin
            learned = sum(lst - ref >= MIN_PSNR_F_GAIN for lst, ref in zip(last, reference))
        else:
            learned = sum((lst > ref) if higher else (lst < ref) for lst, ref in zip(last, reference))
        input_cell = _number(statistics.mean(inputs), metric) if None not in inputs else "-"
        against = "input" if None not in inputs else "first validation"
        cells = [name, label, METRIC_TITLES.get(metric, metric), _number(statistics.mean(first), metric)]
        learned_cell = f"{learned} of {len(curves)} (against the {against})"
        cells += [_number(statistics.mean(last), metric), input_cell, learned_cell]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _curve_metric(row):
    for metric in ("psnr_f", "rms", "mge"):
        if metric in row:
            return metric
    return None


def campaign_report(jobs, found, paper, summaries_root):
    """The Markdown report of the campaign `jobs` of `paper` ("igde", "dpde" or "all") from the
    summaries `found` ({job: summary}) under `summaries_root`."""
    summaries = list(found.values())
    values = metric_values(summaries)
    claims = load_claims()
    verdicts = claim_verdicts(claims, values)
    scale = jobs[0].scale if jobs else "?"
    seeds = sorted({job.seed for job in jobs})
    machines = sorted({f"{s['machine']['cpu']} ({s['machine']['cores']} cores)" for s in summaries if s.get("machine")})
    hours = sum(s.get("wall_seconds") or s.get("train_seconds") or 0.0 for s in summaries) / 3600
    counts = {
        verdict: sum(v.verdict == verdict for v in verdicts) for verdict in ("holds", "contradicted", NOT_RESOLVED)
    }
    parts = [
        "# Reproduction: every claim tested over seeds",
        "",
        f"Made by `python -m commands.reproduce {paper} --scale {scale} --seeds {len(seeds)} --collect` "
        f"from the run summaries in `{summaries_root}/{scale}/` ({len(summaries)} of {len(jobs)} runs; seeds "
        f"{', '.join(map(str, seeds))}; {hours:.1f} hours of runs on {', '.join(machines) or 'no machine yet'}). "
        "Each summary holds the exact command that made it.",
        "",
        "At the CPU scale every row is its paper experiment with `experiments/scales/cpu.yaml` applied "
        "(procedural synthetic scenes, small networks, a few minutes a row): a check that the orderings "
        "the papers claim appear in our code under the same data, not a number-for-number comparison "
        "with the papers' real-data results.",
        "",
        "## Claims",
        "",
        f"For each claim and metric: the difference between the row the paper puts ahead and the row "
        f"behind it, per seed (runs of one seed share the data; they differ in initialisation, order "
        f"and augmentation), signed so that positive is the paper's side; its mean and 95 % Student-t "
        f"interval over the seeds. **holds**: the interval lies on the paper's side; **contradicted**: "
        f"on the other side; **not resolved**: it contains zero. Ledger: `commands/claims.yaml`. "
        f"Verdicts: {counts['holds']} hold, {counts['contradicted']} contradicted, "
        f"{counts[NOT_RESOLVED]} not resolved. Each interval is a {100 * CONFIDENCE:.0f} % one on its own: of "
        f"{len(verdicts)} intervals, about {(1 - CONFIDENCE) * len(verdicts):.0f} would exclude zero by "
        "chance alone were no row different, so a verdict whose interval barely excludes zero is weak "
        "evidence, and a verdict can change as seeds are added.",
        "",
        ledger(verdicts, claims),
        "",
        "## Tables (mean ± standard deviation over seeds)",
        "",
    ]
    for title, columns, rows, paper_tables in TABLES:
        parts += [table(title, columns, rows, paper_tables, values, summaries), ""]
    parts += [
        "DPDE's Table 5 (parameter counts) trains nothing: `python -m commands.parameters` ([RESULTS.md](RESULTS.md)).",
        "",
    ]
    parts += [
        "## Does every row learn?",
        "",
        "Each trained network's validation metric at its first and last test during training, mean over "
        f"seeds, and in how many seeds it learned: IGDE's rows when the last PSNRf is at least "
        f"{MIN_PSNR_F_GAIN} dB over the input depth's (the margin of the not-learning warning, "
        "`common.training.learning`), DPDE's when the last beats the first validation. The curves are "
        "in the summaries.",
        "",
        learning(summaries),
        "",
    ]
    return "\n".join(parts)
