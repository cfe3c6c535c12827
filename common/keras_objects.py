"""The papers' losses and IGDE's metrics as Keras objects, for `model.compile(...)` and
`model.fit(...)` in a user's own code: the same functions the project's trainer and evaluation
use (`common.losses.weighted_loss`, `common.metrics`), not copies.

A Keras loss sees only `(y_true, y_pred)`, but IGDE's Sobel term needs the input depth and PSNRt /
PSNRf need the error mask. `keras_batches` therefore packs what a batch's targets are into the
channels of `y_true` (`TARGET_KEYS`: the true depth first), and `DepthLoss` and the metrics
unpack them.

Example:
    model.compile(optimizer="adam", loss=DepthLoss(), metrics=igde_metrics())
    model.fit(keras_batches(pipeline.train_dataset(0, 4), ("image", "depth"), "enhancement"))
"""

import keras
import tensorflow as tf

from common.config.schema import PAPER_IGDE_LOSS, LossConfig
from common.losses import resolve_loss_args, weighted_loss
from common.metrics import DepthRMSE, MaskedPSNR, MeanSSIM

# The channels of a packed `y_true`, for each kind of sample (`common.data.loaders`).
TARGET_KEYS = {"enhancement": ("target", "depth", "error_mask"), "monocular": ("target", "valid")}


def keras_batches(dataset, inputs, sample_kind):
    """A `tf.data.Dataset` of sample dicts (the project's pipeline) as `fit` takes it: `(x, y)`
    with `x` the model's `inputs` and `y` the packed targets [B, H, W, len(TARGET_KEYS[kind])]."""
    keys = TARGET_KEYS[sample_kind]
    return dataset.map(
        lambda batch: ({key: batch[key] for key in inputs}, tf.concat([batch[key] for key in keys], axis=-1))
    )


def unpack_targets(y_true, sample_kind):
    """{key: [B, H, W, 1]} of a packed `y_true` (`keras_batches`)."""
    return {key: y_true[..., index : index + 1] for index, key in enumerate(TARGET_KEYS[sample_kind])}


@keras.saving.register_keras_serializable(package="depthrepro")
class DepthLoss(keras.losses.Loss):
    """`common.losses.weighted_loss` as a Keras loss: IGDE's eq. 5 by default; DPDE's BerHu + FSIM
    with `DepthLoss({"berhu": 1.0, "fsim": 1.0}, sample_kind="monocular")`.

    Args:
        weights: {term: weight} (`loss.weights`; default: eq. 5, every weight 1).
        args: {term: {setting: value}} (`loss.args`), checked and completed with the terms'
            defaults (`common.losses.resolve_loss_args`).
        sample_kind: how `y_true` is packed: "enhancement" (IGDE) or "monocular" (DPDE).
    """

    def __init__(self, weights=None, args=None, sample_kind="enhancement", name="depth_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        loss = resolve_loss_args(LossConfig(dict(weights or PAPER_IGDE_LOSS), dict(args or {})), "DepthLoss")
        self.weights, self.args, self.sample_kind = loss.weights, loss.args, sample_kind

    def call(self, y_true, y_pred):
        batch = unpack_targets(y_true, self.sample_kind)
        total, _ = weighted_loss(batch["target"], y_pred, batch, self.weights, self.args)
        return total

    def get_config(self):
        return {**super().get_config(), "weights": self.weights, "args": self.args, "sample_kind": self.sample_kind}


@keras.saving.register_keras_serializable(package="depthrepro")
class PSNR(MaskedPSNR):
    """`MaskedPSNR` (IGDE eq. 10-12) of packed enhancement targets: `subset` "all" (PSNR),
    "correct" (PSNRt) or "erroneous" (PSNRf), the error mask taken from `y_true`."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        batch = unpack_targets(y_true, "enhancement")
        super().update_state(batch["target"], y_pred, batch["error_mask"])


@keras.saving.register_keras_serializable(package="depthrepro")
class SSIM(MeanSSIM):
    """`MeanSSIM` (IGDE eq. 13-14) of packed targets."""

    def __init__(self, max_val=1.0, name="ssim", sample_kind="enhancement", **kwargs):
        super().__init__(max_val, name=name, **kwargs)
        self.sample_kind = sample_kind

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(unpack_targets(y_true, self.sample_kind)["target"], y_pred)

    def get_config(self):
        return {**super().get_config(), "sample_kind": self.sample_kind}


@keras.saving.register_keras_serializable(package="depthrepro")
class RMSE(DepthRMSE):
    """`DepthRMSE` (IGDE eq. 15) of packed targets, over every pixel."""

    def __init__(self, name="rmse", sample_kind="enhancement", **kwargs):
        super().__init__(name=name, **kwargs)
        self.sample_kind = sample_kind

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(unpack_targets(y_true, self.sample_kind)["target"], y_pred)

    def get_config(self):
        return {**super().get_config(), "sample_kind": self.sample_kind}


def igde_metrics():
    """IGDE's metrics (Sect. 4.2) for `compile`: PSNR, PSNRt, PSNRf, SSIM and RMSE, named as in
    metrics.json."""
    return [
        PSNR("all", name="psnr"),
        PSNR("correct", name="psnr_t"),
        PSNR("erroneous", name="psnr_f"),
        SSIM(),
        RMSE(),
    ]
