"""Evaluation metrics, as Keras metrics that accumulate over a test set.

IGDE (Sect. 4.2, eq. 10-15): PSNR on the 0..255 scale over all pixels, PSNRt over the correct
pixels and PSNRf over the erroneous ones (the pixels the boundary corruption changed), SSIM and
RMSE on depth in [0, 1]. Squared errors are pooled over the whole set before the log, so PSNR and
RMSE agree as in the paper's Table 1 (RMSE 0.0146703 <-> PSNR 36.68 dB). A PSNR over no pixels, or
with zero error, is absent (`None`), the paper's "None".

SSIM is reported twice: `ssim` with the correct data range 1, and `ssim_paper` with the constants
of a 0..255 range on [0, 1] data, the convention that gives the paper's 0.99999... values.
"""

import math

import keras
import tensorflow as tf

PSNR_PEAK = 255.0
SUBSETS = ("all", "correct", "erroneous")


class MaskedPSNR(keras.metrics.Metric):
    """PSNR (dB, peak 255) of depth in [0, 1] scaled to 0..255, over a subset of pixels.

    Args:
        subset: "all" (eq. 10), "correct" (PSNRt, eq. 11: error mask 0) or "erroneous"
            (PSNRf, eq. 12: error mask 1).
    Example:
        metric = MaskedPSNR("erroneous")
        metric.update_state(target, prediction, sample_weight=error_mask)
        metric.result()  # NaN when the subset is empty
    """

    def __init__(self, subset="all", name=None, **kwargs):
        if subset not in SUBSETS:
            raise ValueError(f"subset must be one of {SUBSETS}, got {subset!r}")
        super().__init__(name=name or f"psnr_{subset}", **kwargs)
        self.subset = subset
        self.squared_error = self.add_variable(shape=(), initializer="zeros", name="squared_error", dtype="float64")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count", dtype="float64")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """`sample_weight`: the error mask (1 at the erroneous pixels); needed unless the subset
        is "all", which ignores it."""
        y_true = tf.cast(y_true, tf.float64) * PSNR_PEAK
        y_pred = tf.cast(y_pred, tf.float64) * PSNR_PEAK
        weight = tf.ones_like(y_true)
        if self.subset != "all":
            mask = tf.cast(sample_weight, tf.float64)
            weight = mask if self.subset == "erroneous" else 1.0 - mask
        self.squared_error.assign_add(tf.reduce_sum(weight * tf.square(y_true - y_pred)))
        self.count.assign_add(tf.reduce_sum(weight))

    def result(self):
        mse = tf.math.divide_no_nan(self.squared_error, self.count)
        psnr = 10.0 * tf.math.log(PSNR_PEAK**2 / mse) / math.log(10.0)
        absent = tf.logical_or(self.count <= 0, mse <= 0)
        return tf.cast(tf.where(absent, tf.constant(math.nan, tf.float64), psnr), tf.float32)

    def get_config(self):
        return {**super().get_config(), "subset": self.subset}


class DepthRMSE(keras.metrics.Metric):
    """IGDE eq. 15: sqrt of the mean squared error over all pixels, depth in [0, 1]."""

    def __init__(self, name="rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.squared_error = self.add_variable(shape=(), initializer="zeros", name="squared_error", dtype="float64")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count", dtype="float64")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = tf.cast(y_true, tf.float64) - tf.cast(y_pred, tf.float64)
        self.squared_error.assign_add(tf.reduce_sum(tf.square(error)))
        self.count.assign_add(tf.cast(tf.size(error), tf.float64))

    def result(self):
        return tf.cast(tf.sqrt(tf.math.divide_no_nan(self.squared_error, self.count)), tf.float32)


class MeanSSIM(keras.metrics.Metric):
    """IGDE eq. 13-14: SSIM per image (`tf.image.ssim`: 11x11 Gaussian window, sigma 1.5,
    K1 = 0.01, K2 = 0.03), averaged over images.

    Args:
        max_val: the data range the SSIM constants assume: 1.0 for depth in [0, 1]; 255.0
            reproduces the paper's convention.
    """

    def __init__(self, max_val=1.0, name="ssim", **kwargs):
        super().__init__(name=name, **kwargs)
        self.max_val = max_val
        self.total = self.add_variable(shape=(), initializer="zeros", name="total", dtype="float64")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count", dtype="float64")

    def update_state(self, y_true, y_pred, sample_weight=None):
        ssim = tf.image.ssim(tf.cast(y_true, tf.float32), tf.cast(y_pred, tf.float32), self.max_val)
        self.total.assign_add(tf.reduce_sum(tf.cast(ssim, tf.float64)))
        self.count.assign_add(tf.cast(tf.size(ssim), tf.float64))

    def result(self):
        return tf.cast(tf.math.divide_no_nan(self.total, self.count), tf.float32)

    def get_config(self):
        return {**super().get_config(), "max_val": self.max_val}


def make_enhancement_metrics():
    """The IGDE metric set, keyed as in `metrics.json`."""
    return {
        "psnr": MaskedPSNR("all"),
        "psnr_t": MaskedPSNR("correct"),
        "psnr_f": MaskedPSNR("erroneous"),
        "ssim": MeanSSIM(1.0, name="ssim"),
        "ssim_paper": MeanSSIM(255.0, name="ssim_paper"),
        "rmse": DepthRMSE(),
    }


def update_enhancement_metrics(metrics, target, prediction, error_mask):
    """Adds a batch to the metrics of `make_enhancement_metrics`; the error mask goes to the
    masked PSNRs as their `sample_weight`."""
    for metric in metrics.values():
        if isinstance(metric, MaskedPSNR):
            metric.update_state(target, prediction, sample_weight=error_mask)
        else:
            metric.update_state(target, prediction)


def metric_results(metrics):
    """{name: float, or None where the metric is absent (NaN)}."""
    results = {}
    for name, metric in metrics.items():
        value = float(metric.result())
        results[name] = None if math.isnan(value) else value
    return results


def enhancement_metrics(target, pred, error_mask):
    """IGDE's metrics of one set of predictions.

    Args:
        target, pred: [B, H, W, 1] true and predicted depth in [0, 1] (arrays or tensors).
        error_mask: [B, H, W, 1], 1 at the erroneous pixels of the input.
    Returns:
        {"psnr", "psnr_t", "psnr_f", "ssim", "ssim_paper", "rmse"}: floats, PSNRs in dB, `None`
        where a PSNR is over no pixels or the error is zero.
    """
    metrics = make_enhancement_metrics()
    update_enhancement_metrics(
        metrics,
        tf.convert_to_tensor(target, tf.float32),
        tf.convert_to_tensor(pred, tf.float32),
        tf.convert_to_tensor(error_mask, tf.float32),
    )
    return metric_results(metrics)
