import numpy as np
import pytest

from common.config import LossConfig
from common.image_ops import depth_edge_mask
from common.losses import depth_focal_loss, l1_loss, sobel_weighted_loss, weighted_loss


def pair(seed, shape=(2, 12, 16, 1)):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 1, shape).astype(np.float32), rng.uniform(0, 1, shape).astype(np.float32)


def test_l1_loss():
    target, prediction = pair(0)
    assert float(l1_loss(target, prediction)) == pytest.approx(np.mean(np.abs(target - prediction)), rel=1e-6)


@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (1.0, 0.0), (0.5, 3.0)])
def test_depth_focal_loss(alpha, gamma):
    target, prediction = pair(1)
    e = np.clip(1.0 - np.abs(target.astype(np.float64) - prediction), 1e-7, 1.0)
    expected = np.mean(-alpha * (1 - e) ** gamma * np.log(e))
    assert float(depth_focal_loss(target, prediction, alpha, gamma)) == pytest.approx(expected, rel=1e-5)


def test_depth_focal_loss_is_zero_for_a_perfect_prediction_and_finite_at_full_error():
    zeros, ones = np.zeros((1, 4, 4, 1), np.float32), np.ones((1, 4, 4, 1), np.float32)
    assert float(depth_focal_loss(zeros, zeros)) == 0.0
    assert np.isfinite(float(depth_focal_loss(zeros, ones)))


@pytest.mark.parametrize("mask_kind", ["random", "empty", "full"])
def test_sobel_weighted_loss(mask_kind):
    target, prediction = pair(2)
    mask = {"random": (np.random.default_rng(3).random(target.shape) > 0.7),
            "empty": np.zeros(target.shape), "full": np.ones(target.shape)}[mask_kind].astype(np.float32)
    error = np.abs(target - prediction)
    expected = np.mean(0.9 * error * mask + 0.1 * error * (1 - mask))
    assert float(sobel_weighted_loss(target, prediction, mask, 0.9)) == pytest.approx(expected, rel=1e-5)


def test_weighted_loss_sums_the_weighted_terms_and_skips_zero_weights():
    target, prediction = pair(4)
    depth = prediction.copy()
    config = LossConfig(weights={"l1": 2.0, "depth_focal": 0.0, "sobel": 0.5})
    total, terms = weighted_loss(target, prediction, {"depth": depth}, config)
    assert set(terms) == {"l1", "sobel"}
    mask = depth_edge_mask(depth).numpy()
    error = np.abs(target - prediction)
    sobel = np.mean(0.9 * error * mask + 0.1 * error * (1 - mask))
    assert float(total) == pytest.approx(2.0 * np.mean(error) + 0.5 * sobel, rel=1e-5)
