"""Boundary-error simulation of IGDE Sect. 4: "randomly inflate or reduce depth values at object
boundaries".

Reconstruction (NOTES.md): boundaries are the pixels where depth jumps by more than
`edge_threshold` within a 3x3 neighbourhood; random boundary segments (squares of radius
`segment_radius` around random boundary pixels, covering about `boundary_fraction` of the boundary)
get the local maximum (inflate) or minimum (reduce) of depth over a square window of random odd
size in [window_min, window_max], near the boundary only. The error mask is exactly the set of
pixels whose value changed: PSNRf is measured over it, PSNRt over the rest.

Example:
    corrupted, error_mask = corrupt_boundaries(depth, seed=3)
    np.array_equal(error_mask, corrupted != depth)  # True
"""

import numpy as np
from scipy import ndimage


def depth_boundaries(depth, edge_threshold):
    """Pixels whose 3x3 neighbourhood spans a depth jump larger than `edge_threshold`."""
    spread = ndimage.maximum_filter(depth, 3) - ndimage.minimum_filter(depth, 3)
    return spread > edge_threshold


def corrupt_boundaries(depth, seed, edge_threshold=0.06, boundary_fraction=0.6, segment_radius=8,
                       window_min=3, window_max=9, inflate_probability=0.5):
    """Inflates or reduces depth on random boundary segments.

    Args:
        depth: [H, W] float32 depth (any unit; `edge_threshold` is in the same unit).
        seed: integer or tuple of integers; the same seed gives the same corruption.
        edge_threshold: the depth jump that makes a boundary.
        boundary_fraction: about how much of the boundary is corrupted, in [0, 1].
        segment_radius: half the side of one corrupted segment, pixels.
        window_min, window_max: odd bounds of the max / min filter window, pixels.
        inflate_probability: chance that a segment is inflated (local max) rather than reduced.
    Returns:
        (corrupted [H, W] float32, error_mask [H, W] bool): the mask is True exactly where
        `corrupted != depth`.
    """
    rng = np.random.default_rng(seed)
    depth = np.asarray(depth, np.float32)
    boundary = depth_boundaries(depth, edge_threshold)
    ys, xs = np.nonzero(boundary)
    corrupted = depth.copy()
    segment_side = 2 * segment_radius + 1
    count = min(len(ys), int(np.ceil(boundary_fraction * len(ys) / segment_side)))
    if count == 0:
        return corrupted, np.zeros(depth.shape, bool)
    chosen = rng.choice(len(ys), size=count, replace=False)
    windows = rng.choice(np.arange(window_min, window_max + 1, 2), size=count)
    inflate = rng.random(count) < inflate_probability
    for window in np.unique(windows):
        near_boundary = ndimage.binary_dilation(boundary, np.ones((window, window), bool))
        for grow, local_filter in ((True, ndimage.maximum_filter), (False, ndimage.minimum_filter)):
            group = chosen[(windows == window) & (inflate == grow)]
            if len(group) == 0:
                continue
            seeds = np.zeros(depth.shape, bool)
            seeds[ys[group], xs[group]] = True
            region = ndimage.binary_dilation(seeds, np.ones((segment_side, segment_side), bool))
            region &= near_boundary
            corrupted[region] = local_filter(depth, window)[region]
    return corrupted, corrupted != depth
