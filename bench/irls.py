"""IRLS fusion time: the TF matrix-free PCG solver (`common.irls.irls_fuse`) against a SciPy sparse
direct solve (`scipy.sparse.linalg.spsolve`) of the same IRLS iterations.

    python bench/irls.py [--iterations 5] [--repeats 3]

Prints seconds per image for 240x320 and 480x640 depth maps, and the relative difference of the
two results.
"""

import argparse
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import scipy.sparse as sparse  # noqa: E402
import tensorflow as tf  # noqa: E402
from scipy import ndimage  # noqa: E402
from scipy.sparse.linalg import spsolve  # noqa: E402

from common.data.synthetic import generate_scene  # noqa: E402
from common.irls import irls_fuse  # noqa: E402

OMEGA, EPS = 10.0, 1e-3
SIZES = ((240, 320), (480, 640))


def scipy_irls(depth, grad_x, grad_y, iterations):
    """The same IRLS iterations with each weighted system assembled and solved directly."""
    height, width = depth.shape

    def forward(n):
        return sparse.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n))

    dx = sparse.kron(sparse.eye(height), forward(width)).tocsr()
    dy = sparse.kron(forward(height), sparse.eye(width)).tocsr()
    gx, gy = grad_x[:, :-1].ravel(), grad_y[:-1].ravel()
    estimate = depth.ravel().astype(np.float64)
    d = estimate.copy()
    for _ in range(iterations):
        wx = sparse.diags(1.0 / np.sqrt((dx @ d - gx) ** 2 + EPS ** 2))
        wy = sparse.diags(1.0 / np.sqrt((dy @ d - gy) ** 2 + EPS ** 2))
        matrix = 2 * sparse.eye(height * width) + OMEGA * (dx.T @ wx @ dx + dy.T @ wy @ dy)
        d = spsolve(matrix.tocsc(), 2 * estimate + OMEGA * (dx.T @ wx @ gx + dy.T @ wy @ gy))
    return d.reshape(height, width)


def inputs(height, width):
    truth = generate_scene(0, height, width)["depth"]
    blurred = ndimage.gaussian_filter(truth, 2.0).astype(np.float32)
    grad_x = np.zeros_like(truth)
    grad_y = np.zeros_like(truth)
    grad_x[:, :-1] = np.diff(truth, axis=1)
    grad_y[:-1] = np.diff(truth, axis=0)
    return blurred, grad_x, grad_y


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5, help="IRLS iterations (both solvers)")
    parser.add_argument("--repeats", type=int, default=3, help="timings; the best is printed")
    args = parser.parse_args()
    fuse = tf.function(lambda d, gx, gy: irls_fuse(d, gx, gy, OMEGA, EPS, args.iterations, tol=0.0))
    print(f"device: {tf.config.list_physical_devices('GPU') or 'CPU'}, {args.iterations} IRLS iterations")
    for height, width in SIZES:
        depth, grad_x, grad_y = inputs(height, width)
        batch = [tf.constant(a[None, ..., None]) for a in (depth, grad_x, grad_y)]
        fuse(*batch)
        tf_seconds, fused = best_time(lambda: fuse(*batch).numpy()[0, ..., 0], args.repeats)
        scipy_seconds, direct = best_time(lambda: scipy_irls(depth, grad_x, grad_y, args.iterations), 1)
        difference = np.linalg.norm(fused - direct) / np.linalg.norm(direct)
        print(f"{height}x{width}: TF PCG {tf_seconds:.2f} s, SciPy spsolve {scipy_seconds:.2f} s "
              f"({scipy_seconds / tf_seconds:.1f}x), relative difference {difference:.1e}")


if __name__ == "__main__":
    main()
