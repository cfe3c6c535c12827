"""Monocular depth metrics (DPDE Sect. 4): RMS, RMS(log), REL, log10, threshold accuracies
delta < 1.25^k, and on Middlebury SSIM, gradient similarity (GSM) and mean gradient error (MGE).

Pixel metrics are pooled over the valid pixels of the arrays given: finite ground truth > 0,
inside an optional `valid` mask, depth cap and evaluation crop. Predictions are clipped to
[MIN_DEPTH, max_depth] first (logs need positive depth). SSIM, GSM and MGE are computed per image
and averaged over images. The evaluator (`common.training.evaluation`) pools the pixel sums of
the whole test set (DPDE: "1/T sum over T pixels"; `eval.pooling: pixels`) or averages each
image's metrics (`eval.pooling: images`, the later common protocol).

GSM follows Liu, Lin and Narwaria (IEEE TIP 2012): a gradient from four directional 5x5
high-pass kernels (the largest response), a contrast-structure similarity with a masking
constant and a luminance term mixed with an adaptive weight; the DPDE text gives only the
citation, so its constants (`masking` 200, `luminance_weight` 0.1) and the form below are a
reconstruction. MGE (no definition in the text; reconstruction) is the mean Euclidean norm of the
difference of the forward-difference gradients.

Example:
    depth_metrics(truth, prediction, crop="eigen", max_depth=10.0)["rms"]
"""

import cv2
import numpy as np
from skimage.metrics import structural_similarity

MIN_DEPTH = 1e-3
SSIM_SIGMA = 1.5  # Wang et al. 2004 (DPDE reference [42]; its text cites SSIM as [41]): 11x11, sigma 1.5
SSIM_BORDER = 5  # (11 - 1) / 2: scikit-image's window for sigma 1.5 (truncated at 3.5 sigma)
DEPTH_METRICS = ("rms", "rms_log", "rel", "log10", "delta1", "delta2", "delta3", "ssim", "gsm", "mge")
# Rows and columns of the Eigen et al. crop, as fractions of the 480x640 NYU frame.
CROPS = {"eigen": (45 / 480, 471 / 480, 41 / 640, 601 / 640)}
GSM_KERNELS = [
    np.array(k, np.float32) / 16.0
    for k in (
        [[0, 0, 0, 0, 0], [1, 3, 8, 3, 1], [0, 0, 0, 0, 0], [-1, -3, -8, -3, -1], [0, 0, 0, 0, 0]],
        [[0, 0, 1, 0, 0], [0, 0, 3, 8, 0], [-1, -3, 0, 3, 1], [0, -8, -3, 0, 0], [0, 0, -1, 0, 0]],
        [[0, 0, 1, 0, 0], [0, 8, 3, 0, 0], [1, 3, 0, -3, -1], [0, 0, -3, -8, 0], [0, 0, -1, 0, 0]],
        [[0, 1, 0, -1, 0], [0, 3, 0, -3, 0], [0, 8, 0, -8, 0], [0, 3, 0, -3, 0], [0, 1, 0, -1, 0]],
    )
]


def valid_mask(target, valid=None, max_depth=None, crop=None):
    """[B, H, W] bool: finite ground truth > 0, within `valid`, the cap and the named crop."""
    mask = np.isfinite(target) & (np.nan_to_num(target) > 0)
    if valid is not None:
        mask &= valid.astype(bool)
    if max_depth is not None:
        mask &= np.nan_to_num(target) <= max_depth
    if crop is not None:
        top, bottom, left, right = CROPS[crop]
        height, width = target.shape[1:]
        window = np.zeros_like(mask)
        window[
            :,
            int(round(top * height)) : int(round(bottom * height)),
            int(round(left * width)) : int(round(right * width)),
        ] = True
        mask &= window
    return mask


def depth_statistics(target, pred, valid=None, max_depth=None, crop=None, gsm_masking=200.0, gsm_luminance_weight=0.1):
    """What a test set pools: sums over the valid pixels and the per-image structure scores.

    Args:
        target, pred: the true and the predicted depth, [H, W], [H, W, 1], [B, H, W] or
            [B, H, W, 1], same shape.
        valid: optional bool mask of the same shape.
        max_depth: cap on the ground truth (e.g. 10 m on NYU, 70 m for Make3D's C1), also the
            upper clip of predictions.
        crop: a name from `CROPS` or None.
    Returns:
        {"count": valid pixels, "squared", "squared_log", "relative", "log10", "delta1".."delta3":
        sums over them, "ssim", "gsm", "mge": [one score per image with a valid pixel]}.
    Raises:
        ValueError: no valid ground-truth pixel.
    """
    pred, target = _as_images(pred), _as_images(target)
    if pred.shape != target.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from ground truth shape {target.shape}")
    mask = valid_mask(target, None if valid is None else _as_images(valid), max_depth, crop)
    if not mask.any():
        raise ValueError("no valid ground-truth pixels (finite, > 0, within the cap and crop)")
    pred = np.clip(pred, MIN_DEPTH, max_depth if max_depth is not None else np.inf)
    target = np.where(mask, target, pred)  # invalid truth takes the prediction's value
    p, t = pred[mask], target[mask]
    ratio = np.maximum(p / t, t / p)
    statistics = {
        "count": p.size,
        "squared": np.sum((p - t) ** 2),
        "squared_log": np.sum((np.log(p) - np.log(t)) ** 2),
        "relative": np.sum(np.abs(p - t) / t),
        "log10": np.sum(np.abs(np.log10(p) - np.log10(t))),
        **{f"delta{k}": np.sum(ratio < 1.25**k) for k in (1, 2, 3)},
    }
    images = [i for i in range(len(mask)) if mask[i].any()]
    statistics["ssim"] = [masked_ssim(pred[i], target[i], mask[i]) for i in images]
    statistics["gsm"] = [
        gradient_similarity(pred[i], target[i], mask[i], gsm_masking, gsm_luminance_weight) for i in images
    ]
    gradients = [
        (np.diff(pred[i], axis=1, append=pred[i][:, -1:]), np.diff(pred[i], axis=0, append=pred[i][-1:]))
        for i in images
    ]
    statistics["mge"] = [mean_gradient_error(target[i], gx, gy, mask[i]) for (gx, gy), i in zip(gradients, images)]
    return statistics


