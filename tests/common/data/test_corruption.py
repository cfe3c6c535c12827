import numpy as np
import pytest

from common.data.corruption import corrupt_boundaries, depth_boundaries
from common.data.synthetic import generate_scene, normalized_disparity


def step_depth():
    depth = np.full((40, 50), 0.2, np.float32)
    depth[10:30, 15:35] = 0.8
    return depth


def test_mask_marks_exactly_the_changed_pixels():
    depth = normalized_disparity(generate_scene(0, 48, 64)["depth"])
    corrupted, mask = corrupt_boundaries(depth, seed=1)
    assert mask.any()
    np.testing.assert_array_equal(mask, corrupted != depth)
    np.testing.assert_array_equal(corrupted[~mask], depth[~mask])


def test_changes_stay_near_boundaries_and_within_the_local_range():
    depth = step_depth()
    corrupted, mask = corrupt_boundaries(depth, seed=2, window_max=5, boundary_fraction=1.0)
    from scipy import ndimage
    near = ndimage.binary_dilation(depth_boundaries(depth, 0.06), np.ones((5, 5), bool))
    assert mask.any() and not (mask & ~near).any()
    assert set(np.unique(corrupted)) <= {np.float32(0.2), np.float32(0.8)}


def test_deterministic_per_seed_and_configurable():
    depth = step_depth()
    first, _ = corrupt_boundaries(depth, seed=3)
    again, _ = corrupt_boundaries(depth, seed=3)
    other, _ = corrupt_boundaries(depth, seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    none, mask = corrupt_boundaries(depth, seed=3, boundary_fraction=0.0)
    assert not mask.any() and np.array_equal(none, depth)


@pytest.mark.parametrize("probability, direction", [(1.0, 1), (0.0, -1)])
def test_inflate_and_reduce(probability, direction):
    depth = step_depth()
    corrupted, mask = corrupt_boundaries(depth, seed=5, inflate_probability=probability)
    assert mask.any() and np.all(np.sign(corrupted[mask] - depth[mask]) == direction)


def test_flat_depth_is_left_alone():
    depth = np.full((20, 20), 0.5, np.float32)
    corrupted, mask = corrupt_boundaries(depth, seed=0)
    assert not mask.any() and np.array_equal(corrupted, depth)
