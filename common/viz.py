"""Pictures of a run, drawn with matplotlib (`python -m commands.figures` draws a run's): its
training curves (every loss term, the learning rate and every test metric logged in
`metrics.csv`, per epoch, with the input depth's level as a dashed line where the run logs it; one
row of panels per separately trained network of a DPDE run), a grid of test examples (RGB | input
depth | prediction | truth | error; no input column for monocular depth), learning curves and the
Middlebury grid of Fig. 11.
"""

import math

import numpy as np
from matplotlib.figure import Figure

from common.atomic import atomic_path
from common.epoch_log import epoch_logs, read_epoch_log

PANELS_PER_ROW = 4
NOT_PLOTTED = ("epoch", "step", "seconds")
INPUT_PREFIX = "input_"  # common.training.trainer logs the input's test metrics under these names


def save_figure(figure, path):
    """Writes `figure` to `path` as a PNG, complete or not at all."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=80)


def read_epochs(path):
    """{column: (epochs, values)} of the non-empty cells of a metrics.csv."""
    columns = {}
    for row in read_epoch_log(path):
        for name, value in row.items():
            if name not in NOT_PLOTTED and value is not None:
                epochs, values = columns.setdefault(name, ([], []))
                epochs.append(row["epoch"])
                values.append(value)
    return columns


def curve_panels(columns):
    """[(title, {series name: (epochs, values)}, log scale)]: the losses together, then the
    learning rate, then one panel per test metric, with the input's level (`input_<metric>`,
    logged by enhancement runs) beside the network's."""
    losses = {name: series for name, series in columns.items() if name.startswith("loss")}
    panels = [("training loss", losses, False)] if losses else []
    if "learning_rate" in columns:
        panels.append(("learning rate", {"learning_rate": columns["learning_rate"]}, True))
    for name, series in columns.items():
        if name in losses or name == "learning_rate" or name.startswith(INPUT_PREFIX):
            continue
        level = columns.get(INPUT_PREFIX + name)
        panels.append((f"test {name}", {name: series, **({"input": level} if level else {})}, False))
    return panels


