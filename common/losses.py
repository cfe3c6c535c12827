"""Loss functions of both papers, on NHWC float32 depth tensors.

IGDE (Sect. 3.2-3.5): `L = rho * L_depth + mu * L_focal + lambda * L_sobel` (eq. 5) with the L1
depth loss (eq. 6), the depth focal loss (eq. 7-8) and the Sobel-weighted loss (eq. 9). Depth is
in [0, 1] here, so the paper's `|d* - d| / 255` on the 0..255 scale is `|d* - d|` (NOTES.md).

DPDE (depth loss eq. 2-4 and the gradient loss, lost from the text; NOTES.md): BerHu with
c = 0.2 * max |d - d*| over the batch, `1 - FSIM` on depth scaled to 0..255, and the log-L1
gradient loss `mean ln(|G - grad d*| + a)`, a = 0.5 (reconstruction after Hu et al. 2019). Where
a batch has a `valid` mask (real ground truth with holes), the DPDE terms use its pixels only.

`LOSSES` maps the names used in `loss.weights` of an experiment file to `LossTerm`s: the term's
function, whose keyword arguments are its settings (`loss.args.<term>.<argument>`, their defaults
the function's own), the checks of those settings and what the trained network predicts (depth,
or the gradient network's [B, H, W, 2] gradients). `weighted_loss` is the one sum every trainer
and the Keras loss (`common.keras_objects.DepthLoss`) use.
"""

import dataclasses
import inspect
import math
import typing

import tensorflow as tf

from common.config.schema import PAPER_IGDE_LOSS
from common.errors import ConfigError, short_repr
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
    The defaults are the paper's (Sect. 3.4): "we set the values of α to 0.25 and γ to 2".

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


def berhu_loss(target, prediction, valid=None, threshold_fraction=0.2, per_image=True):
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


def fsim_loss(target, prediction, valid=None, max_depth=None):
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


def log_l1_gradient_loss(target, gradients, valid=None, offset=0.5):
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


def sobel_loss(target, prediction, depth, beta=0.9, dilation_size=3, dilation_iterations=1):
    """IGDE eq. 9 with M_sobel from the input depth: `sobel_weighted_loss` of the edge mask
    `depth_edge_mask(depth, dilation_size, dilation_iterations)` (Sect. 3.5; the dilation is a
    reconstruction, NOTES.md), held constant for the gradient. `beta` is the paper's (Sect. 3.5):
    "Here, we choose β = 0.9".

    Args:
        depth: [B, H, W, 1] the network's input depth in [0, 1].
    """
    mask = tf.stop_gradient(depth_edge_mask(depth, dilation_size, dilation_iterations))
    return sobel_weighted_loss(target, prediction, mask, beta)


# Arguments of a term function that a batch supplies (`batch[name]`, absent: None), not settings.
BATCH_ARGUMENTS = ("depth", "valid")


@dataclasses.dataclass(frozen=True)
class LossTerm:
    """A loss term: `function(target, prediction, <batch arguments>, <settings>)`; its settings
    are its other keyword arguments, set in `loss.args.<term>` under their own names.

    Attributes:
        function: the term's function; its keyword defaults are the settings' defaults.
        checks: {setting: (test of the value, what is expected)}, applied at load.
        output: what the trained network predicts: "depth" or "gradients".
    """

    function: typing.Callable
    checks: dict = dataclasses.field(default_factory=dict)
    output: str = "depth"

    @property
    def parameters(self):
        return list(inspect.signature(self.function).parameters.values())[2:]

    @property
    def batch_arguments(self):
        return [p.name for p in self.parameters if p.name in BATCH_ARGUMENTS]

    @property
    def defaults(self):
        """{setting: default} of the term function."""
        return {p.name: p.default for p in self.parameters if p.name not in BATCH_ARGUMENTS}

    def __call__(self, target, prediction, batch, settings):
        inputs = {name: batch.get(name) for name in self.batch_arguments}
        return self.function(target, prediction, **inputs, **settings)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


