import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from common.metrics import MaskedPSNR, enhancement_metrics


def sample(seed, shape=(2, 24, 32, 1)):
    rng = np.random.default_rng(seed)
    target = rng.uniform(0, 1, shape).astype(np.float32)
    prediction = np.clip(target + rng.normal(0, 0.05, shape), 0, 1).astype(np.float32)
    mask = (rng.random(shape) > 0.8).astype(np.float32)
    return prediction, target, mask


def reference_psnr(prediction, target, selected):
    mse = np.mean((255.0 * (prediction[selected].astype(np.float64) - target[selected])) ** 2)
    return 10 * np.log10(255.0**2 / mse)


def test_enhancement_metrics_against_numpy_and_skimage():
    prediction, target, mask = sample(0)
    result = enhancement_metrics(target, prediction, mask)
    assert result["psnr"] == pytest.approx(
        peak_signal_noise_ratio(target.astype(np.float64), prediction.astype(np.float64), data_range=1.0), abs=1e-4
    )
    assert result["psnr_t"] == pytest.approx(reference_psnr(prediction, target, mask == 0), abs=1e-4)
    assert result["psnr_f"] == pytest.approx(reference_psnr(prediction, target, mask == 1), abs=1e-4)
    assert result["rmse"] == pytest.approx(np.sqrt(np.mean((prediction.astype(np.float64) - target) ** 2)), rel=1e-5)
    for key, data_range in (("ssim", 1.0), ("ssim_paper", 255.0)):
        expected = np.mean(
            [
                structural_similarity(
                    t[..., 0],
                    p[..., 0],
                    data_range=data_range,
                    gaussian_weights=True,
                    sigma=1.5,
                    use_sample_covariance=False,
                )
                for p, t in zip(prediction, target)
            ]
        )
        assert result[key] == pytest.approx(expected, abs=1e-4)
    assert result["ssim_paper"] > result["ssim"]


def test_psnr_and_rmse_agree_as_in_the_paper():
    prediction, target, mask = sample(1)
    result = enhancement_metrics(target, prediction, mask)
    assert result["psnr"] == pytest.approx(-20 * np.log10(result["rmse"]), abs=1e-3)


def test_empty_error_mask_gives_absent_psnr_f():
    prediction, target, _ = sample(2)
    result = enhancement_metrics(target, prediction, np.zeros_like(target))
    assert result["psnr_f"] is None
    assert result["psnr_t"] == pytest.approx(result["psnr"], abs=1e-6)


def test_full_error_mask_gives_absent_psnr_t():
    prediction, target, _ = sample(3)
    result = enhancement_metrics(target, prediction, np.ones_like(target))
    assert result["psnr_t"] is None
    assert result["psnr_f"] == pytest.approx(result["psnr"], abs=1e-6)


def test_zero_error_is_absent_like_the_papers_none():
    _, target, mask = sample(4)
    result = enhancement_metrics(target, target, mask)
    assert result["psnr"] is None and result["psnr_t"] is None and result["psnr_f"] is None
    assert result["rmse"] == 0.0 and result["ssim"] == pytest.approx(1.0)


def test_masked_psnr_accumulates_over_batches():
    prediction, target, mask = sample(5)
    metric = MaskedPSNR("erroneous")
    for i in range(len(target)):
        metric.update_state(target[i : i + 1], prediction[i : i + 1], sample_weight=mask[i : i + 1])
    assert float(metric.result()) == pytest.approx(reference_psnr(prediction, target, mask == 1), abs=1e-4)


def test_per_image_pooling_averages_each_images_psnr_and_rmse():
    """Against scikit-image's PSNR per image; the third image has no erroneous pixel and is left
    out of PSNRf's average; per-image PSNR is at least the pooled one (Jensen)."""
    prediction, target, mask = sample(6, shape=(3, 24, 32, 1))
    prediction[1] = np.clip(target[1] + 0.2 * (prediction[1] - target[1]), 0, 1)  # a much better image
    mask[2] = 0.0
    result = enhancement_metrics(target, prediction, mask, pooling="images")
    t64, p64 = target.astype(np.float64), prediction.astype(np.float64)
    per_image = [peak_signal_noise_ratio(t, p, data_range=1.0) for t, p in zip(t64, p64)]
    assert result["psnr"] == pytest.approx(np.mean(per_image), abs=1e-4)
    psnr_f = [reference_psnr(p, t, m == 1) for p, t, m in zip(prediction[:2], target[:2], mask[:2])]
    assert result["psnr_f"] == pytest.approx(np.mean(psnr_f), abs=1e-4)
    rmse = [np.sqrt(np.mean((p - t) ** 2)) for p, t in zip(p64, t64)]
    assert result["rmse"] == pytest.approx(np.mean(rmse), rel=1e-5)
    pooled = enhancement_metrics(target, prediction, mask)
    assert result["psnr"] > pooled["psnr"] + 1.0 and result["ssim"] == pytest.approx(pooled["ssim"])
