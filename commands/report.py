"""Writes a report of single finished runs: each table of both papers (IGDE Tables 1-3, DPDE
Tables 1-5) with the paper's numbers beside ours, every row of ours labelled with its data set,
scale, evaluation protocol and the command that produced it, and one qualitative figure per paper
(RGB | input | prediction | truth | error). The campaign over seeds, with the claims' verdicts, is
`python -m commands.reproduce` (REPRODUCTION.md).

    python -m commands.report RUN_DIR [RUN_DIR ...] [--out runs/report.md]

RUN_DIRs are finished runs (`metrics.json`, `config.yaml`, `model.keras`); figures go to
`reproduction/` beside the output file.
"""

import argparse
import json
import sys

from commands.paper_tables import DPDE_COLUMNS, DPDE_TABLES, IGDE_COLUMNS, IGDE_TABLES, MIDDLEBURY_COLUMNS
from common.config.loader import config_to_dict, load_config
from common.errors import ConfigError, exit_status
from common.evaluation.trained_runs import require_finished_run
from common.losses import describe_loss
from dpde.registry import DPDE, FCRN
from dpde.registry import MODELS as DPDE_MODELS

FIGURE_SAMPLES = 3
# DPDE Table 4's rows: FCRN, FCRN with the laterals, the fused model.
TABLE_4_ROWS = (FCRN.title, DPDE.stages[0].title({"lateral_connections": True}), DPDE.title)
DPDE_DATASET_TABLES = {
    "make3d": "Table 1 (Make3D)",
    "nyu": "Table 2 (NYU Depth v2)",
    "synthetic": "Table 2 (NYU Depth v2)",
    "middlebury": "Table 3 (Middlebury)",
}
LOSS_ROWS = {
    ("l1",): "L1",
    ("depth_focal", "l1"): "L1 + depth focal",
    ("l1", "sobel"): "L1 + Sobel",
    ("depth_focal", "l1", "sobel"): "L1 + depth focal + Sobel",
}


class Run:
    """What the report needs of a finished run directory."""

    def __init__(self, run_dir):

        self.dir = require_finished_run(run_dir, ("metrics.json", "config.yaml"))
        path = self.dir / "metrics.json"
        try:
            self.metrics = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ConfigError(f"{path}: not the JSON train.py writes ({error})") from error
        if not isinstance(self.metrics, dict) or not isinstance(self.metrics.get("results"), dict):
            raise ConfigError(f"{path}: expected a mapping with 'results' (the JSON train.py writes)")
        self.config = config_to_dict(load_config(self.dir / "config.yaml"))
        self.paper = "dpde" if self.config["model"]["name"] in DPDE_MODELS else "igde"
        data = self.config["data"]
        self.scale = f"{data['dataset']}, {self.config['model']['preset']} preset, {self.metrics.get('device', 'CPU')}"
        self.command = self.metrics.get("command") or f"python train.py ... --run-dir {self.dir}"

    def label(self, row, values=None):
        """The row name with the run's data set, scale and the row's evaluation protocol; a
        trained network's row (`values` with its `loss_weights`) also names its loss and, for
        IGDE, its output layout."""
        trained = ""
        if values and values.get("loss_weights"):
            trained = f"; trained with {describe_loss(values['loss_weights'])}"
            if self.paper == "igde" and self.config["model"]["name"] == "igde":
                residual = self.config["model"].get("args", {}).get("residual_output", False)
                trained += ", residual output" if residual else ", direct output"
        protocol = (values or {}).get("protocol") or self.metrics.get("protocol", "protocol not recorded")
        return f"{row} — *ours: {self.scale}; {protocol}{trained}*"

    def tables(self):
        """The run's result rows of every protocol, {title: values}, the experiment's own first."""
        further = self.metrics.get("protocols", {})
        return [self.metrics["results"], *(table["results"] for table in further.values())]


def _cell(value):
    """A paper's number exactly as printed there."""
    return "not in the text" if value is None else repr(value)


def _ours(value):
    return "None" if value is None else (f"{value:.4f}" if abs(value) >= 1 else f"{value:.8g}")


