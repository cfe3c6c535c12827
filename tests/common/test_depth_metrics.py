"""depth_metrics against per-pixel Python loops, scikit-image and SciPy references."""

import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.metrics import structural_similarity

from common.depth_metrics import GSM_KERNELS, depth_metrics, gradient_similarity, valid_mask


def _pair(seed=0, shape=(2, 24, 32)):
    rng = np.random.default_rng(seed)
    target = rng.uniform(0.5, 10.0, shape)
    pred = np.clip(target * rng.uniform(0.7, 1.4, shape), 0.1, None)
    return pred, target


def _loop_reference(pred, target, valid):
    p = [float(a) for a, v in zip(pred.ravel(), valid.ravel()) if v]
    t = [float(b) for b, v in zip(target.ravel(), valid.ravel()) if v]
    n = len(p)
    return {
        "rms": math.sqrt(sum((a - b) ** 2 for a, b in zip(p, t)) / n),
        "rms_log": math.sqrt(sum((math.log(a) - math.log(b)) ** 2 for a, b in zip(p, t)) / n),
        "rel": sum(abs(a - b) / b for a, b in zip(p, t)) / n,
        "log10": sum(abs(math.log10(a) - math.log10(b)) for a, b in zip(p, t)) / n,
        **{f"delta{k}": sum(max(a / b, b / a) < 1.25**k for a, b in zip(p, t)) / n for k in (1, 2, 3)},
    }


def test_pixel_metrics_match_loops_over_valid_pixels_only():
    pred, target = _pair()
    target[0, :3] = 0.0
    target[1, 5, 5] = np.nan
    target[1, 6, 6] = np.inf
    valid = np.ones_like(target, bool)
    valid[1, 10:] = False
    results = depth_metrics(target, pred, valid)
    expected = _loop_reference(pred, target, np.isfinite(target) & (np.nan_to_num(target) > 0) & valid)
    for name, value in expected.items():
        assert results[name] == pytest.approx(value, rel=1e-9), name


def test_cap_and_eigen_crop():
    pred, target = _pair(1, (1, 480, 640))
    mask = valid_mask(target, max_depth=5.0, crop="eigen")
    window = np.zeros((1, 480, 640), bool)
    window[:, 45:471, 41:601] = True
    np.testing.assert_array_equal(mask, window & (target <= 5.0))
    capped = depth_metrics(target, pred, max_depth=5.0, crop="eigen")
    expected = _loop_reference(np.clip(pred, 1e-3, 5.0)[:, ::7, ::7], target[:, ::7, ::7], mask[:, ::7, ::7])
    sub = depth_metrics(target[:, ::7, ::7], pred[:, ::7, ::7], valid=mask[:, ::7, ::7], max_depth=5.0)
    assert sub["rms"] == pytest.approx(expected["rms"], rel=1e-9)
    assert capped["rms"] > 0


