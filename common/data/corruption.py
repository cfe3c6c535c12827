"""Boundary-error simulation of IGDE Sect. 4: "we randomly inflate or reduce depth values at object
boundaries in all depth maps".

Reconstruction (NOTES.md, calibrated to the paper's Table 1 input row): boundaries are the pixels
where depth jumps by more than `edge_threshold` within a 3x3 neighbourhood. Random boundary
segments (squares of radius `segment_radius` around random boundary pixels) are pushed towards
the local maximum (inflate) or minimum (reduce) of depth over a square window of random odd size
in [window_min, window_max]: a pixel of a segment becomes `d + m (filtered - d)`, with the
magnitude m drawn per segment from [magnitude_min, magnitude_max], near the boundary only.
Segments are added until `error_fraction` of the image's pixels have changed. Depth that is 8-bit
(`levels=255`) is requantised, so the input stays 8-bit like the truth.

The defaults (`common.config.schema.CorruptionConfig`) reproduce Table 1's input statistics: PSNR 36.68
dB and PSNRf 21.10 dB over all and over the erroneous pixels imply that
10^(-(36.68 - 21.10) / 10) = 2.8 % of the pixels are wrong, with an RMSE of 0.088 (22 grey
levels) on them; `python -m commands.corruption` prints what an experiment's data give. The error
mask is exactly the set of pixels whose value changed: PSNRf is measured over it, PSNRt over the
rest.

Example:
    corrupted, error_mask = corrupt_boundaries(depth, seed=3)
    np.array_equal(error_mask, corrupted != depth)  # True
"""

import numpy as np
from scipy import ndimage

from common.config.schema import CorruptionConfig


def depth_boundaries(depth, edge_threshold):
    """Pixels whose 3x3 neighbourhood spans a depth jump larger than `edge_threshold`."""
    spread = ndimage.maximum_filter(depth, 3) - ndimage.minimum_filter(depth, 3)
    return spread > edge_threshold


def corrupt_boundaries(depth, seed, settings=None, levels=None):
    """Inflates or reduces depth on random boundary segments.

    Args:
        depth: [H, W] float32 depth (any unit; `settings.edge_threshold` is in the same unit).
        seed: integer or tuple of integers; the same seed gives the same corruption.
        settings: a `CorruptionConfig` (default: the calibrated defaults). Its fields:
            edge_threshold, the depth jump that makes a boundary; error_fraction, the fraction
            of the image's pixels to change (fewer when the boundaries run out); segment_radius,
            half the side of one segment in pixels; window_min, window_max, odd bounds of the max
            / min filter window; magnitude_min, magnitude_max, bounds of the per-segment
            fraction of the local jump applied (1: the local max / min itself);
            inflate_probability, the chance that a segment is inflated rather than reduced.
        levels: requantise the result to multiples of 1 / levels (255 for 8-bit depth in
            [0, 1]); None keeps it continuous.
    Returns:
        (corrupted [H, W] float32, error_mask [H, W] bool): the mask is True exactly where
        `corrupted != depth`.
    """
    settings = settings or CorruptionConfig()
    rng = np.random.default_rng(seed)
    depth = np.asarray(depth, np.float32)
    boundary = depth_boundaries(depth, settings.edge_threshold)
    ys, xs = np.nonzero(boundary)
    if len(ys) == 0 or settings.error_fraction <= 0:
        return depth.copy(), np.zeros(depth.shape, bool)
    order = rng.permutation(len(ys))
    windows = rng.choice(np.arange(settings.window_min, settings.window_max + 1, 2), size=len(ys))
    inflate = rng.random(len(ys)) < settings.inflate_probability
    magnitudes = rng.uniform(settings.magnitude_min, settings.magnitude_max, len(ys)).astype(np.float32)
    pushed = _pushed_values(depth, boundary, windows, settings.window_max)

    def corrupt_with(count):
        """The corruption by the first `count` segments of `order` (where segments overlap, the
        one drawn from the later boundary pixel wins)."""
        chosen = order[:count]
        labels = np.zeros(depth.shape, np.int64)
        labels[ys[chosen], xs[chosen]] = chosen + 1
        labels = ndimage.maximum_filter(labels, 2 * settings.segment_radius + 1)
        inside = labels > 0
        segment = labels[inside] - 1
        corrupted = depth.copy()
        target = pushed[windows[segment] // 2 - 1, inflate[segment].astype(int), inside]
        magnitude, original = magnitudes[segment], depth[inside]
        moved = (1 - magnitude) * original + magnitude * target  # exactly t when m = 1
        corrupted[inside] = np.where(target == original, original, moved)
        if levels is not None:
            corrupted = np.round(corrupted * levels) / np.float32(levels)
            corrupted = corrupted.astype(np.float32)
        return corrupted

    wanted = settings.error_fraction * depth.size
    low, high = 0, len(ys)  # the fewest segments that reach `wanted`, by bisection
    while low < high:
        middle = (low + high) // 2
        if np.count_nonzero(corrupt_with(middle) != depth) >= wanted:
            high = middle
        else:
            low = middle + 1
    corrupted = corrupt_with(low)
    return corrupted, corrupted != depth


def _pushed_values(depth, boundary, windows, window_max):
    """[window index, inflate, H, W]: the local min / max over each odd window (index w // 2 - 1),
    or the depth itself farther than w // 2 pixels from a boundary."""
    distance = ndimage.distance_transform_cdt(~boundary, metric="chessboard")
    pushed = np.broadcast_to(depth, (window_max // 2, 2) + depth.shape).copy()
    for window in np.unique(windows):
        near = distance <= window // 2
        for grow, local_filter in ((0, ndimage.minimum_filter), (1, ndimage.maximum_filter)):
            pushed[window // 2 - 1, grow] = np.where(near, local_filter(depth, window), depth)
    return pushed
