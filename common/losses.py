"""Loss functions of both papers, on NHWC float32 depth tensors.

IGDE (Sect. 3.2-3.5): `L = rho * L_depth + mu * L_focal + lambda * L_sobel` (eq. 5) with the L1
depth loss (eq. 6), the depth focal loss (eq. 7-8) and the Sobel-weighted loss (eq. 9). Depth is
in [0, 1] here, so the paper's `|d* - d| / 255` on the 0..255 scale is `|d* - d|` (NOTES.md).

`LOSSES` maps the names used in `loss.weights` of an experiment file to functions
`fn(target, prediction, batch, config) -> scalar`, where `batch` is the input batch dict and
`config` the `LossConfig`.
"""

import tensorflow as tf

from common.image_ops import depth_edge_mask

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


def _l1_term(target, prediction, batch, config):
    return l1_loss(target, prediction)


def _l2_term(target, prediction, batch, config):
    return l2_loss(target, prediction)


def _focal_term(target, prediction, batch, config):
    return depth_focal_loss(target, prediction, config.focal_alpha, config.focal_gamma)


def _sobel_term(target, prediction, batch, config):
    mask = tf.stop_gradient(depth_edge_mask(
        batch["depth"], config.edge_dilation_size, config.edge_dilation_iterations))
    return sobel_weighted_loss(target, prediction, mask, config.sobel_beta)


LOSSES = {
    "l1": _l1_term,
    "l2": _l2_term,
    "depth_focal": _focal_term,
    "sobel": _sobel_term,
}


def weighted_loss(target, prediction, batch, config):
    """The experiment's total loss and each term: `sum_k weights[k] * LOSSES[k](...)`.

    Terms with weight 0 are not computed. Returns (total, {name: value}).
    """
    terms = {name: LOSSES[name](target, prediction, batch, config)
             for name, weight in config.weights.items() if weight > 0}
    total = tf.add_n([config.weights[name] * value for name, value in terms.items()])
    return total, terms