def test_perfect_prediction_and_ssim_against_skimage():
    _, target = _pair(2, (1, 32, 40))
    perfect = depth_metrics(target, target)
    assert perfect["rms"] == 0 and perfect["delta1"] == 1 and perfect["mge"] == 0
    assert perfect["ssim"] == pytest.approx(1.0) and perfect["gsm"] == pytest.approx(1.0)
    pred = ndimage.gaussian_filter(target[0], 1.0)
    # Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, population statistics
    ssim = structural_similarity(
        target[0], pred, data_range=np.ptp(target[0]), gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert depth_metrics(target[0], pred)["ssim"] == pytest.approx(ssim, rel=1e-9)
    uniform_7x7 = structural_similarity(target[0], pred, data_range=np.ptp(target[0]))
    assert abs(uniform_7x7 - ssim) > 1e-3  # scikit-image's default window is a different metric


def test_gsm_against_scipy_correlate_reference():
    _, target = _pair(3, (1, 30, 36))
    target = ndimage.gaussian_filter(target[0], 1.5)
    pred = target + np.random.default_rng(4).normal(0, 0.3, target.shape)
    mask = np.ones(target.shape, bool)
    scale = 255.0 / target.max()
    p, t = pred * scale, target * scale
    g_p = np.max([np.abs(ndimage.correlate(p, k, mode="mirror")) for k in GSM_KERNELS], axis=0)
    g_t = np.max([np.abs(ndimage.correlate(t, k, mode="mirror")) for k in GSM_KERNELS], axis=0)
    r = np.abs(g_p - g_t) / np.maximum(g_p, g_t)
    k = 200.0 / np.maximum(g_p, g_t).max()
    s = (2 * (1 - r) + k) / (1 + (1 - r) ** 2 + k)
    w = 0.1 * s
    expected = np.mean((1 - w) * s + w * (1 - ((p - t) / 255) ** 2))
    assert gradient_similarity(pred, target, mask) == pytest.approx(expected, rel=1e-4)
    worse = target + np.random.default_rng(4).normal(0, 1.0, target.shape)
    assert gradient_similarity(worse, target, mask) < gradient_similarity(pred, target, mask)


def test_mge_is_the_mean_gradient_difference():
    target = np.tile(np.arange(14, dtype=float), (12, 1)) + 1.0  # d/dx = 1, d/dy = 0
    pred = 2 * target  # d/dx = 2
    assert depth_metrics(target, pred)["mge"] == pytest.approx(1.0)


def test_all_invalid_is_a_clear_error():
    pred, target = _pair()
    with pytest.raises(ValueError, match="no valid ground-truth pixels"):
        depth_metrics(np.zeros_like(target), pred)
    with pytest.raises(ValueError, match="no valid"):
        depth_metrics(target, pred, valid=np.zeros_like(target, bool))


def _one_pass(config, batches):
    """{protocol: metrics} of the prediction batches `batches` ([(prediction, batch)]) under every
    protocol of `config`, scored by `score_methods` in one pass; asserts the method ran once a
    batch."""
    import tensorflow as tf

    from common.evaluation.scoring import make_scorers, score_methods

    predictions = iter([prediction for prediction, _ in batches])
    calls = []

    def method(batch):
        calls.append(1)
        return next(predictions)

    samples = [batch for _, batch in batches]
    dataset = tf.data.Dataset.from_generator(
        lambda: iter(samples),
        output_signature={key: tf.TensorSpec(None, tf.float64) for key in samples[0]},
    )
    tables, _, _ = score_methods({"method": method}, dataset, make_scorers("monocular", "depth", config))
    assert len(calls) == len(batches)
    return {protocol: rows["method"] for protocol, rows in tables.items()}


def test_pooling_over_pixels_and_images_in_one_pass_against_a_hand_computed_example():
    from common.config.schema import EvalConfig, ExperimentConfig, ProtocolConfig

    # two 12x12 images (SSIM's window needs 11x11); only the pixels below are valid:
    # image 1, two pixels, truth 2 and 4, both predicted 1 too deep; image 2, eight exact pixels
    first_truth, first_pred, first_valid = np.full((12, 12), 2.0), np.full((12, 12), 2.0), np.zeros((12, 12))
    first_truth[0, :2], first_pred[0, :2], first_valid[0, :2] = [2.0, 4.0], [3.0, 5.0], 1
    second_truth, second_valid = np.full((12, 12), 2.0), np.zeros((12, 12))
    second_valid[:2, :4] = 1
    batches = [
        (pred[None, ..., None], {"target": truth[None, ..., None], "valid": valid[None, ..., None]})
        for pred, truth, valid in [(first_pred, first_truth, first_valid), (second_truth, second_truth, second_valid)]
    ]
    expected = {  # pooled over the 10 pixels / averaged over the two images
        "own": {"rms": np.sqrt(2 / 10), "rel": (1 / 2 + 1 / 4) / 10, "delta1": 8 / 10},  # 3/2, 5/4 not < 1.25
        "per_image": {"rms": (1.0 + 0.0) / 2, "rel": ((1 / 2 + 1 / 4) / 2 + 0) / 2, "delta1": (0 + 1) / 2},
        "capped": {"rms": np.sqrt(1 / 9), "rel": (1 / 2) / 9, "delta1": 8 / 9},  # the 4 m pixel left out
    }
    protocols = {"per_image": ProtocolConfig(pooling="images"), "capped": ProtocolConfig(max_depth=3.0)}
    results = _one_pass(ExperimentConfig(eval=EvalConfig(protocols=protocols)), batches)
    assert list(results) == ["own", "per_image", "capped"]
    for protocol, values in expected.items():
        for name, value in values.items():
            assert results[protocol][name] == pytest.approx(value, rel=1e-12), (protocol, name)


def test_fcrn_protocol_resizes_the_prediction_and_crops_like_eigen():
    """Hand-computed: the prediction brought bilinearly to the 480x640 ground truth, Eigen's crop
    (rows 45-470, columns 41-600 of the NYU frame) and the 10 m cap, each a protocol of one pass
    beside the experiment's own at the 240x320 input; and the labels."""
    from common.config.schema import EvalConfig, ExperimentConfig, ProtocolConfig
    from common.evaluation.protocol import DepthScorer, resized_to

    # clamped at the borders, so bilinear interpolation reproduces the ramp there
    ramp = np.repeat(np.arange(6, dtype=np.float32)[:, None], 6, axis=1)[..., None] + 1
    rows = np.clip(np.arange(12) / 2 - 0.25, 0, 5) + 1
    np.testing.assert_allclose(resized_to(ramp, (12, 12, 1))[..., 0], np.repeat(rows[:, None], 12, 1), atol=1e-6)

    truth = np.full((480, 640), 5.0)
    truth[45:471, 41:601] = 3.0  # the crop
    truth[100, 100] = 20.0  # beyond the cap: left out
    prediction = np.full((1, 240, 320, 1), 2.0, np.float32)
    small_truth = np.full((1, 240, 320, 1), 4.0)  # the input-size truth: every pixel 2 m off
    batch = {
        "target": small_truth,
        "valid": np.ones((1, 240, 320, 1)),
        "original_target": truth[None, ..., None],
        "original_valid": np.ones((1, 480, 640, 1)),
    }
    inside, total = 426 * 560 - 1, 480 * 640 - 1
    protocols = {
        "eigen": ProtocolConfig(resolution="original", crop="eigen", max_depth=10.0),
        "fcrn": ProtocolConfig(resolution="original", max_depth=10.0),
    }
    config = ExperimentConfig(eval=EvalConfig(protocols=protocols))
    config.data.image_size = [240, 320]
    results = _one_pass(config, [(prediction, batch)])
    assert results["own"]["rms"] == pytest.approx(2.0, rel=1e-12)
    assert results["eigen"]["rms"] == pytest.approx(1.0, rel=1e-12)
    assert results["fcrn"]["rms"] == pytest.approx(np.sqrt((inside * 1 + (total - inside) * 9) / total), rel=1e-12)
    assert DepthScorer(protocols["fcrn"], config).protocol == (
        "pooling: pixels pooled over the test set; resolution: original ground truth "
        "(prediction resized bilinearly); crop: full frame; depth cap: 10 m"
    )
    assert DepthScorer(ProtocolConfig(crop="eigen"), config).protocol == (
        "pooling: pixels pooled over the test set; resolution: 240x320 (network input); crop: eigen; depth cap: none"
    )
