import numpy as np
import pytest
import scipy.sparse as sparse
from scipy import ndimage
from scipy.sparse.linalg import spsolve

from common.irls import IRLS_TOLERANCE, irls_energy, irls_fuse, irls_weights, solve_weighted_system


def difference_operators(height, width):
    """Forward differences with zero flux: one row per existing difference, row-major pixels."""

    def forward(n):
        return sparse.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n))

    dx = sparse.kron(sparse.eye(height), forward(width))
    dy = sparse.kron(forward(height), sparse.eye(width))
    return dx.tocsr(), dy.tocsr()


def reference_solve(depth, grad_x, grad_y, weight_x, weight_y, omega):
    height, width = depth.shape
    dx, dy = difference_operators(height, width)
    wx = sparse.diags(weight_x[:, :-1].ravel())
    wy = sparse.diags(weight_y[:-1].ravel())
    matrix = 2 * sparse.eye(height * width) + omega * (dx.T @ wx @ dx + dy.T @ wy @ dy)
    rhs = 2 * depth.ravel() + omega * (dx.T @ wx @ grad_x[:, :-1].ravel() + dy.T @ wy @ grad_y[:-1].ravel())
    return spsolve(matrix.tocsc(), rhs).reshape(height, width)


def scene(seed, height=20, width=24):
    rng = np.random.default_rng(seed)
    truth = np.full((height, width), 2.0)
    truth[4:14, 6:18] = 1.0 + rng.random()
    truth += np.linspace(0, 0.5, width)[None, :]
    return truth.astype(np.float32)


def gradients(d):
    gx = np.zeros_like(d)
    gy = np.zeros_like(d)
    gx[..., :, :-1] = d[..., :, 1:] - d[..., :, :-1]
    gy[..., :-1, :] = d[..., 1:, :] - d[..., :-1, :]
    return gx, gy


def nhwc(*arrays):
    return [np.asarray(a, np.float32)[None, ..., None] for a in arrays]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inner_solve_matches_scipy_spsolve(seed):
    rng = np.random.default_rng(seed)
    truth = scene(seed)
    depth = truth + rng.normal(0, 0.05, truth.shape).astype(np.float32)
    grad_x, grad_y = gradients(truth + rng.normal(0, 0.01, truth.shape).astype(np.float32))
    current = ndimage.gaussian_filter(depth, 1.0)
    weight_x, weight_y = [w.numpy()[0, ..., 0] for w in irls_weights(*nhwc(current, grad_x, grad_y), eps=1e-3)]
    ours = solve_weighted_system(
        *nhwc(depth, grad_x, grad_y, weight_x, weight_y), omega=10.0, iterations=2000, tol=1e-7
    ).numpy()[0, ..., 0]
    expected = reference_solve(depth.astype(np.float64), grad_x, grad_y, weight_x, weight_y, 10.0)
    assert np.linalg.norm(ours - expected) / np.linalg.norm(expected) < 1e-4


def test_energy_never_increases_across_iterations():
    rng = np.random.default_rng(3)
    truth = scene(3)
    depth = ndimage.gaussian_filter(truth, 2.0) + rng.normal(0, 0.02, truth.shape).astype(np.float32)
    grad_x, grad_y = gradients(truth + rng.normal(0, 0.02, truth.shape).astype(np.float32))
    energies = [float(irls_energy(*nhwc(depth, depth, grad_x, grad_y))[0])]
    for iterations in range(1, 7):
        fused = irls_fuse(*nhwc(depth, grad_x, grad_y), iterations=iterations, tol=0.0, cg_tol=1e-7)
        energies.append(float(irls_energy(fused, *nhwc(depth, grad_x, grad_y))[0]))
    assert all(later <= earlier * (1 + 1e-5) for earlier, later in zip(energies, energies[1:]))
    assert energies[-1] < energies[0]


def test_exact_gradients_recover_the_truth_from_a_blurred_depth():
    truths = np.stack([scene(4), scene(5)])
    blurred = np.stack([ndimage.gaussian_filter(t, 2.0) for t in truths])
    grad_x, grad_y = gradients(truths)
    fused = irls_fuse(blurred[..., None], grad_x[..., None], grad_y[..., None]).numpy()[..., 0]
    error_fused = np.sqrt(np.mean((fused - truths) ** 2))
    error_blurred = np.sqrt(np.mean((blurred - truths) ** 2))
    assert error_fused < 0.1 * error_blurred


def test_runs_inside_tf_function():
    import tensorflow as tf

    depth, grad_x, grad_y = nhwc(scene(6), *gradients(scene(6)))
    compiled = tf.function(irls_fuse)
    np.testing.assert_allclose(compiled(depth, grad_x, grad_y), irls_fuse(depth, grad_x, grad_y), atol=1e-5)


def scipy_minimiser(depth, grad_x, grad_y, omega=10.0, eps=1e-3, iterations=40):
    """The minimiser of E: exact IRLS in float64 (weights in NumPy, each system by spsolve)."""
    depth, grad_x, grad_y = [a.astype(np.float64) for a in (depth, grad_x, grad_y)]
    d = depth
    for _ in range(iterations):
        weight_x, weight_y = np.zeros_like(d), np.zeros_like(d)
        weight_x[:, :-1] = 1 / np.sqrt((np.diff(d, axis=1) - grad_x[:, :-1]) ** 2 + eps**2)
        weight_y[:-1] = 1 / np.sqrt((np.diff(d, axis=0) - grad_y[:-1]) ** 2 + eps**2)
        d = reference_solve(depth, grad_x, grad_y, weight_x, weight_y, omega)
    return d


def noisy_case(seed, height, width):
    rng = np.random.default_rng(seed)
    truth = scene(seed, height, width)
    depth = ndimage.gaussian_filter(truth, 2.0) + rng.normal(0, 0.02, truth.shape).astype(np.float32)
    grad_x, grad_y = gradients(truth + rng.normal(0, 0.01, truth.shape).astype(np.float32))
    return depth, grad_x, grad_y


def test_truncated_inner_solves_never_increase_the_energy():
    # Three CG steps per IRLS iteration, far from solving each system: each step lowers the
    # quadratic majoriser, so the energy falls at every iteration (to float32 summation accuracy).
    depth, grad_x, grad_y = nhwc(*noisy_case(7, 30, 40))
    d, energies = depth, []
    for _ in range(15):
        weight_x, weight_y = irls_weights(d, grad_x, grad_y)
        d = solve_weighted_system(depth, grad_x, grad_y, weight_x, weight_y, initial=d, iterations=3)
        energies.append(float(irls_energy(d, depth, grad_x, grad_y)[0]))
    assert all(later <= earlier * (1 + 1e-6) for earlier, later in zip(energies, energies[1:]))
    assert energies[-1] < 0.5 * energies[0]


@pytest.mark.parametrize("seed, height, width", [(7, 30, 40), (8, 60, 80), (9, 60, 80), (10, 45, 60)])
def test_default_stopping_rule_is_within_the_stated_accuracy_of_the_minimiser(seed, height, width):
    depth, grad_x, grad_y = noisy_case(seed, height, width)
    expected = scipy_minimiser(depth, grad_x, grad_y)
    fused = irls_fuse(*nhwc(depth, grad_x, grad_y)).numpy()[0, ..., 0]
    assert np.linalg.norm(fused - expected) / np.linalg.norm(expected) < IRLS_TOLERANCE
