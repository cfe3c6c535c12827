"""Loss functions of both papers, on NHWC float32 depth tensors.

IGDE (Sect. 3.2-3.5): `L = rho * L_depth + mu * L_focal + lambda * L_sobel` (eq. 5) with the L1
depth loss (eq. 6), the depth focal loss (eq. 7-8) and the Sobel-weighted loss (eq. 9). Depth is
in [0, 1] here, so the paper's `|d* - d| / 255` on the 0..255 scale is `|d* - d|` (NOTES.md).

DPDE (depth loss eq. 2-4 and the gradient loss, lost from the text; NOTES.md): BerHu with
c = 0.2 * max |d - d*| over the batch, `1 - FSIM` on depth scaled to 0..255, and the log-L1
gradient loss `mean ln(|G - grad d*| + a)`, a = 0.5 (reconstruction after Hu et al. 2019). Where
a batch has a `valid` mask (real ground truth with holes), the DPDE terms use its pixels only.

`LOSSES` maps the names used in `loss.weights` of an experiment file to functions
`fn(target, prediction, batch, config) -> scalar`, where `batch` is the input batch dict and
`config` the `LossConfig`. Every term applies to a depth prediction except those in
`GRADIENT_LOSSES`, which apply to the gradient network's [B, H, W, 2] output.
"""

import tensorflow as tf

from common.fsim import fsim
from common.image_ops import depth_edge_mask, forward_difference_x, forward_difference_y

FOCAL_EPSILON = 1e-7


def l1_loss(target, prediction):
    """IGDE eq. 6: mean |d* - d| over all pixels."""
    return tf.reduce_mean(tf.abs(target - prediction))


def l2_loss(target, prediction):
    """Mean squared error (not in either paper; an optional term that speeds up early training)."""
    return tf.reduce_mean(tf.square(target - prediction))


def depth_focal_loss(target, prediction, alpha=0.25, gamma=2.0):
    """IGDE eq. 7-8: mean of -alpha * (1 - e)^gamma * log(e), e = 1 - |d* - d| (depth in [0, 1]).

    e is clipped to [1e-7, 1] before the log (NOTES.md), so a pixel off by the whole range stays
    finite.
    """
    e = tf.clip_by_value(1.0 - tf.abs(target - prediction), FOCAL_EPSILON, 1.0)
    return tf.reduce_mean(-alpha * tf.pow(1.0 - e, gamma) * tf.math.log(e))


def sobel_weighted_loss(target, prediction, edge_mask, beta=0.9):
    """IGDE eq. 9: mean of beta * |d* - d| * M + (1 - beta) * |d* - d| * (1 - M).

    Args:
        edge_mask: [B, H, W, 1] in {0, 1}, M_sobel from the input depth (`depth_edge_mask`).
    """
    error = tf.abs(target - prediction)
    return tf.reduce_mean(beta * error * edge_mask + (1.0 - beta) * error * (1.0 - edge_mask))


def berhu_loss(target, prediction, threshold_fraction=0.2, valid=None, per_image=True):
    """Reverse Huber (DPDE eq. 3): |x| for |x| <= c, else (x^2 + c^2) / (2c), averaged over pixels.

    c = threshold_fraction * max |x|, held constant for the gradient: per image by default (DPDE:
    "c = 1/5 max_i |d_i - d_i^gt|, i indicates the index of each pixel in each depth image d"),
    or over the whole batch with `per_image=False` (Laina et al. 2016). A perfect prediction
    (c = 0) has loss 0. `valid`: optional [B, H, W, 1] 0/1 mask.
    """
    valid = tf.ones_like(target) if valid is None else valid
    residual = tf.abs(target - prediction) * valid
    largest = tf.reduce_max(residual, axis=[1, 2, 3], keepdims=True) if per_image else tf.reduce_max(residual)
    c = tf.stop_gradient(threshold_fraction * largest)
    quadratic = tf.math.divide_no_nan(tf.square(residual) + tf.square(c), 2.0 * c)
    berhu = tf.where(residual <= c, residual, quadratic) * valid
    return tf.math.divide_no_nan(tf.reduce_sum(berhu), tf.reduce_sum(valid))


def fsim_loss(target, prediction, max_depth=None, valid=None):
    """DPDE eq. 4: 1 - FSIM(d, d*) (`common.fsim`), averaged over the batch.

    Depth is scaled to 0..255 by 255 / max_depth, or (max_depth None, a reconstruction) by each
    image's largest true depth. Invalid truth pixels take the (constant) prediction's value.
    """
    if valid is not None:
        target = tf.where(valid > 0, target, tf.stop_gradient(prediction))
    top = (
        tf.reduce_max(target, axis=[1, 2, 3], keepdims=True)
        if max_depth is None
        else tf.constant(max_depth, tf.float32)
    )
    scale = tf.stop_gradient(255.0 / tf.maximum(top, 1e-6))
    return 1.0 - tf.reduce_mean(fsim(target * scale, prediction * scale))


