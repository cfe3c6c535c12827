"""Scores the model and the baselines on the test split with the same metrics, and prints the
result table (rows: methods; columns: metrics).

A scorer per kind of prediction: `EnhancementScorer` (IGDE's PSNR / PSNRt / PSNRf / SSIM /
RMSE, pooled over the set), `DepthScorer` (DPDE's depth metrics, pooled over the test pixels or
averaged over images) and `GradientScorer` (the gradient network's mean gradient error). Each
names its protocol (`scorer.protocol`), printed above the table and written beside every row of
metrics.json. A DPDE experiment may name several protocols (`eval.protocols`): `make_scorers`
gives one scorer each and `score_methods` feeds them all from one pass over the test set.
"""

import math

import cv2
import numpy as np

from common.config import OWN_PROTOCOL
from common.depth_metrics import DEPTH_METRICS, depth_statistics, mean_gradient_error, pooled_metrics, valid_mask
from common.errors import DatasetError
from common.metrics import make_enhancement_metrics, metric_results, update_enhancement_metrics

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


class EnhancementScorer:
    """IGDE's metrics; needs `target` and `error_mask` in the batch."""

    metrics = ("psnr", "psnr_t", "psnr_f", "ssim", "ssim_paper", "rmse")  # make_enhancement_metrics

    def __init__(self, config):
        height, width = config.data.image_size
        self.protocol = f"errors pooled over all test pixels; {height}x{width} frames"

    def start(self):
        return make_enhancement_metrics()

    def update(self, state, prediction, batch):
        update_enhancement_metrics(state, batch["target"], prediction, batch["error_mask"])

    def result(self, state):
        return metric_results(state)


def depth_protocol(protocol, image_size):
    """The label of a DPDE evaluation protocol (`ProtocolConfig`): pooling, resolution, crop and
    depth cap; `image_size` is the network input's (H, W)."""
    height, width = image_size
    pooling = {"pixels": "pixels pooled over the test set", "images": "per-image mean"}[protocol.pooling]
    resolution = {
        "input": f"{height}x{width} (network input)",
        "original": "original ground truth (prediction resized bilinearly)",
    }[protocol.resolution]
    cap = "none" if protocol.max_depth is None else f"{protocol.max_depth:g} m"
    return f"pooling: {pooling}; resolution: {resolution}; crop: {protocol.crop or 'full frame'}; depth cap: {cap}"


def ground_truth(batch, resolution):
    """(target, valid) of a monocular batch at the protocol's `resolution`."""
    prefix = "original_" if resolution == "original" else ""
    return batch[f"{prefix}target"], batch[f"{prefix}valid"]