LOSSES = {
    "l1": LossTerm(l1_loss),
    "l2": LossTerm(l2_loss),
    "depth_focal": LossTerm(
        depth_focal_loss,
        {
            "alpha": (lambda v: _is_number(v) and v > 0, "a number > 0"),
            "gamma": (lambda v: _is_number(v) and v >= 0, "a number >= 0"),
        },
    ),
    "sobel": LossTerm(
        sobel_loss,
        {
            "beta": (lambda v: _is_number(v) and 0 <= v <= 1, "a number in [0, 1]"),
            "dilation_size": (lambda v: _is_integer(v) and 1 <= v <= 99 and v % 2 == 1, "an odd integer in [1, 99]"),
            "dilation_iterations": (lambda v: _is_integer(v) and 0 <= v <= 99, "an integer in [0, 99]"),
        },
    ),
    "berhu": LossTerm(
        berhu_loss,
        {
            "threshold_fraction": (lambda v: _is_number(v) and 0 < v <= 1, "a number in (0, 1]"),
            "per_image": (lambda v: isinstance(v, bool), "true (c per image, DPDE) or false (per batch)"),
        },
    ),
    "fsim": LossTerm(
        fsim_loss, {"max_depth": (lambda v: v is None or (_is_number(v) and v > 0), "null or a number > 0")}
    ),
    "log_l1_gradient": LossTerm(
        log_l1_gradient_loss, {"offset": (lambda v: _is_number(v) and v > 0, "a number > 0")}, output="gradients"
    ),
}


def loss_applies_to(name, output):
    """Whether the loss term `name` applies to a network whose output is "depth" or "gradients"."""
    return LOSSES[name].output == output


def loss_weights_for(output, weights):
    """The entries of `loss.weights` that apply to a network whose output is `output` (a DPDE
    experiment lists the terms of both of its networks)."""
    return {name: weight for name, weight in weights.items() if loss_applies_to(name, output)}


def resolve_loss_args(loss, path, prefix="loss"):
    """`loss` (a `LossConfig`) with `args` holding every weighted term's settings: the term
    function's defaults overridden by `loss.args.<term>`; a term or setting that does not exist,
    or an impossible value, is a ConfigError naming `path` and the full key (`prefix`.args...)."""
    for name in loss.weights:
        if name not in LOSSES:
            raise ConfigError(f"{path}: unknown key '{prefix}.weights.{name}' (expected one of: {', '.join(LOSSES)})")
    for name in loss.args:
        if name not in LOSSES:
            raise ConfigError(f"{path}: unknown key '{prefix}.args.{name}' (expected one of: {', '.join(LOSSES)})")
    args = {}
    for name, term in LOSSES.items():
        given = loss.args.get(name, {})
        if name not in loss.weights and not given:
            continue
        defaults = term.defaults
        for key, value in given.items():
            if key not in defaults:
                expected = ", ".join(defaults) or f"none: {name} takes no settings"
                raise ConfigError(
                    f"{path}: unknown key '{prefix}.args.{name}.{str(key)[:60]}' (expected one of: {expected})"
                )
            test, expected = term.checks[key]
            if not test(value):
                raise ConfigError(f"{path}: {prefix}.args.{name}.{key}: expected {expected}, got {short_repr(value)}")
        args[name] = {
            **defaults,
            **{key: float(v) if isinstance(defaults[key], float) else v for key, v in given.items()},
        }
    return dataclasses.replace(loss, args=args)


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


def weighted_loss(target, prediction, batch, weights, args):
    """The total loss and each term: `sum_k weights[k] * LOSSES[k](target, prediction, batch,
    **args[k])` (IGDE eq. 5 with the paper's weights; DPDE's BerHu + FSIM).

    Args:
        target, prediction: [B, H, W, 1] depth (the gradient term: [B, H, W, 2] prediction).
        batch: the input batch dict: `depth` for the Sobel term, `valid` where the truth has holes.
        weights: {term: weight}; terms of weight 0 are not computed.
        args: {term: {setting: value}}, as `resolve_loss_args` fills them (missing: defaults).
    Returns:
        (total, {term: value}).
    """
    terms = {
        name: LOSSES[name](target, prediction, batch, args.get(name, {}))
        for name, weight in weights.items()
        if weight > 0
    }
    total = tf.add_n([weights[name] * value for name, value in terms.items()])
    return total, terms
