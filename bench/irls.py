"""IRLS fusion time at equal accuracy: the TF fusion (`common.irls.irls_fuse`, truncated
Jacobi-preconditioned CG inside each IRLS iteration) against the same IRLS iterations with each
weighted system solved by SciPy's sparse direct solver (`scipy.sparse.linalg.spsolve`) and by an
algebraic multigrid solver (pyamg's Ruge-Stuben AMG as a CG preconditioner), side by side in one
run on the same inputs.

    pip install -e ".[bench]"   # pyamg
    python bench/irls.py [--repeats 3] [--sizes 240x320 480x640]

Inputs: a generated scene's depth blurred (sigma 2) as the depth estimate, and its gradients plus
Gaussian noise (sigma 5 mm per pixel) as the predicted gradients; omega 10, eps 1e-3. Accuracy is
the relative distance to the minimiser of the fusion energy, found by exact IRLS in float64 run to
convergence. For each size the table gives our fusion with its default stopping rule (with and without
XLA; XLA, the default, is compiled before timing), and for each
reference the fewest IRLS iterations that reach at least our accuracy, the time they take, and the
time per IRLS iteration; the speed-ups are the references' times over ours.
"""

import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np
import scipy.sparse as sparse
import tensorflow as tf
from scipy import ndimage
from scipy.sparse.linalg import spsolve

from common.data.synthetic import generate_scene
from common.irls import OMEGA, PHI_EPS, irls_fuse

GRADIENT_NOISE = 0.005
MINIMISER_ITERATIONS = 30
CONVERGED = 1e-12  # relative change at which exact float64 IRLS has found the minimiser


def difference_operators(height, width):
    def forward(n):
        return sparse.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n))

    return (
        sparse.kron(sparse.eye(height), forward(width)).tocsr(),
        sparse.kron(forward(height), sparse.eye(width)).tocsr(),
    )


def reference_irls(depth, grad_x, grad_y, solve, done):
    """Exact IRLS in float64, each weighted system solved by `solve(matrix, rhs, start)`, until
    `done(previous, current)` or MINIMISER_ITERATIONS.

    Returns:
        (iterates, cumulative seconds after each iteration).
    """
    height, width = depth.shape
    dx, dy = difference_operators(height, width)
    gx, gy = grad_x[:, :-1].ravel().astype(np.float64), grad_y[:-1].ravel().astype(np.float64)
    estimate = depth.ravel().astype(np.float64)
    d, iterates, seconds, started = estimate, [], [], time.perf_counter()
    for _ in range(MINIMISER_ITERATIONS):
        wx = sparse.diags(1.0 / np.sqrt((dx @ d - gx) ** 2 + PHI_EPS**2))
        wy = sparse.diags(1.0 / np.sqrt((dy @ d - gy) ** 2 + PHI_EPS**2))
        matrix = (2 * sparse.eye(height * width) + OMEGA * (dx.T @ wx @ dx + dy.T @ wy @ dy)).tocsr()
        previous, d = d, solve(matrix, 2 * estimate + OMEGA * (dx.T @ wx @ gx + dy.T @ wy @ gy), d)
        seconds.append(time.perf_counter() - started)
        iterates.append(d.reshape(height, width))
        if done(previous, d):
            break
    return iterates, seconds


def direct_solve(matrix, rhs, start):
    return spsolve(matrix.tocsc(), rhs)


def amg_solve(matrix, rhs, start):
    import pyamg

    return pyamg.ruge_stuben_solver(matrix).solve(rhs, x0=start, tol=1e-8, accel="cg")


def inputs(height, width):
    truth = generate_scene(0, height, width)["depth"].astype(np.float64)
    noise = np.random.default_rng(0).normal(0, GRADIENT_NOISE, (2, height, width))
    grad_x = np.zeros_like(truth)
    grad_y = np.zeros_like(truth)
    grad_x[:, :-1] = np.diff(truth, axis=1) + noise[0, :, :-1]
    grad_y[:-1] = np.diff(truth, axis=0) + noise[1, :-1]
    return [a.astype(np.float32) for a in (ndimage.gaussian_filter(truth, 2.0), grad_x, grad_y)]


