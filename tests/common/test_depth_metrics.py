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


def test_pooling_over_pixels_against_a_hand_computed_example():
    from common.config import EvalConfig, ExperimentConfig
    from common.training.evaluation import DepthScorer

    # two 12x12 images (SSIM's window needs 11x11); only the pixels below are valid:
    # image 1, two pixels, truth 2 and 4, both predicted 1 too deep; image 2, eight exact pixels
    first_truth, first_pred, first_valid = np.full((12, 12), 2.0), np.full((12, 12), 2.0), np.zeros((12, 12))
    first_truth[0, :2], first_pred[0, :2], first_valid[0, :2] = [2.0, 4.0], [3.0, 5.0], 1
    second_truth, second_valid = np.full((12, 12), 2.0), np.zeros((12, 12))
    second_valid[:2, :4] = 1
    batches = [(first_pred, first_truth, first_valid), (second_truth, second_truth, second_valid)]
    expected = {  # pooled over the 10 pixels / averaged over the two images
        "pixels": {"rms": np.sqrt(2 / 10), "rel": (1 / 2 + 1 / 4) / 10, "delta1": 8 / 10},  # 3/2, 5/4 not < 1.25
        "images": {"rms": (1.0 + 0.0) / 2, "rel": ((1 / 2 + 1 / 4) / 2 + 0) / 2, "delta1": (0 + 1) / 2},
    }
    for pooling, values in expected.items():
        scorer = DepthScorer(ExperimentConfig(eval=EvalConfig(pooling=pooling)))
        state = scorer.start()
        for pred, truth, valid in batches:
            batch = {"target": truth[None, ..., None], "valid": valid[None, ..., None]}
            scorer.update(state, pred[None, ..., None], batch)
        result = scorer.result(state)
        for name, value in values.items():
            assert result[name] == pytest.approx(value, rel=1e-12), (pooling, name)


def test_fcrn_protocol_resizes_the_prediction_and_crops_like_eigen():
    """Hand-computed: the prediction brought bilinearly to the 480x640 ground truth, Eigen's crop
    (rows 45-470, columns 41-600 of the NYU frame), the 10 m cap, and the label of all four."""
    from common.config import EvalConfig, ExperimentConfig
    from common.training.evaluation import DepthScorer, resized_to

    # a row ramp upsampled 2x: OpenCV samples output row r at r / 2 - 1/4 (pixel centres),
    # clamped at the borders, so bilinear interpolation reproduces the ramp there
    ramp = np.repeat(np.arange(6, dtype=np.float32)[:, None], 6, axis=1)[..., None] + 1
    rows = np.clip(np.arange(12) / 2 - 0.25, 0, 5) + 1
    np.testing.assert_allclose(resized_to(ramp, (12, 12, 1))[..., 0], np.repeat(rows[:, None], 12, 1), atol=1e-6)

    truth = np.full((480, 640), 5.0)
    truth[45:471, 41:601] = 3.0  # the crop
    truth[100, 100] = 20.0  # beyond the cap: left out
    prediction = np.full((1, 240, 320, 1), 2.0, np.float32)
    batch = {"target": truth[None, ..., None], "valid": np.ones((1, 480, 640, 1))}
    inside, total = 426 * 560 - 1, 480 * 640 - 1
    for crop, rms in (("eigen", 1.0), (None, np.sqrt((inside * 1 + (total - inside) * 9) / total))):
        config = ExperimentConfig(eval=EvalConfig(resolution="original", crop=crop, max_depth=10.0))
        config.data.image_size = [240, 320]
        scorer = DepthScorer(config)
        state = scorer.start()
        scorer.update(state, prediction, batch)
        assert state[0]["count"] == (inside if crop else total)
        assert scorer.result(state)["rms"] == pytest.approx(rms, rel=1e-12)
    assert scorer.protocol == (
        "pooling: pixels pooled over the test set; resolution: original ground truth "
        "(prediction resized bilinearly); crop: full frame; depth cap: 10 m"
    )
    config.eval.crop, config.eval.resolution, config.eval.max_depth = "eigen", "input", None
    assert DepthScorer(config).protocol == (
        "pooling: pixels pooled over the test set; resolution: 240x320 (network input); crop: eigen; depth cap: none"
    )
