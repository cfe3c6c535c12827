import numpy as np

from common.data.corruption import depth_boundaries
from common.data.synthetic import generate_scene, normalized_disparity


def test_scene_shapes_types_and_determinism():
    scene = generate_scene(7, 40, 56)
    assert scene["image"].shape == (40, 56, 3) and scene["image"].dtype == np.uint8
    assert scene["depth"].shape == (40, 56) and scene["depth"].dtype == np.float32
    assert np.all(scene["depth"] > 0)
    again = generate_scene(7, 40, 56)
    np.testing.assert_array_equal(scene["image"], again["image"])
    assert not np.array_equal(scene["image"], generate_scene(8, 40, 56)["image"])


def test_depth_edges_mostly_coincide_with_colour_edges_but_not_all_colour_edges_are_depth_edges():
    depth_edge_hits, colour_only = [], []
    for seed in range(6):
        scene = generate_scene(seed, 96, 128)
        depth = normalized_disparity(scene["depth"])
        grey = scene["image"].astype(np.float32).mean(-1)
        colour_edges = np.hypot(*np.gradient(grey)) > 12
        depth_edges = depth_boundaries(depth, 0.06)
        depth_edge_hits.append(colour_edges[depth_edges].mean())
        colour_only.append((colour_edges & ~depth_edges).mean())
    assert np.mean(depth_edge_hits) > 0.5
    assert np.mean(colour_only) > 0.02


def test_normalized_disparity_is_8_bit_near_bright():
    depth = np.array([[1.0, 2.0], [4.0, 8.0]], np.float32)
    disparity = normalized_disparity(depth)
    np.testing.assert_allclose(disparity, np.round(255 * np.array([[1, 0.5], [0.25, 0.125]])) / 255)
    assert disparity.max() == 1.0
