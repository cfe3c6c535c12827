"""The classical baselines: the guided filter against a NumPy transcription of He et al.'s
algorithm, the weighted median against SciPy's median when all weights are equal, and the
edge-aware behaviour of every filter on a noisy step that the colour image explains."""

import numpy as np
import pytest
from scipy import ndimage

from common.baselines import (
    FILTERS,
    baseline_methods,
    baseline_prediction,
    guided_filter,
    mean_depth_prediction,
    weighted_median_filter,
)
from common.config.schema import EvalConfig


def _step_scene(seed=0):
    rng = np.random.default_rng(seed)
    image = np.zeros((32, 40, 3), np.float32)
    image[:, 20:] = [0.9, 0.6, 0.3]
    image[:, :20] = [0.1, 0.2, 0.4]
    truth = np.where(np.arange(40) < 20, 0.2, 0.8)[None, :].repeat(32, 0).astype(np.float32)
    noisy = truth + rng.normal(0, 0.05, truth.shape).astype(np.float32)
    return image, truth, noisy


def test_guided_filter_matches_he_et_al_algorithm_1():
    rng = np.random.default_rng(1)
    guide = ndimage.gaussian_filter(rng.random((24, 30)), 2).astype(np.float32)
    depth = rng.random((24, 30)).astype(np.float32)
    radius, eps = 3, 1e-3

    def box(x):
        return ndimage.uniform_filter(x.astype(np.float64), 2 * radius + 1, mode="reflect")  # OpenCV's BORDER_REFLECT

    mean_i, mean_p = box(guide), box(depth)
    a = (box(guide * depth) - mean_i * mean_p) / (box(guide * guide) - mean_i**2 + eps)
    b = mean_p - a * mean_i
    expected = box(a) * guide + box(b)
    result = guided_filter(guide[..., None], depth, radius, eps)[..., 0]
    np.testing.assert_allclose(result, expected, atol=1e-4)


def test_weighted_median_with_equal_weights_is_the_median():
    rng = np.random.default_rng(2)
    depth = rng.integers(0, 50, (20, 24)).astype(np.float32)
    flat = np.full((20, 24, 3), 0.5, np.float32)
    result = weighted_median_filter(flat, depth, radius=2, sigma=25.5)[..., 0]
    expected = ndimage.median_filter(depth, size=5)
    np.testing.assert_array_equal(result[2:-2, 2:-2], expected[2:-2, 2:-2])


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_filters_denoise_and_keep_the_colour_edge(name):
    image, truth, noisy = _step_scene()
    function, settings = FILTERS[name]
    arguments = settings(getattr(EvalConfig(), name))
    filtered = function(image, noisy, *arguments)[..., 0]
    assert filtered.shape == truth.shape and filtered.dtype == np.float32
    assert np.abs(filtered - truth).mean() < 0.6 * np.abs(noisy - truth).mean()
    assert filtered[:, 18].mean() < 0.3 and filtered[:, 21].mean() > 0.7  # the step stays sharp
    constant = function(image, np.full_like(truth, 0.5), *arguments)[..., 0]
    np.testing.assert_allclose(constant, 0.5, atol=2e-3)


def test_mean_depth_and_dispatch():
    rng = np.random.default_rng(3)
    target = rng.uniform(1, 5, (2, 6, 7, 1)).astype(np.float32)
    valid = (rng.random((2, 6, 7, 1)) > 0.3).astype(np.float32)
    prediction = mean_depth_prediction(target, valid)
    for index in range(2):
        assert np.allclose(prediction[index], target[index][valid[index] > 0].mean())
    image, truth, noisy = _step_scene()
    batch = {"image": image[None], "depth": noisy[None, ..., None]}
    assert baseline_prediction("input", batch, EvalConfig()) is batch["depth"]
    filtered = baseline_prediction("guided_filter", batch, EvalConfig())
    np.testing.assert_allclose(filtered[0], guided_filter(image, noisy, 4, 1e-4))


def test_baseline_methods_are_the_named_baselines_with_their_titles():
    image, _, noisy = _step_scene()
    batch = {"image": image[None], "depth": noisy[None, ..., None]}
    methods, titles = baseline_methods(["input", "guided_filter"], EvalConfig())
    assert titles == {"input": "input", "guided_filter": "guided filter"} and list(methods) == list(titles)
    np.testing.assert_array_equal(methods["guided_filter"](batch), guided_filter(image, noisy, 4, 1e-4)[None])
    assert methods["input"](batch) is batch["depth"]
