"""Scores the model and the baselines on the test split with the same metrics, and prints the
result table (rows: methods; columns: metrics)."""

import math

from common.metrics import make_enhancement_metrics, metric_results, update_enhancement_metrics

METRIC_TITLES = {
    "psnr": "PSNR (dB)", "psnr_t": "PSNRt (dB)", "psnr_f": "PSNRf (dB)", "ssim": "SSIM",
    "ssim_paper": "SSIM (paper conv.)", "rmse": "RMSE",
}
BASELINE_TITLES = {"input": "input", "joint_bilateral": "joint bilateral filter"}


def evaluate(methods, dataset):
    """Runs every method over the dataset and scores it.

    Args:
        methods: {name: fn(batch of NumPy arrays) -> prediction [B, H, W, 1]}.
        dataset: finite `tf.data.Dataset` of enhancement sample dicts.
    Returns:
        ({name: {metric: float or None}}, {name: prediction of the first batch}, first batch).
    """
    metrics = {name: make_enhancement_metrics() for name in methods}
    first_batch, first_predictions = None, {}
    for batch in dataset.as_numpy_iterator():
        for name, method in methods.items():
            prediction = method(batch)
            update_enhancement_metrics(metrics[name], prediction, batch["target"], batch["error_mask"])
            if first_batch is None:
                first_predictions[name] = prediction
        first_batch = batch if first_batch is None else first_batch
    return {name: metric_results(m) for name, m in metrics.items()}, first_predictions, first_batch


def format_table(results, titles):
    """A fixed-width text table; `titles` maps method names to row labels."""
    columns = list(METRIC_TITLES)
    label_width = max(len(titles[name]) for name in results)
    widths = [max(len(METRIC_TITLES[c]), 10) for c in columns]
    header = " | ".join([" " * label_width] + [METRIC_TITLES[c].rjust(w) for c, w in zip(columns, widths)])
    lines = [header, "-" * len(header)]
    for name, values in results.items():
        cells = [_format_value(values[c]).rjust(w) for c, w in zip(columns, widths)]
        lines.append(" | ".join([titles[name].ljust(label_width)] + cells))
    return "\n".join(lines)


def _format_value(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "None"
    return f"{value:.4f}" if abs(value) >= 1 else f"{value:.6f}"
