"""Result tables: the rows of metrics.json (`protocol_fields`) and the printed fixed-width tables
(`format_tables`), one per protocol, rows the methods and columns the metrics (the papers'
layout: IGDE Table 1, DPDE Tables 1-4)."""

import math

from common.config.schema import OWN_PROTOCOL

METRIC_TITLES = {
    "psnr": "PSNR (dB)",
    "psnr_t": "PSNRt (dB)",
    "psnr_f": "PSNRf (dB)",
    "ssim": "SSIM",
    "ssim_paper": "SSIM (paper conv.)",
    "rmse": "RMSE",
    "rms": "RMS",
    "rms_log": "RMS(log)",
    "rel": "Rel",
    "log10": "log10",
    "delta1": "d<1.25",
    "delta2": "d<1.25^2",
    "delta3": "d<1.25^3",
    "gsm": "GSM",
    "mge": "MGE",
}


def labelled_rows(results, titles, protocol, loss_weights=None):
    """{row title: {metric: value, ..., "protocol": protocol}}: the rows as metrics.json holds them;
    a row in `loss_weights` ({method: {term: weight}}) also records the loss terms it was trained
    with (those of weight > 0)."""
    loss_weights = loss_weights or {}
    rows = {}
    for name, values in results.items():
        if titles[name] in rows:  # a row would silently replace another
            raise ValueError(f"two result rows share the title {titles[name]!r}")
        rows[titles[name]] = {**values, "protocol": protocol}
        if name in loss_weights:
            rows[titles[name]]["loss_weights"] = {term: w for term, w in loss_weights[name].items() if w > 0}
    return rows


def protocol_fields(scores, loss_weights=None):
    """The metrics.json fields of `TestScores`: `protocol` and `results` (the rows of
    `labelled_rows`) of the experiment's own protocol, and `protocols` {name: {"protocol": label,
    "results": rows}} of the further ones (absent when there are none)."""
    fields = {
        name: {
            "protocol": scores.scorers[name].protocol,
            "results": labelled_rows(rows, scores.titles, scores.scorers[name].protocol, loss_weights),
        }
        for name, rows in scores.tables.items()
    }
    own = fields.pop(OWN_PROTOCOL)
    return {**own, **({"protocols": fields} if fields else {})}


def format_tables(scores, titles=None):
    """`format_table` of every protocol's table of `TestScores`, the experiment's own first;
    `titles` replaces the row labels (default: `scores.titles`)."""
    titles = titles or scores.titles
    return "\n\n".join(
        format_table(rows, titles, scores.scorers[name].metrics, scores.scorers[name].protocol, name)
        for name, rows in scores.tables.items()
    )


def format_table(results, titles, metrics, protocol, name=OWN_PROTOCOL):
    """A fixed-width text table under a line naming the protocol (and its name, unless it is the
    experiment's own); `titles` maps method names to row labels, `metrics` the columns."""
    label_width = max(len(titles[method]) for method in results)
    widths = [max(len(METRIC_TITLES[c]), 10) for c in metrics]
    header = " | ".join([" " * label_width] + [METRIC_TITLES[c].rjust(w) for c, w in zip(metrics, widths)])
    heading = "protocol" if name == OWN_PROTOCOL else f"protocol {name}"
    lines = [f"{heading}: {protocol}", header, "-" * len(header)]
    for method, values in results.items():
        cells = [_format_value(values.get(c)).rjust(w) for c, w in zip(metrics, widths)]
        lines.append(" | ".join([titles[method].ljust(label_width)] + cells))
    return "\n".join(lines)


def _format_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "None"
    return f"{value:.4f}" if abs(value) >= 1 else f"{value:.6f}"
