"""The Keras loss and metrics are the trainer's and the evaluation's own code: the same values on
the same batch, and they round-trip through get_config."""

import numpy as np
import pytest

from common.config.schema import LossConfig
from common.keras_objects import RMSE, SSIM, DepthLoss, igde_metrics, keras_batches, unpack_targets
from common.losses import resolve_loss_args, weighted_loss
from common.metrics import make_enhancement_metrics


def enhancement_batch(seed=0, shape=(2, 16, 16, 1)):
    rng = np.random.default_rng(seed)
    target = rng.random(shape).astype(np.float32)
    depth = np.where(rng.random(shape) < 0.1, rng.random(shape), target).astype(np.float32)
    return {
        "image": rng.random((*shape[:3], 3)).astype(np.float32),
        "depth": depth,
        "target": target,
        "error_mask": (depth != target).astype(np.float32),
    }


def test_depth_loss_equals_the_trainers_weighted_loss():
    batch, prediction = enhancement_batch(), enhancement_batch(1)["target"]
    y_true = np.concatenate([batch["target"], batch["depth"], batch["error_mask"]], axis=-1)
    loss = resolve_loss_args(LossConfig(), "exp.yaml")
    expected, _ = weighted_loss(batch["target"], prediction, batch, loss.weights, loss.args)
    assert float(DepthLoss()(y_true, prediction)) == pytest.approx(float(expected), rel=1e-6)
    berhu = DepthLoss({"berhu": 1.0, "fsim": 1.0}, sample_kind="monocular")
    valid = np.ones_like(batch["target"])
    expected, _ = weighted_loss(batch["target"], prediction, {"valid": valid}, berhu.weights, berhu.args)
    packed = np.concatenate([batch["target"], valid], axis=-1)
    assert float(berhu(packed, prediction)) == pytest.approx(float(expected), rel=1e-6)
    assert DepthLoss.from_config(berhu.get_config()).args == berhu.args


def test_the_metrics_equal_the_evaluations():
    import tensorflow as tf

    batch, prediction = enhancement_batch(2), enhancement_batch(3)["target"]
    dataset = tf.data.Dataset.from_tensors(batch)
    (x, y_true) = next(iter(keras_batches(dataset, ("image", "depth"), "enhancement")))
    assert set(x) == {"image", "depth"} and y_true.shape[-1] == 3
    np.testing.assert_array_equal(unpack_targets(y_true, "enhancement")["error_mask"], batch["error_mask"])
    reference = make_enhancement_metrics()
    for metric in reference.values():
        metric.update_state(batch["target"], prediction, sample_weight=batch["error_mask"])
    for metric in igde_metrics():
        metric.update_state(y_true, prediction)
        assert float(metric.result()) == pytest.approx(float(reference[metric.name].result()), rel=1e-6)
    for metric in (SSIM(), RMSE()):
        assert type(metric).from_config(metric.get_config()).get_config() == metric.get_config()
