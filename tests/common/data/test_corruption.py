import dataclasses

import numpy as np
import pytest
from scipy import ndimage

from common.config.schema import CorruptionConfig
from common.data.corruption import corrupt_boundaries, depth_boundaries
from common.data.synthetic import EIGHT_BIT_LEVELS, generate_scene, normalized_disparity


def step_depth():
    depth = np.full((40, 50), 0.2, np.float32)
    depth[10:30, 15:35] = 0.8
    return depth


def settings(**changes):
    return dataclasses.replace(CorruptionConfig(), **changes)


def test_mask_marks_exactly_the_changed_pixels():
    depth = normalized_disparity(generate_scene(0, 48, 64)["depth"])
    corrupted, mask = corrupt_boundaries(depth, seed=1)
    assert mask.any()
    np.testing.assert_array_equal(mask, corrupted != depth)
    np.testing.assert_array_equal(corrupted[~mask], depth[~mask])


def test_changes_stay_near_boundaries_and_within_the_local_range():
    depth = step_depth()
    full = settings(window_max=5, magnitude_min=1.0, magnitude_max=1.0, error_fraction=1.0)
    corrupted, mask = corrupt_boundaries(depth, seed=2, settings=full)
    near = ndimage.binary_dilation(depth_boundaries(depth, 0.03), np.ones((5, 5), bool))
    assert mask.any() and not (mask & ~near).any()
    assert set(np.unique(corrupted)) <= {np.float32(0.2), np.float32(0.8)}


def test_each_segment_moves_by_a_fraction_of_the_jump_in_the_magnitude_range():
    corrupted, mask = corrupt_boundaries(step_depth(), seed=6, settings=settings(error_fraction=0.2))
    fractions = np.abs(corrupted - step_depth())[mask] / 0.6
    assert mask.any()
    assert fractions.min() >= 0.14 - 1e-6 and fractions.max() <= 0.41 + 1e-6
    assert fractions.max() - fractions.min() > 0.1  # drawn per segment, not one value


@pytest.mark.parametrize("fraction", [0.01, 0.03, 0.06])
def test_the_corrupted_fraction_reaches_the_target_by_at_most_one_segment(fraction):
    depth = normalized_disparity(generate_scene(7, 96, 128)["depth"])
    radius = CorruptionConfig().segment_radius
    _, mask = corrupt_boundaries(depth, seed=7, settings=settings(error_fraction=fraction), levels=EIGHT_BIT_LEVELS)
    one_segment = (2 * radius + 1) ** 2 / depth.size
    assert fraction <= mask.mean() <= fraction + one_segment


def test_eight_bit_depth_stays_eight_bit():
    depth = normalized_disparity(generate_scene(3, 48, 64)["depth"])
    corrupted, mask = corrupt_boundaries(depth, seed=3, levels=EIGHT_BIT_LEVELS)
    levels = corrupted * EIGHT_BIT_LEVELS
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-4)
    assert mask.any() and np.array_equal(mask, corrupted != depth)


def test_deterministic_per_seed_and_configurable():
    depth = step_depth()
    first, _ = corrupt_boundaries(depth, seed=3)
    again, _ = corrupt_boundaries(depth, seed=3)
    other, _ = corrupt_boundaries(depth, seed=4)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    none, mask = corrupt_boundaries(depth, seed=3, settings=settings(error_fraction=0.0))
    assert not mask.any() and np.array_equal(none, depth)


@pytest.mark.parametrize("probability, direction", [(1.0, 1), (0.0, -1)])
def test_inflate_and_reduce(probability, direction):
    depth = step_depth()
    corrupted, mask = corrupt_boundaries(depth, seed=5, settings=settings(inflate_probability=probability))
    assert mask.any() and np.all(np.sign(corrupted[mask] - depth[mask]) == direction)


def test_flat_depth_is_left_alone():
    depth = np.full((20, 20), 0.5, np.float32)
    corrupted, mask = corrupt_boundaries(depth, seed=0)
    assert not mask.any() and np.array_equal(corrupted, depth)
