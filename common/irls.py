"""IRLS fusion of a depth map with predicted depth gradients (DPDE, fusion step; the equation is
lost from the text, reconstruction in NOTES.md).

Energy, for a depth estimate `d_est` and gradients `Gx`, `Gy`:

    E(d) = sum_p (d_p - d_est,p)^2 + omega * sum_p [phi(Dx d - Gx)_p + phi(Dy d - Gy)_p],
    phi(x) = sqrt(x^2 + eps^2),

with Dx, Dy forward differences and zero flux at the border (no difference across the last column
or row). Each IRLS iteration takes the weights w = 1 / phi(r) of the current residuals r and
solves the normal equations

    (2 I + omega (Dx^T Wx Dx + Dy^T Wy Dy)) d = 2 d_est + omega (Dx^T Wx Gx + Dy^T Wy Gy),

which minimise a quadratic majoriser of E, so E never increases.

Units: the data term is in (depth unit)^2 and the gradient term, phi being about |x|, in the depth
unit, so the balance omega strikes depends on the unit: depth in units s times larger (mm instead
of m: s = 1000) is fused like metres with omega / s. The text gives omega = 10 and no unit; our
reading is that it applies to depth in metres, the unit of every data set the paper scores (NYU
Depth v2 and Make3D in metres, Middlebury converted to metres, `common.data.middlebury`), and the
readers give metres. eps = 1e-3 is in the same unit (1 mm). A measured sensitivity to omega is in
the README (`python -m experiments.omega_sweep`).

The system is solved matrix-free
with Jacobi-preconditioned conjugate gradients. Everything is batched NHWC TF ops, so the fusion
runs inside `tf.function`, on a GPU and inside an exported SavedModel.
"""

import tensorflow as tf

from common.image_ops import forward_difference_x, forward_difference_y


def _transpose_difference_x(u):
    """Dx^T u for u that is 0 in the last column: (Dx^T u)[j] = u[j - 1] - u[j]."""
    u = u[:, :, :-1]
    return tf.pad(u, [[0, 0], [0, 0], [1, 0], [0, 0]]) - tf.pad(u, [[0, 0], [0, 0], [0, 1], [0, 0]])


def _transpose_difference_y(u):
    u = u[:, :-1]
    return tf.pad(u, [[0, 0], [1, 0], [0, 0], [0, 0]]) - tf.pad(u, [[0, 0], [0, 1], [0, 0], [0, 0]])


def _border_masks(d):
    """1 where a forward difference exists (all but the last column / row)."""
    ones = tf.ones_like(d)
    return forward_difference_x(tf.cumsum(ones, axis=2)), forward_difference_y(tf.cumsum(ones, axis=1))


def irls_energy(d, depth, grad_x, grad_y, omega=10.0, eps=1e-3):
    """E(d) per image, [B]."""
    mask_x, mask_y = _border_masks(d)
    phi_x = tf.sqrt(tf.square(forward_difference_x(d) - grad_x * mask_x) + eps ** 2) * mask_x
    phi_y = tf.sqrt(tf.square(forward_difference_y(d) - grad_y * mask_y) + eps ** 2) * mask_y
    return tf.reduce_sum(tf.square(d - depth) + omega * (phi_x + phi_y), axis=[1, 2, 3])


def irls_weights(d, grad_x, grad_y, eps=1e-3):
    """(Wx, Wy) = 1 / phi(residual), zero where no difference exists."""
    mask_x, mask_y = _border_masks(d)
    weight_x = mask_x / tf.sqrt(tf.square(forward_difference_x(d) - grad_x * mask_x) + eps ** 2)
    weight_y = mask_y / tf.sqrt(tf.square(forward_difference_y(d) - grad_y * mask_y) + eps ** 2)
    return weight_x, weight_y


