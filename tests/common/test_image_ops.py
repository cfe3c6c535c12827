import numpy as np
import pytest
from scipy import ndimage
from skimage.filters import threshold_otsu

from common.image_ops import (
    depth_edge_mask,
    forward_difference_x,
    forward_difference_y,
    grey_dilation,
    otsu_threshold,
    sobel_magnitude,
)


def random_depth(seed, shape=(2, 20, 24, 1)):
    rng = np.random.default_rng(seed)
    depth = rng.uniform(0, 1, shape).astype(np.float32)
    depth[:, 5:12, 6:15] += 2.0
    return depth


def test_sobel_magnitude_matches_scipy():
    depth = random_depth(0)
    ours = sobel_magnitude(depth).numpy()
    for image, result in zip(depth[..., 0], ours[..., 0]):
        gx = ndimage.sobel(image, axis=1, mode="mirror")
        gy = ndimage.sobel(image, axis=0, mode="mirror")
        np.testing.assert_allclose(result, np.hypot(gx, gy), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("size, iterations", [(3, 1), (5, 2), (1, 1)])
def test_grey_dilation_matches_scipy(size, iterations):
    depth = random_depth(1)
    expected = depth[..., 0]
    for _ in range(iterations):
        expected = np.stack([ndimage.grey_dilation(d, size=(size, size), mode="nearest") for d in expected])
    np.testing.assert_allclose(grey_dilation(depth, size, iterations).numpy()[..., 0], expected)


def test_otsu_threshold_matches_skimage():
    rng = np.random.default_rng(2)
    images = np.concatenate(
        [rng.normal(0.2, 0.05, (3, 30, 30, 1)), rng.normal(0.7, 0.1, (3, 30, 30, 1))], axis=1
    ).astype(np.float32)
    images[1] = rng.gamma(2.0, 1.0, images[1].shape)
    ours = otsu_threshold(images).numpy()
    for image, threshold in zip(images, ours):
        assert threshold == pytest.approx(threshold_otsu(image[..., 0]), rel=1e-5, abs=1e-6)


def test_otsu_threshold_of_a_constant_image_is_its_value():
    assert otsu_threshold(np.full((1, 8, 8, 1), 0.3, np.float32)).numpy()[0] == pytest.approx(0.3)


def test_depth_edge_mask_is_sobel_dilation_otsu():
    depth = random_depth(3)
    mask = depth_edge_mask(depth, 3, 1).numpy()[..., 0]
    for image, result in zip(depth[..., 0], mask):
        edges = np.hypot(ndimage.sobel(image, 1, mode="mirror"), ndimage.sobel(image, 0, mode="mirror"))
        edges = ndimage.grey_dilation(edges, size=(3, 3), mode="nearest")
        expected = edges > threshold_otsu(edges)
        assert np.mean(result == expected) > 0.995
    assert set(np.unique(mask)) <= {0.0, 1.0}


def test_depth_edge_mask_of_flat_depth_is_empty():
    assert depth_edge_mask(np.full((1, 16, 16, 1), 0.5, np.float32)).numpy().sum() == 0


def test_forward_differences_match_numpy_with_zero_flux():
    depth = random_depth(4)
    dx = forward_difference_x(depth).numpy()
    dy = forward_difference_y(depth).numpy()
    np.testing.assert_allclose(dx[:, :, :-1], np.diff(depth, axis=2), atol=1e-6)
    np.testing.assert_allclose(dy[:, :-1], np.diff(depth, axis=1), atol=1e-6)
    assert not dx[:, :, -1].any() and not dy[:, -1].any()