def draw_curves(run_dir, path):
    """Writes the training curves of `run_dir` to `path`."""
    sections = [(label, curve_panels(read_epochs(csv_path))) for label, csv_path in epoch_logs(run_dir)]
    rows = sum(math.ceil(len(panels) / PANELS_PER_ROW) for _, panels in sections)
    figure = Figure(figsize=(4 * PANELS_PER_ROW, 3 * rows), layout="constrained")
    grid = figure.add_gridspec(rows, PANELS_PER_ROW)
    row = 0
    for label, panels in sections:
        for index, (title, series, log) in enumerate(panels):
            axes = figure.add_subplot(grid[row + index // PANELS_PER_ROW, index % PANELS_PER_ROW])
            for name, (epochs, values) in series.items():
                style = {"linestyle": "--", "color": "grey"} if name == "input" else {}
                axes.plot(epochs, values, marker="o" if len(epochs) < 20 else None, markersize=3, label=name, **style)
            if log:
                axes.set_yscale("log")
            axes.set_title(f"{label}: {title}", fontsize=9)
            axes.set_xlabel("epoch")
            if len(series) > 1:
                axes.legend(fontsize=7)
        row += math.ceil(len(panels) / PANELS_PER_ROW)
    save_figure(figure, path)
    return path


def draw_learning_curves(curves, path):
    """Writes PSNR, PSNRt and PSNRf against training steps of several runs to `path`, one line per
    run and the input's level dashed; `curves` is {label: `common.training.curves.read_curve`}."""
    figure = Figure(figsize=(15, 4.2), layout="constrained")
    for index, (name, title) in enumerate((("psnr", "PSNR"), ("psnr_t", "PSNRt"), ("psnr_f", "PSNRf"))):
        axes = figure.add_subplot(1, 3, index + 1)
        level = None
        for label, curve in curves.items():
            steps = [row["step"] for row in curve]
            values = [math.nan if row[name] is None else row[name] for row in curve]
            axes.plot(steps, values, marker="o", markersize=3, label=label)
            level = next((row[f"input_{name}"] for row in curve if row[f"input_{name}"] is not None), level)
        if level is not None:
            axes.axhline(level, linestyle="--", color="grey", label="input")
        axes.set_title(f"test {title} (dB)", fontsize=10)
        axes.set_xlabel("training step")
        if index == 0:
            axes.legend(fontsize=7)
    save_figure(figure, path)
    return path


def draw_middlebury_grid(scenes, path):
    """IGDE Fig. 11's four columns for each scene: colour image, filled depth, enhanced depth and
    |enhanced - filled| (its own colour scale); `scenes` is [(name, image [H, W, 3] uint8,
    `igde.middlebury.enhance_scene`'s dict)]."""
    columns = ("colour", "filled depth", "enhanced depth", "|enhanced - filled|")
    figure = Figure(figsize=(3.2 * len(columns), 2.4 * len(scenes)), layout="constrained")
    axes = figure.subplots(len(scenes), len(columns), squeeze=False)
    for row, (name, image, result) in enumerate(scenes):
        panels = (
            (image, {}),
            (result["filled"], {"cmap": "turbo", "vmin": 0.0, "vmax": 1.0}),
            (result["enhanced"], {"cmap": "turbo", "vmin": 0.0, "vmax": 1.0}),
            (result["difference"] * 255.0, {"cmap": "magma", "vmin": 0.0}),
        )
        for column, (picture, style) in enumerate(panels):
            shown = axes[row, column].imshow(picture, **style)
            if column == len(columns) - 1:
                figure.colorbar(shown, ax=axes[row, column], fraction=0.046, label="grey levels")
            axes[row, column].set_axis_off()
            axes[row, column].set_title(f"{name}: {columns[column]}" if column == 0 else columns[column], fontsize=9)
    save_figure(figure, path)
    return path


def draw_examples(batch, prediction, path):
    """Writes RGB | input depth | prediction | truth | error of the test samples `batch` (with
    their `prediction`) to `path`; returns the column titles. Depth panels of a row share one
    colour scale (the truth's range); the error is |prediction - truth|, blank where the truth is
    invalid."""
    target = batch["target"][..., 0]
    valid = batch.get("valid", np.ones_like(batch["target"]))[..., 0] > 0
    columns = ["RGB", "input depth", "prediction", "truth", "error"]
    if "depth" not in batch:
        columns.remove("input depth")
    count = len(target)
    figure = Figure(figsize=(2.6 * len(columns), 2.2 * count), layout="constrained")
    axes = figure.subplots(count, len(columns), squeeze=False)
    for row in range(count):
        low, high = float(target[row][valid[row]].min()), float(target[row][valid[row]].max())
        error = np.where(valid[row], np.abs(prediction[row, ..., 0] - target[row]), np.nan)
        panels = {
            "RGB": (batch["image"][row], {}),
            "prediction": (prediction[row, ..., 0], {"cmap": "turbo", "vmin": low, "vmax": high}),
            "truth": (np.where(valid[row], target[row], np.nan), {"cmap": "turbo", "vmin": low, "vmax": high}),
            "error": (error, {"cmap": "magma", "vmin": 0.0}),
        }
        if "depth" in batch:
            panels["input depth"] = (batch["depth"][row, ..., 0], {"cmap": "turbo", "vmin": low, "vmax": high})
        for column, title in enumerate(columns):
            image, style = panels[title]
            shown = axes[row, column].imshow(np.clip(image, 0, 1) if title == "RGB" else image, **style)
            if title == "error":
                figure.colorbar(shown, ax=axes[row, column], fraction=0.046)
            axes[row, column].set_axis_off()
            if row == 0:
                axes[row, column].set_title(title, fontsize=10)
    save_figure(figure, path)
    return columns
