"""Learning curves of enhancement runs: PSNR, PSNRt and PSNRf of each validation during training beside
the input's level, read from a run's `metrics.csv` (`common.training.trainer` logs both).

Example:
    rows = read_curve("runs/quickstart/metrics.csv")
    print(format_curve(rows))
    leaves_input_at(rows)  # the first step with PSNRf >= input + MIN_PSNR_F_GAIN, or None
"""

import math

from common.epoch_log import read_epoch_log
from common.training.learning import GAIN_METRICS, MIN_PSNR_F_GAIN

CURVE_COLUMNS = ("epoch", "step", *GAIN_METRICS, *(f"input_{name}" for name in GAIN_METRICS))


def read_curve(path):
    """[{epoch, step, psnr, psnr_t, psnr_f, input_psnr, input_psnr_t, input_psnr_f}] of the tested
    epochs of a metrics.csv (None where a value is absent, such as the input's PSNRt)."""
    return [
        {name: row.get(name) for name in CURVE_COLUMNS}
        for row in read_epoch_log(path)
        if row.get("psnr_f") is not None and row.get("input_psnr_f") is not None
    ]


def leaves_input_at(curve):
    """The first tested step whose PSNRf is at least `MIN_PSNR_F_GAIN` dB over the input's, or None."""
    for row in curve:
        if row["psnr_f"] is not None and row["psnr_f"] - row["input_psnr_f"] >= MIN_PSNR_F_GAIN:
            return row["step"]
    return None


def _cell(value):
    return "None" if value is None or not math.isfinite(value) else f"{value:.2f}"


def format_curve(curve):
    """A Markdown table: step, epoch, PSNR / PSNRt / PSNRf and the gains of PSNR and PSNRf."""
    lines = [
        "| step | epoch | PSNR (dB) | PSNRt (dB) | PSNRf (dB) | PSNR gain | PSNRf gain |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in curve:
        gains = [
            f"{row[name] - row[f'input_{name}']:+.2f}" if row[name] is not None else "None"
            for name in ("psnr", "psnr_f")
        ]
        cells = [str(row["step"]), str(row["epoch"]), *(_cell(row[name]) for name in GAIN_METRICS), *gains]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
