"""Evaluation metrics, as Keras metrics that accumulate over a test set.

IGDE (Sect. 4.2, eq. 10-15): PSNR on the 0..255 scale over all pixels, PSNRt over the correct
pixels and PSNRf over the erroneous ones (the pixels the boundary corruption changed), SSIM and
RMSE on depth in [0, 1]. `pooling="pixels"` (the default) pools the squared errors over the whole
set before the log, so PSNR = 20 log10(1 / RMSE) exactly; `pooling="images"` takes each image's
PSNR (and RMSE) and averages them, which by Jensen's inequality is at least the pooled PSNR. The
paper's 13 rows of Tables 1-3 all sit 0.003 to 0.018 dB above 20 log10(1 / RMSE) (RMSE 0.0146703
<-> 36.6712 dB against its 36.6835 dB), which pooled errors cannot give and per-image averages
can (RECONSTRUCTION.md). A PSNR over no pixels, or with zero error, is absent (`None`), the
paper's "None"; with per-image pooling, an image without such pixels is left out of the average.

SSIM is reported twice: `ssim` with the correct data range 1, and `ssim_paper` with the constants
of a 0..255 range on [0, 1] data, the convention that gives the paper's 0.99999... values.
"""

import math

import keras
import tensorflow as tf

PSNR_PEAK = 255.0
SUBSETS = ("all", "correct", "erroneous")
POOLINGS = ("pixels", "images")


def _check_pooling(pooling):
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")


class MaskedPSNR(keras.metrics.Metric):
    """PSNR (dB, peak 255) of depth in [0, 1] scaled to 0..255, over a subset of pixels.

    Args:
        subset: "all" (eq. 10), "correct" (PSNRt, eq. 11: error mask 0) or "erroneous"
            (PSNRf, eq. 12: error mask 1).
        pooling: "pixels" (one PSNR of the squared errors pooled over the set) or "images" (the
            mean of each image's PSNR).
    Example:
        metric = MaskedPSNR("erroneous")
        metric.update_state(target, prediction, sample_weight=error_mask)
        metric.result()  # NaN when the subset is empty
    """

    def __init__(self, subset="all", pooling="pixels", name=None, **kwargs):
        if subset not in SUBSETS:
            raise ValueError(f"subset must be one of {SUBSETS}, got {subset!r}")
        _check_pooling(pooling)
        super().__init__(name=name or f"psnr_{subset}", **kwargs)
        self.subset = subset
        self.pooling = pooling
        self.psnr_sum = self.add_variable(shape=(), initializer="zeros", name="psnr_sum", dtype="float64")
        self.images = self.add_variable(shape=(), initializer="zeros", name="images", dtype="float64")
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
        squared_error = weight * tf.square(y_true - y_pred)
        self.squared_error.assign_add(tf.reduce_sum(squared_error))
        self.count.assign_add(tf.reduce_sum(weight))
        image_squared_error = tf.reduce_sum(squared_error, axis=[1, 2, 3])
        image_count = tf.reduce_sum(weight, axis=[1, 2, 3])
        image_mse = tf.math.divide_no_nan(image_squared_error, image_count)
        present = tf.logical_and(image_count > 0, image_mse > 0)
        psnr = _psnr(tf.where(present, image_mse, 1.0))
        self.psnr_sum.assign_add(tf.reduce_sum(tf.where(present, psnr, 0.0)))
        self.images.assign_add(tf.reduce_sum(tf.cast(present, tf.float64)))

    def result(self):
        if self.pooling == "images":
            psnr = tf.math.divide_no_nan(self.psnr_sum, self.images)
            absent = self.images <= 0
        else:
            mse = tf.math.divide_no_nan(self.squared_error, self.count)
            psnr = _psnr(tf.where(mse > 0, mse, 1.0))
            absent = tf.logical_or(self.count <= 0, mse <= 0)
        return tf.cast(tf.where(absent, tf.constant(math.nan, tf.float64), psnr), tf.float32)

    def get_config(self):
        return {**super().get_config(), "subset": self.subset, "pooling": self.pooling}


def _psnr(mse):
    """PSNR (dB, peak 255) of mean squared errors on the 0..255 scale."""
    return 10.0 * tf.math.log(PSNR_PEAK**2 / mse) / math.log(10.0)


class DepthRMSE(keras.metrics.Metric):
    """IGDE eq. 15: sqrt of the mean squared error over all pixels, depth in [0, 1]; with
    `pooling="images"`, each image's RMSE averaged over the images."""

    def __init__(self, pooling="pixels", name="rmse", **kwargs):
        _check_pooling(pooling)
        super().__init__(name=name, **kwargs)
        self.pooling = pooling
        self.rmse_sum = self.add_variable(shape=(), initializer="zeros", name="rmse_sum", dtype="float64")
        self.images = self.add_variable(shape=(), initializer="zeros", name="images", dtype="float64")
        self.squared_error = self.add_variable(shape=(), initializer="zeros", name="squared_error", dtype="float64")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count", dtype="float64")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = tf.cast(y_true, tf.float64) - tf.cast(y_pred, tf.float64)
        self.squared_error.assign_add(tf.reduce_sum(tf.square(error)))
        self.count.assign_add(tf.cast(tf.size(error), tf.float64))
        self.rmse_sum.assign_add(tf.reduce_sum(tf.sqrt(tf.reduce_mean(tf.square(error), axis=[1, 2, 3]))))
        self.images.assign_add(tf.cast(tf.shape(error)[0], tf.float64))

    def result(self):
        if self.pooling == "images":
            return tf.cast(tf.math.divide_no_nan(self.rmse_sum, self.images), tf.float32)
        return tf.cast(tf.sqrt(tf.math.divide_no_nan(self.squared_error, self.count)), tf.float32)

    def get_config(self):
        return {**super().get_config(), "pooling": self.pooling}


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


def make_enhancement_metrics(pooling="pixels"):
    """The IGDE metric set, keyed as in `metrics.json`; `pooling` of the PSNRs and the RMSE
    (SSIM is always per image, averaged)."""
    return {
        "psnr": MaskedPSNR("all", pooling),
        "psnr_t": MaskedPSNR("correct", pooling),
        "psnr_f": MaskedPSNR("erroneous", pooling),
        "ssim": MeanSSIM(1.0, name="ssim"),
        "ssim_paper": MeanSSIM(255.0, name="ssim_paper"),
        "rmse": DepthRMSE(pooling),
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


def enhancement_metrics(target, pred, error_mask, pooling="pixels"):
    """IGDE's metrics of one set of predictions.

    Args:
        target, pred: [B, H, W, 1] true and predicted depth in [0, 1] (arrays or tensors).
        error_mask: [B, H, W, 1], 1 at the erroneous pixels of the input.
    Returns:
        {"psnr", "psnr_t", "psnr_f", "ssim", "ssim_paper", "rmse"}: floats, PSNRs in dB, `None`
        where a PSNR is over no pixels or the error is zero; `pooling` as `make_enhancement_metrics`.
    """
    metrics = make_enhancement_metrics(pooling)
    update_enhancement_metrics(
        metrics,
        tf.convert_to_tensor(target, tf.float32),
        tf.convert_to_tensor(pred, tf.float32),
        tf.convert_to_tensor(error_mask, tf.float32),
    )
    return metric_results(metrics)