def solve_weighted_system(depth, grad_x, grad_y, weight_x, weight_y, omega=10.0, initial=None,
                          iterations=500, tol=1e-6):
    """Solves (2 I + omega (Dx^T Wx Dx + Dy^T Wy Dy)) d = 2 depth + omega (Dx^T Wx Gx + Dy^T Wy Gy)
    by Jacobi-preconditioned conjugate gradients, per image.

    Args:
        depth, grad_x, grad_y, weight_x, weight_y: [B, H, W, C] float32.
        initial: starting point (default `depth`).
        iterations: at most this many CG steps; tol: stop once every image's residual norm is
            below tol times its right-hand side's norm.
    Returns:
        [B, H, W, C] solution.
    """
    def apply(d):
        return 2.0 * d + omega * (_transpose_difference_x(weight_x * forward_difference_x(d))
                                  + _transpose_difference_y(weight_y * forward_difference_y(d)))

    def dot(a, b):
        return tf.reduce_sum(a * b, axis=[1, 2, 3], keepdims=True)

    rhs = 2.0 * depth + omega * (_transpose_difference_x(weight_x * grad_x)
                                 + _transpose_difference_y(weight_y * grad_y))
    shifted_x = tf.pad(weight_x[:, :, :-1], [[0, 0], [0, 0], [1, 0], [0, 0]])
    shifted_y = tf.pad(weight_y[:, :-1], [[0, 0], [1, 0], [0, 0], [0, 0]])
    inverse_diagonal = 1.0 / (2.0 + omega * (weight_x + shifted_x + weight_y + shifted_y))
    d = depth if initial is None else initial
    residual = rhs - apply(d)
    z = inverse_diagonal * residual
    direction = z
    rz = dot(residual, z)
    limit = tf.square(tol) * dot(rhs, rhs)

    def unconverged(step, d, residual, direction, rz):
        return tf.logical_and(step < iterations, tf.reduce_any(dot(residual, residual) > limit))

    def cg_step(step, d, residual, direction, rz):
        product = apply(direction)
        alpha = tf.math.divide_no_nan(rz, dot(direction, product))
        d = d + alpha * direction
        residual = residual - alpha * product
        z = inverse_diagonal * residual
        rz_next = dot(residual, z)
        direction = z + tf.math.divide_no_nan(rz_next, rz) * direction
        return step + 1, d, residual, direction, rz_next

    _, d, _, _, _ = tf.while_loop(unconverged, cg_step, [tf.constant(0), d, residual, direction, rz])
    return d


IRLS_TOLERANCE = 1e-4  # relative change of d at which IRLS stops: the fused depth's stated accuracy


def irls_fuse(depth, grad_x, grad_y, omega=10.0, eps=1e-3, iterations=10, tol=IRLS_TOLERANCE,
              cg_iterations=500, cg_tol=1e-6):
    """Fuses a depth map with depth gradients by IRLS (DPDE; omega = 10 in the paper).

    Args:
        depth: [B, H, W, 1] estimated depth d_est.
        grad_x, grad_y: [B, H, W, 1] horizontal and vertical forward-difference gradients, in
            depth units per pixel (the last column of grad_x and last row of grad_y are unused).
        omega: weight of the gradient term; eps: smoothing of phi, in depth units.
        iterations: at most this many IRLS iterations; tol: stop once the relative change of d
            is below it for every image.
        cg_iterations, cg_tol: limits of each inner conjugate-gradient solve.
    Returns:
        [B, H, W, 1] fused depth.
    Example:
        fused = irls_fuse(depth, grad_x, grad_y)
    """
    depth = tf.convert_to_tensor(depth, tf.float32)
    grad_x = tf.convert_to_tensor(grad_x, tf.float32)
    grad_y = tf.convert_to_tensor(grad_y, tf.float32)

    def changing(step, d, change):
        return tf.logical_and(step < iterations, change > tol)

    def irls_step(step, d, change):
        weight_x, weight_y = irls_weights(d, grad_x, grad_y, eps)
        updated = solve_weighted_system(depth, grad_x, grad_y, weight_x, weight_y, omega, d,
                                        cg_iterations, cg_tol)
        norms = tf.norm(tf.reshape(updated - d, [tf.shape(d)[0], -1]), axis=1)
        scale = tf.norm(tf.reshape(updated, [tf.shape(d)[0], -1]), axis=1)
        return step + 1, updated, tf.reduce_max(tf.math.divide_no_nan(norms, scale))

    _, fused, _ = tf.while_loop(changing, irls_step, [tf.constant(0), depth, tf.constant(float("inf"))])
    return fused