def _table(columns, paper_rows, our_rows):
    from common.evaluation.tables import METRIC_TITLES

    titles = [METRIC_TITLES[c] for c in columns]
    lines = ["| | " + " | ".join(titles) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [
        f"| {name} (paper) | " + " | ".join(_cell(v) for v in padded) + " |"
        for name, values in paper_rows.items()
        for padded in [tuple(values) + (None,) * (len(columns) - len(values))]
    ]
    lines += [f"| {label} | " + " | ".join(_ours(values.get(c)) for c in columns) + " |" for label, values in our_rows]
    return "\n".join(lines)


def _commands(runs):
    return "\n".join(f"- {run.scale}: `{run.command}`" for run in runs)


def igde_section(runs):
    parts = [
        "## IGDE",
        "",
        "SSIM is the paper's convention (constants of a 0..255 range on depth in [0, 1]); "
        "`metrics.json` also holds SSIM with the correct range.",
    ]
    for title, paper_rows in IGDE_TABLES.items():
        ours = []
        for run in runs:
            results, args = run.metrics["results"], run.config["model"].get("args", {})
            weights = tuple(sorted(k for k, w in run.config["loss"]["weights"].items() if w > 0))
            if title.startswith("Table 1"):
                ours += [(run.label(row, values), values) for row, values in results.items()]
            elif "IGDE" in results and title.startswith("Table 2"):
                row = LOSS_ROWS.get(weights, " + ".join(weights))
                ours.append((run.label(f"{row} (loss terms: {', '.join(weights)})", results["IGDE"]), results["IGDE"]))
            elif "IGDE" in results and title.startswith("Table 3"):
                k = args.get("image_concat_layers", 3)
                ours.append((run.label(f"k = {k}", results["IGDE"]), results["IGDE"]))
        parts += ["", f"### {title}", "", _table(IGDE_COLUMNS, paper_rows, ours)]
    return parts


POOLING_NOTES = {
    "pixels": 'pooled over all valid test pixels, the text\'s "1/T sum over T pixels"',
    "images": "computed per image and averaged over the test images",
}


def dpde_section(runs):
    poolings = {run.config["eval"].get("pooling", "pixels") for run in runs}
    poolings |= {p["pooling"] for run in runs for p in run.config["eval"].get("protocols", {}).values()}
    poolings = sorted(poolings) or ["pixels"]
    parts = [
        "## DPDE",
        "",
        "DPDE's tables did not survive the text extraction; only the numbers its prose quotes "
        'are here, every other cell is marked "not in the text". Our pixel metrics are '
        + " or ".join(POOLING_NOTES[p] for p in poolings)
        + "; SSIM, GSM and MGE are per image, "
        "averaged. Each of our rows names its protocol (pooling, resolution, crop, depth cap), and a "
        "run scored under several protocols (`eval.protocols`) has rows for each; FCRN's published NYU "
        "numbers are at the 480x640 ground truth (`nyu.yaml`'s `fcrn` protocol), DPDE's at 240x320 as "
        "far as the text says.",
    ]
    for title, (columns, paper_rows, note) in DPDE_TABLES.items():
        ours = []
        for run in runs:
            for results in run.tables():
                if title.startswith("Table 4"):
                    ours += [(run.label(row, values), values) for row, values in results.items() if row in TABLE_4_ROWS]
                elif DPDE_DATASET_TABLES[run.config["data"]["dataset"]] == title:
                    ours += [(run.label(row, values), values) for row, values in results.items()]
        if title.startswith("Table 2") and any(r.config["data"]["dataset"] == "synthetic" for r in runs):
            columns = DPDE_COLUMNS + tuple(c for c in MIDDLEBURY_COLUMNS if c not in DPDE_COLUMNS)
        parts += ["", f"### {title}", "", note, "", _table(columns, paper_rows, ours)]
    parts += ["", "### Table 5 (parameters)", "", table_5()]
    return parts


def table_5():
    from dpde.parameters import parameter_counts

    counts = parameter_counts("paper")
    ratio = counts["FCRN"] / counts["gradient network"]
    return "\n".join(
        [
            "| | FCRN | modified FCRN | gradient network | FCRN / gradient network |",
            "|---|---|---|---|---|",
            "| paper | not in the text | not in the text | not in the text | 76 |",
            f"| ours (`python -m commands.parameters`, paper preset) | {counts['FCRN']:,} | "
            f"{counts['modified FCRN']:,} | {counts['gradient network']:,} | {ratio:.1f} |",
            "",
            "Laina et al. 2016 report 63.6M parameters for FCRN (ResNet-50, up-projection).",
        ]
    )


def figure(run, path):
    """RGB | input depth (IGDE) | prediction | truth | error for the first test samples."""
    from commands.figures import draw_run_examples

    return " | ".join(draw_run_examples(run.dir, path, FIGURE_SAMPLES))


def write_report(run_dirs, out):
    from common.atomic import atomic_path
    from common.outputs import check_output

    out = check_output(out, reads=run_dirs)
    runs = [Run(d) for d in run_dirs]
    lines = [
        "# Reproduction report",
        "",
        "Generated by `python -m commands.report " + " ".join(map(str, run_dirs)) + "`. "
        "The papers' numbers stand beside ours; each of our rows names its data set, scale and "
        "device, and the commands below produced them. Synthetic-data rows are a check of the "
        "code at CPU scale, not comparable number for number with the papers' real-data results.",
        "",
        "Commands:",
        "",
        _commands(runs),
    ]
    for paper, section in (("igde", igde_section), ("dpde", dpde_section)):
        members = [run for run in runs if run.paper == paper]
        lines += [""] + section(members)
        if members and (members[0].dir / "model.keras").is_file():
            name = f"reproduction/{paper}.png"
            caption = figure(members[0], out.parent / name)
            lines += [
                "",
                f"### Qualitative results ({members[0].scale})",
                "",
                f"![{paper}]({name})",
                "",
                f"Columns: {caption}; rows: the first test scenes.",
            ]
    with atomic_path(out) as temporary:
        temporary.write_text("\n".join(lines) + "\n")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="finished run directories")
    parser.add_argument("--out", default="runs/report.md")
    args = parser.parse_args(argv)
    return exit_status(lambda: print(f"wrote {write_report(args.runs, args.out)}"))


if __name__ == "__main__":
    sys.exit(main())