def log_l1_gradient_loss(target, gradients, offset=0.5, valid=None):
    """DPDE gradient-network loss (reconstruction, NOTES.md): mean of ln(|G - grad d*| + a).

    Args:
        target: [B, H, W, 1] true depth d*.
        gradients: [B, H, W, 2] predicted horizontal and vertical forward-difference gradients.
        offset: a.
        valid: optional [B, H, W, 1] 0/1 mask of the truth.
    Averaged over the pixels where each forward difference exists (not the last column for x,
    nor the last row for y) and, with `valid`, joins two valid pixels.
    """
    height, width = tf.shape(target)[1], tf.shape(target)[2]
    exists_x = tf.cast(tf.range(width) < width - 1, tf.float32)[None, None, :, None]
    exists_y = tf.cast(tf.range(height) < height - 1, tf.float32)[None, :, None, None]
    valid = tf.ones_like(target) if valid is None else valid
    terms = []
    for channel, difference, exists in ((0, forward_difference_x, exists_x), (1, forward_difference_y, exists_y)):
        error = tf.abs(gradients[..., channel : channel + 1] - difference(target))
        both_valid = tf.cast(tf.equal(difference(valid), 0.0), tf.float32) * valid
        weight = exists * both_valid
        terms.append(tf.math.divide_no_nan(tf.reduce_sum(tf.math.log(error + offset) * weight), tf.reduce_sum(weight)))
    return (terms[0] + terms[1]) / 2.0


def _l1_term(target, prediction, batch, config):
    return l1_loss(target, prediction)


def _l2_term(target, prediction, batch, config):
    return l2_loss(target, prediction)


def _focal_term(target, prediction, batch, config):
    return depth_focal_loss(target, prediction, config.focal_alpha, config.focal_gamma)


def _sobel_term(target, prediction, batch, config):
    mask = tf.stop_gradient(depth_edge_mask(batch["depth"], config.edge_dilation_size, config.edge_dilation_iterations))
    return sobel_weighted_loss(target, prediction, mask, config.sobel_beta)


def _berhu_term(target, prediction, batch, config):
    return berhu_loss(target, prediction, config.berhu_threshold, batch.get("valid"), config.berhu_scope == "image")


def _fsim_term(target, prediction, batch, config):
    return fsim_loss(target, prediction, config.fsim_max_depth, batch.get("valid"))


def _gradient_term(target, prediction, batch, config):
    return log_l1_gradient_loss(target, prediction, config.gradient_log_offset, batch.get("valid"))


LOSSES = {
    "l1": _l1_term,
    "l2": _l2_term,
    "depth_focal": _focal_term,
    "sobel": _sobel_term,
    "berhu": _berhu_term,
    "fsim": _fsim_term,
    "log_l1_gradient": _gradient_term,
}
GRADIENT_LOSSES = ("log_l1_gradient",)


def loss_applies_to(name, output):
    """Whether the loss term `name` applies to a network whose output is "depth" or "gradients"."""
    return (name in GRADIENT_LOSSES) == (output == "gradients")


def loss_weights_for(output, weights):
    """The entries of `loss.weights` that apply to a network whose output is `output` (a DPDE
    experiment lists the terms of both of its networks)."""
    return {name: weight for name, weight in weights.items() if loss_applies_to(name, output)}


PAPER_IGDE_LOSS = {"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0}  # eq. 5: "We set all of them to 1"
TERM_TITLES = {
    "l1": "L1",
    "l2": "L2",
    "depth_focal": "depth focal",
    "sobel": "Sobel",
    "berhu": "BerHu",
    "fsim": "FSIM",
    "log_l1_gradient": "log-L1 gradient",
}


def describe_loss(weights, short=False):
    """The loss a network was trained with, in words: "the paper's loss (L1 + depth focal +
    Sobel)" ("paper loss" when `short`) for IGDE's eq. 5 with its weights, "... + L2 x1000" with
    an extra term, else each term with its weight."""
    used = {name: weight for name, weight in weights.items() if weight > 0}
    paper = all(used.get(name) == weight for name, weight in PAPER_IGDE_LOSS.items())
    extra = {name: weight for name, weight in used.items() if not (paper and name in PAPER_IGDE_LOSS)}
    words = ["paper loss" if short else "the paper's loss (L1 + depth focal + Sobel)"] if paper else []
    words += [f"{TERM_TITLES.get(name, name)} x{weight:g}" for name, weight in extra.items()]
    return " + ".join(words)


def loss_note(weights):
    """The short label a result table puts beside a row trained with IGDE terms but not with
    exactly eq. 5 ("paper loss + L2 x1000", "L1 x1"); None for eq. 5 itself and for networks
    trained without IGDE's terms (DPDE)."""
    used = {name: weight for name, weight in weights.items() if weight > 0}
    if used == PAPER_IGDE_LOSS or not any(name in PAPER_IGDE_LOSS for name in used):
        return None
    return describe_loss(used, short=True)


def weighted_loss(target, prediction, batch, config):
    """The experiment's total loss and each term: `sum_k weights[k] * LOSSES[k](...)`.

    Terms with weight 0 are not computed. Returns (total, {name: value}).
    """
    terms = {
        name: LOSSES[name](target, prediction, batch, config) for name, weight in config.weights.items() if weight > 0
    }
    total = tf.add_n([config.weights[name] * value for name, value in terms.items()])
    return total, terms
