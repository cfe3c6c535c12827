import inspect

import numpy as np
import pytest

from common.config.schema import LossConfig
from common.errors import ConfigError
from common.image_ops import depth_edge_mask
from common.losses import (
    LOSSES,
    berhu_loss,
    depth_focal_loss,
    describe_loss,
    l1_loss,
    log_l1_gradient_loss,
    loss_note,
    resolve_loss_args,
    sobel_weighted_loss,
    weighted_loss,
)


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
    mask = {
        "random": (np.random.default_rng(3).random(target.shape) > 0.7),
        "empty": np.zeros(target.shape),
        "full": np.ones(target.shape),
    }[mask_kind].astype(np.float32)
    error = np.abs(target - prediction)
    expected = np.mean(0.9 * error * mask + 0.1 * error * (1 - mask))
    assert float(sobel_weighted_loss(target, prediction, mask, 0.9)) == pytest.approx(expected, rel=1e-5)


def test_weighted_loss_sums_the_weighted_terms_and_skips_zero_weights():
    target, prediction = pair(4)
    depth = prediction.copy()
    config = resolve_loss_args(LossConfig(weights={"l1": 2.0, "depth_focal": 0.0, "sobel": 0.5}), "exp.yaml")
    total, terms = weighted_loss(target, prediction, {"depth": depth}, config.weights, config.args)
    assert set(terms) == {"l1", "sobel"}
    mask = depth_edge_mask(depth).numpy()
    error = np.abs(target - prediction)
    sobel = np.mean(0.9 * error * mask + 0.1 * error * (1 - mask))
    assert float(total) == pytest.approx(2.0 * np.mean(error) + 0.5 * sobel, rel=1e-5)


def reference_berhu(target, prediction, fraction=0.2, per_image=True):
    x = np.abs(target.astype(np.float64) - prediction)
    c = fraction * (x.max(axis=(1, 2, 3), keepdims=True) if per_image else x.max())
    return np.mean(np.where(x <= c, x, (x**2 + c**2) / (2 * c)))


def test_berhu_loss_against_numpy():
    target, prediction = pair(5)
    prediction[0] += 3.0  # one image's errors far larger than the other's: the scopes differ
    for per_image in (True, False):
        for fraction in (0.2, 0.5):
            assert float(berhu_loss(target, prediction, None, fraction, per_image)) == pytest.approx(
                reference_berhu(target, prediction, fraction, per_image), rel=1e-5
            )
    assert float(berhu_loss(target, prediction)) != pytest.approx(
        float(berhu_loss(target, prediction, per_image=False)), rel=1e-3
    )


def test_berhu_threshold_at_the_boundary():
    target = np.zeros((1, 1, 3, 1), np.float32)
    prediction = np.array([[[[0.2], [1.0], [0.5]]]], np.float32)  # c = 0.2 * 1.0 = 0.2
    # |x| = c is on the L1 side; both branches agree there: (c^2 + c^2) / (2c) = c.
    expected = np.mean([0.2, (1.0 + 0.04) / 0.4, (0.25 + 0.04) / 0.4])
    assert float(berhu_loss(target, prediction)) == pytest.approx(expected, rel=1e-6)
    assert float(berhu_loss(target, target)) == 0.0


def test_log_l1_gradient_loss_against_numpy():
    rng = np.random.default_rng(6)
    target = rng.random((2, 7, 9, 1)).astype(np.float32)
    gradients = rng.normal(0, 0.3, (2, 7, 9, 2)).astype(np.float32)
    gx = target[:, :, 1:, 0] - target[:, :, :-1, 0]
    gy = target[:, 1:, :, 0] - target[:, :-1, :, 0]
    expected = (
        np.mean(np.log(np.abs(gradients[:, :, :-1, 0] - gx) + 0.5))
        + np.mean(np.log(np.abs(gradients[:, :-1, :, 1] - gy) + 0.5))
    ) / 2
    assert float(log_l1_gradient_loss(target, gradients)) == pytest.approx(expected, rel=1e-5)


