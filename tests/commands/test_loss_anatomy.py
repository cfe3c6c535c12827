import numpy as np
import pytest

from commands.loss_anatomy import mask_statistics, term_pulls
from common.config.schema import LossConfig


def test_mask_statistics_count_recall_and_precision():
    corrupted = np.array([[1, 1, 0, 0], [0, 0, 0, 0]], bool)
    depth_edges = np.array([[1, 0, 1, 1], [0, 0, 0, 0]], bool)
    colour_edges = np.array([[0, 0, 1, 0], [0, 0, 0, 0]], bool)
    statistics = mask_statistics(corrupted, depth_edges, colour_edges)
    assert statistics["fraction"] == 3 / 8 and statistics["recall"] == 1 / 2 and statistics["precision"] == 1 / 3
    # depth edges without a colour edge: (0, 0) and (0, 3); one of them corrupted.
    assert statistics["mismatch_fraction"] == 2 / 8
    assert statistics["mismatch_recall"] == 1 / 2 and statistics["mismatch_precision"] == 1 / 2


def test_l1_pulls_every_pixel_alike_and_l2_by_its_error():
    rng = np.random.default_rng(0)
    target = np.round(rng.random((2, 16, 16, 1)) * 255) / 255
    error_mask = (rng.random(target.shape) < 0.1).astype(np.float32)
    depth = np.clip(target + 0.2 * error_mask, 0, 1)
    batch = {k: v.astype(np.float32) for k, v in {"target": target, "depth": depth, "error_mask": error_mask}.items()}
    pulls = term_pulls(batch, LossConfig(), noise=0.8)
    corrupted = np.mean((error_mask > 0) & (depth != target))  # the pixels the input got wrong
    # |d L1 / d d| is 1 / N at every pixel with an error, so the corrupted pixels' share is their share;
    # L2's pull grows with the error: most of it comes from the corrupted pixels.
    assert pulls["l1"][2] == pytest.approx(corrupted, rel=1e-5)
    assert pulls["l1"][2] < 0.5 < pulls["l2"][2]