def resized_to(prediction, shape):
    """A [H, W, C] prediction resized bilinearly to shape[:2] (FCRN's protocol brings the
    prediction to the original ground truth); unchanged when the size already matches."""
    if prediction.shape[:2] == tuple(shape[:2]):
        return prediction
    resized = cv2.resize(prediction.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return resized.reshape(*shape[:2], prediction.shape[-1])


class DepthScorer:
    """DPDE's depth metrics (`common.depth_metrics`) over the test images under one protocol
    (`ProtocolConfig`): the pixel metrics pooled over all their valid pixels (`pooling: pixels`,
    the paper's "1/T sum over T pixels") or each image's metrics averaged (`images`); each
    prediction is first brought to the size of the protocol's ground truth (`resized_to`)."""

    metrics = DEPTH_METRICS

    def __init__(self, protocol, config):
        evaluation = config.eval
        self.pooling = protocol.pooling
        self.resolution = protocol.resolution
        self.protocol = depth_protocol(protocol, config.data.image_size)
        self.options = {
            "max_depth": protocol.max_depth,
            "crop": protocol.crop,
            "gsm_masking": evaluation.gsm_masking,
            "gsm_luminance_weight": evaluation.gsm_luminance_weight,
        }

    def start(self):
        return []

    def update(self, state, prediction, batch):
        targets, valid = ground_truth(batch, self.resolution)
        for index in range(len(prediction)):
            target = targets[index]
            try:
                state.append(
                    depth_statistics(target, resized_to(prediction[index], target.shape), valid[index], **self.options)
                )
            except ValueError as error:
                raise DatasetError(f"test image {len(state)}: {error}") from error

    def result(self, state):
        if self.pooling == "pixels":
            return pooled_metrics(state)
        per_image = [pooled_metrics([statistics]) for statistics in state]
        return {name: float(np.mean([values[name] for values in per_image])) for name in self.metrics}


class GradientScorer:
    """Mean gradient error of predicted [B, H, W, 2] gradients against the truth's."""

    metrics = ("mge",)

    def __init__(self, config):
        self.options = {"max_depth": config.eval.max_depth, "crop": config.eval.crop}
        self.protocol = depth_protocol(config.eval.own_protocol(), config.data.image_size)

    def start(self):
        return []

    def update(self, state, prediction, batch):
        masks = valid_mask(batch["target"][..., 0], batch["valid"][..., 0], **self.options)
        for gradients, target, mask in zip(prediction, batch["target"][..., 0], masks):
            state.append(mean_gradient_error(target, gradients[..., 0], gradients[..., 1], mask))

    def result(self, state):
        return {"mge": float(np.nanmean(state))}


def make_scorers(sample_kind, output, config, own_only=False):
    """{protocol name: scorer} of a model's predictions ("depth" or "gradients") on samples of
    `sample_kind`, with the data settings of the experiment `config`: its own protocol
    (`OWN_PROTOCOL`) first, then, for depth predictions, those of `eval.protocols` (unless
    `own_only`)."""
    if sample_kind == "enhancement":
        return {OWN_PROTOCOL: EnhancementScorer(config)}
    if output != "depth":
        return {OWN_PROTOCOL: GradientScorer(config)}
    protocols = {OWN_PROTOCOL: config.eval.own_protocol()} if own_only else config.eval.all_protocols()
    return {name: DepthScorer(protocol, config) for name, protocol in protocols.items()}


def score_methods(methods, dataset, scorers):
    """Runs every method once over the dataset and scores it under every protocol.

    Args:
        methods: {name: fn(batch of NumPy arrays) -> prediction [B, H, W, C]}.
        dataset: finite `tf.data.Dataset` of sample dicts.
        scorers: {protocol name: scorer} from `make_scorers`.
    Returns:
        ({protocol: {name: {metric: float or None}}}, {name: prediction of the first batch},
         first batch).
    """
    states = {protocol: {name: scorer.start() for name in methods} for protocol, scorer in scorers.items()}
    first_batch, first_predictions = None, {}
    for batch in dataset.as_numpy_iterator():
        for name, method in methods.items():
            prediction = np.asarray(method(batch))
            for protocol, scorer in scorers.items():
                scorer.update(states[protocol][name], prediction, batch)
            if first_batch is None:
                first_predictions[name] = prediction
        first_batch = batch if first_batch is None else first_batch
    tables = {
        protocol: {name: scorer.result(state) for name, state in states[protocol].items()}
        for protocol, scorer in scorers.items()
    }
    return tables, first_predictions, first_batch


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


def protocol_fields(tables, titles, scorers, loss_weights=None):
    """The metrics.json fields of `score_methods`'s tables: `protocol` and `results` (the rows of
    `labelled_rows`) of the experiment's own protocol, and `protocols` {name: {"protocol": label,
    "results": rows}} of the further ones (absent when there are none)."""
    fields = {
        name: {
            "protocol": scorers[name].protocol,
            "results": labelled_rows(rows, titles, scorers[name].protocol, loss_weights),
        }
        for name, rows in tables.items()
    }
    own = fields.pop(OWN_PROTOCOL)
    return {**own, **({"protocols": fields} if fields else {})}


def format_tables(tables, titles, scorers):
    """`format_table` of every protocol's table, the experiment's own first."""
    return "\n\n".join(
        format_table(rows, titles, scorers[name].metrics, scorers[name].protocol, name) for name, rows in tables.items()
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