def test_describe_loss_names_the_paper_loss_and_any_extra_term():
    assert describe_loss({"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0}) == "the paper's loss (L1 + depth focal + Sobel)"
    assert describe_loss({"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0, "l2": 1000.0}) == (
        "the paper's loss (L1 + depth focal + Sobel) + L2 x1000"
    )
    assert describe_loss({"l1": 1.0, "depth_focal": 0.0, "sobel": 1.0}) == "L1 x1 + Sobel x1"
    assert describe_loss({"berhu": 1.0, "fsim": 1.0}) == "BerHu x1 + FSIM x1"


def test_a_result_row_is_noted_when_its_loss_is_not_eq_5():
    assert loss_note({"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0, "l2": 0.0}) is None
    assert loss_note({"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0, "l2": 1000.0}) == "paper loss + L2 x1000"
    assert loss_note({"l1": 1.0}) == "L1 x1"
    assert loss_note({"berhu": 1.0, "fsim": 1.0}) is None


def test_a_terms_settings_are_its_functions_keyword_arguments_with_their_defaults():
    """`loss.args.<term>.<argument>` reaches the term's function under the same name, its default
    the function's own, and every setting has a check."""
    resolved = resolve_loss_args(LossConfig(weights={"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0}), "exp.yaml")
    assert resolved.args == {
        "l1": {},
        "depth_focal": {"alpha": 0.25, "gamma": 2.0},
        "sobel": {"beta": 0.9, "dilation_size": 3, "dilation_iterations": 1},
    }
    for name, term in LOSSES.items():
        parameters = inspect.signature(term.function).parameters
        assert set(term.defaults) == set(term.checks), name
        assert all(parameters[key].default == value for key, value in term.defaults.items()), name
    given = LossConfig(weights={"berhu": 1.0}, args={"berhu": {"per_image": False, "threshold_fraction": 1}})
    assert resolve_loss_args(given, "exp.yaml").args == {"berhu": {"threshold_fraction": 1.0, "per_image": False}}


def test_a_setting_reaches_the_term():
    target, prediction = pair(7)
    args = {"depth_focal": {"alpha": 0.5, "gamma": 3.0}}
    _, terms = weighted_loss(target, prediction, {}, {"depth_focal": 1.0}, args)
    assert float(terms["depth_focal"]) == pytest.approx(float(depth_focal_loss(target, prediction, 0.5, 3.0)))


@pytest.mark.parametrize(
    "weights, args, fragment",
    [
        ({"l1": 1.0}, {"focal": {}}, "unknown key 'loss.args.focal' (expected one of: l1, l2, depth_focal"),
        ({"l7": 1.0}, {}, "unknown key 'loss.weights.l7'"),
        (
            {"l1": 1.0},
            {"depth_focal": {"beta": 1}},
            "unknown key 'loss.args.depth_focal.beta' (expected one of: alpha, gamma)",
        ),
        ({"l1": 1.0}, {"l1": {"scale": 2}}, "unknown key 'loss.args.l1.scale' (expected one of: none: l1 takes no"),
        ({"sobel": 1.0}, {"sobel": {"beta": 1.5}}, "loss.args.sobel.beta: expected a number in [0, 1], got 1.5"),
        ({"sobel": 1.0}, {"sobel": {"dilation_size": 4}}, "loss.args.sobel.dilation_size: expected an odd integer"),
        ({"berhu": 1.0}, {"berhu": {"per_image": "image"}}, "loss.args.berhu.per_image: expected true"),
        (
            {"berhu": 1.0},
            {"berhu": {"threshold_fraction": 0}},
            "loss.args.berhu.threshold_fraction: expected a number in (0, 1]",
        ),
        ({"fsim": 1.0}, {"fsim": {"max_depth": -1}}, "loss.args.fsim.max_depth: expected null or a number > 0"),
        ({"depth_focal": 1.0}, {"depth_focal": {"gamma": True}}, "loss.args.depth_focal.gamma: expected a number >= 0"),
    ],
)
def test_bad_loss_settings_name_the_full_key(weights, args, fragment):
    with pytest.raises(ConfigError) as error:
        resolve_loss_args(LossConfig(weights=weights, args=args), "exp.yaml")
    assert str(error.value).startswith("exp.yaml: ") and fragment in str(error.value)