def pooled_metrics(statistics):
    """The DPDE metric set from `depth_statistics` of any number of calls: the pixel metrics are
    DPDE's "1/T sum over T pixels" over all their valid pixels together, SSIM, GSM and MGE the
    mean over all their images."""
    count = sum(s["count"] for s in statistics)

    def total(name):
        return sum(s[name] for s in statistics)

    return {
        "rms": float(np.sqrt(total("squared") / count)),
        "rms_log": float(np.sqrt(total("squared_log") / count)),
        "rel": float(total("relative") / count),
        "log10": float(total("log10") / count),
        **{f"delta{k}": float(total(f"delta{k}") / count) for k in (1, 2, 3)},
        **{name: float(np.mean([score for s in statistics for score in s[name]])) for name in ("ssim", "gsm", "mge")},
    }


def depth_metrics(target, pred, valid=None, max_depth=None, crop=None, gsm_masking=200.0, gsm_luminance_weight=0.1):
    """The DPDE metric set of predictions against ground truth, pixel metrics pooled over all the
    valid pixels given (arguments as `depth_statistics`).

    Returns:
        {name: float} for `DEPTH_METRICS`.
    """
    return pooled_metrics([depth_statistics(target, pred, valid, max_depth, crop, gsm_masking, gsm_luminance_weight)])


def _as_images(array):
    array = np.asarray(array)
    if array.ndim >= 3 and array.shape[-1] == 1:
        array = array[..., 0]
    return array.astype(np.float64)[None] if array.ndim == 2 else array.astype(np.float64)


def masked_ssim(pred, target, mask):
    """SSIM as Wang et al. 2004 define it (DPDE's reference [42], cited in its text as [41]: 11x11
    Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03, population statistics; computed by
    scikit-image) averaged over the valid pixels at least 5 pixels from the border (scikit-image's
    own pooling); the data range is that of the valid ground truth."""
    data_range = max(float(np.ptp(target[mask])), 1e-6)
    _, ssim_map = structural_similarity(
        target,
        pred,
        data_range=data_range,
        full=True,
        gaussian_weights=True,
        sigma=SSIM_SIGMA,
        use_sample_covariance=False,
    )
    interior = np.zeros_like(mask)
    interior[SSIM_BORDER:-SSIM_BORDER, SSIM_BORDER:-SSIM_BORDER] = True
    pooled = mask & interior if (mask & interior).any() else mask
    return float(np.mean(ssim_map[pooled]))


def gsm_gradient(image):
    """Liu et al.'s gradient: the largest |response| of the four directional 5x5 kernels."""
    image = image.astype(np.float32)
    return np.max([np.abs(cv2.filter2D(image, -1, k)) for k in GSM_KERNELS], axis=0).astype(np.float64)


def gradient_similarity(pred, target, mask, masking=200.0, luminance_weight=0.1):
    """GSM of one image (module docstring) on depth scaled to 0..255 by the valid truth's maximum;
    `target` finite everywhere (`depth_metrics` fills invalid pixels with the prediction).

    r = |g_p - g_t| / max(g_p, g_t); contrast-structure similarity
    s = (2 (1 - r) + K) / (1 + (1 - r)^2 + K) with K = masking / max(g); luminance similarity
    l = 1 - ((p - t) / 255)^2; quality (1 - W) s + W l with W = luminance_weight * s, averaged over
    the valid pixels.
    """
    scale = 255.0 / float(np.max(target[mask]))
    p, t = pred * scale, target * scale
    g_p, g_t = gsm_gradient(p), gsm_gradient(t)
    larger = np.maximum(g_p, g_t)
    r = np.divide(np.abs(g_p - g_t), larger, out=np.zeros_like(larger), where=larger > 0)
    k = masking / max(float(np.max(larger)), 1e-6)
    structure = (2 * (1 - r) + k) / (1 + (1 - r) ** 2 + k)
    luminance = 1 - ((p - t) / 255.0) ** 2
    weight = luminance_weight * structure
    return float(np.mean(((1 - weight) * structure + weight * luminance)[mask]))


def mean_gradient_error(target, grad_x, grad_y, mask):
    """Mean |(gx, gy) - grad d*| (Euclidean) over pixels whose right and lower neighbours exist
    and are valid, grad d* the forward differences of the truth `target`; gx, gy [H, W]
    predictions."""
    both = mask[:-1, :-1] & mask[:-1, 1:] & mask[1:, :-1]
    if not both.any():
        return float("nan")
    error_x = grad_x[:-1, :-1] - (target[:-1, 1:] - target[:-1, :-1])
    error_y = grad_y[:-1, :-1] - (target[1:, :-1] - target[:-1, :-1])
    return float(np.mean(np.sqrt(error_x**2 + error_y**2)[both]))
