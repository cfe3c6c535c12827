"""Run logs: TensorBoard scalars and image summaries, the per-epoch CSV (metrics.json is
`common.evaluation.results`)."""

import csv
import pathlib

import numpy as np
import tensorflow as tf

from common.atomic import atomic_path
from common.colour import colour_map
from common.epoch_log import read_epoch_log


class RunLogger:
    """Writes the logs of one run directory (chief worker only)."""

    def __init__(self, run_dir, csv_fields):
        self.run_dir = pathlib.Path(run_dir)
        self.writer = tf.summary.create_file_writer(str(self.run_dir / "tensorboard"))
        self.csv_path = self.run_dir / "metrics.csv"
        self.csv_fields = csv_fields
        self.rows = read_epoch_log(self.csv_path) if self.csv_path.exists() else []  # read before any epoch

    def scalars(self, step, values):
        with self.writer.as_default(step=step):
            for name, value in values.items():
                if value is not None:
                    tf.summary.scalar(name, value)

    def examples(self, step, batch, prediction, count):
        """RGB, input depth (enhancement), prediction, ground truth and |error|, colour-mapped,
        `count` images; depth maps in [0, 1], or metres up to the shown truth's maximum."""
        if count == 0 or prediction.shape[-1] != 1:
            return
        target = batch["target"][:count]
        high = max(1.0, float(np.max(target)))
        images = {
            "rgb": np.round(batch["image"][:count] * 255).astype(np.uint8),
            **({"input_depth": colour_map(batch["depth"][:count])} if "depth" in batch else {}),
            "prediction": colour_map(prediction[:count], 0.0, high),
            "ground_truth": colour_map(target, 0.0, high),
            "error": colour_map(np.abs(prediction[:count] - target), 0.0, 0.25 * high),
        }
        with self.writer.as_default(step=step):
            for name, image in images.items():
                tf.summary.image(f"examples/{name}", image, max_outputs=count)
        self.writer.flush()

    def epoch_row(self, row):
        """Writes metrics.csv anew with `row` after the rows of the epochs before it: the file is
        complete or absent, and an epoch written again by a resumed run replaces its old row."""
        self.rows = [old for old in self.rows if old["epoch"] < row["epoch"]] + [row]
        with atomic_path(self.csv_path) as temporary:
            with temporary.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=self.csv_fields, extrasaction="ignore")
                writer.writeheader()
                writer.writerows([{k: ("" if v is None else v) for k, v in old.items()} for old in self.rows])