def relative_error(d, minimiser):
    return float(np.linalg.norm(d - minimiser) / np.linalg.norm(minimiser))


def time_ours(depth, grad_x, grad_y, repeats, jit_compile):
    fuse = tf.function(
        lambda d, gx, gy: irls_fuse(d, gx, gy, OMEGA, PHI_EPS, jit_compile=jit_compile, return_iterations=True)
    )
    batch = [tf.constant(a[None, ..., None]) for a in (depth, grad_x, grad_y)]
    fuse(*batch)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fused, iterations = fuse(*batch)
        fused = fused.numpy()[0, ..., 0]
        times.append(time.perf_counter() - started)
    return fused, int(iterations), min(times)


def to_accuracy(iterates, seconds, minimiser, target):
    """(iterations, seconds) of the first reference iterate at least as accurate as `target`."""
    for count, (d, elapsed) in enumerate(zip(iterates, seconds), start=1):
        if relative_error(d, minimiser) <= target:
            return count, elapsed
    raise RuntimeError(f"the reference did not reach {target:.1e} in {len(iterates)} iterations")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timings of ours; the best is printed")
    parser.add_argument("--sizes", nargs="+", default=["240x320", "480x640"], help="HxW")
    args = parser.parse_args()
    print(f"device: {tf.config.list_physical_devices('GPU') or 'CPU'}; omega {OMEGA}, eps {PHI_EPS}")
    print(
        "| size | solver | IRLS iterations | seconds | s per iteration | error vs minimiser | "
        "speed-up (total) | speed-up (per iteration) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    per_iteration = {}
    for size in args.sizes:
        height, width = (int(n) for n in size.split("x"))
        depth, grad_x, grad_y = inputs(height, width)
        exact, direct_seconds = reference_irls(
            depth,
            grad_x,
            grad_y,
            direct_solve,
            lambda previous, d: np.linalg.norm(d - previous) <= CONVERGED * np.linalg.norm(d),
        )
        minimiser = exact[-1]
        for jit_compile in (False, True):  # the default, XLA, last: the references are timed against it
            fused, iterations, seconds = time_ours(depth, grad_x, grad_y, args.repeats, jit_compile)
            error = relative_error(fused, minimiser)
            per_iteration.setdefault(jit_compile, {})[size] = seconds / iterations
            print(
                f"| {size} | ours (TF, truncated PCG{', XLA' if jit_compile else ', no XLA'}) | {iterations} | "
                f"{seconds:.3f} | {seconds / iterations:.4f} | {error:.1e} | | |"
            )
        amg = reference_irls(
            depth,
            grad_x,
            grad_y,
            amg_solve,
            lambda previous, d: relative_error(d.reshape(height, width), minimiser) <= error,
        )
        for name, (iterates, elapsed) in (("SciPy spsolve", (exact, direct_seconds)), ("pyamg AMG-CG", amg)):
            count, total = to_accuracy(iterates, elapsed, minimiser, error)
            print(
                f"| {size} | {name} | {count} | {total:.3f} | {total / count:.4f} | "
                f"{relative_error(iterates[count - 1], minimiser):.1e} | {total / seconds:.1f}x | "
                f"{total / count / per_iteration[True][size]:.1f}x |"
            )
    for jit_compile, times in per_iteration.items():
        if len(times) == 2:
            small, large = times.values()
            print(
                f"ours{' (XLA)' if jit_compile else ' (no XLA)'}, time per IRLS iteration, "
                f"{args.sizes[1]} over {args.sizes[0]}: {large / small:.2f}x"
            )


if __name__ == "__main__":
    main()
