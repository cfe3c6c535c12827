"""IRLS fusion of a depth map with predicted depth gradients (DPDE, fusion step; the equation is
lost from the text, reconstruction in NOTES.md).

Energy, for a depth estimate `d_est` and gradients `Gx`, `Gy`:

    E(d) = sum_p (d_p - d_est,p)^2 + omega * sum_p [phi(Dx d - Gx)_p + phi(Dy d - Gy)_p],
    phi(x) = sqrt(x^2 + eps^2),

with Dx, Dy forward differences and zero flux at the border (no difference across the last column
or row). Each IRLS iteration takes the weights w = 1 / phi(r) of the current residuals r and
lowers the quadratic majoriser of E at the current d,

    Q(d) = d^T A d / 2 - b^T d + const,
    A = 2 I + omega (Dx^T Wx Dx + Dy^T Wy Dy),  b = 2 d_est + omega (Dx^T Wx Gx + Dy^T Wy Gy),

by at most `cg_iterations` steps of Jacobi-preconditioned conjugate gradients started from the
current d. Every CG step lowers Q (CG minimises Q over a growing Krylov space around its start),
and Q >= E with equality at the current d, so E never increases, whether or not the inner solve
is run to the end. Truncating it is what makes the fusion fast: the next iteration's weights
change the system anyway, and at 240 x 320 and 480 x 640 IRLS with 100 CG steps per iteration
comes as close to the minimiser per iteration as IRLS with exact solves (`bench/irls.py`), at a
fixed cost per iteration that is linear in the number of pixels.

Stopping ("It is repeated until convergence", Sect. 3.3): IRLS stops once the relative change of d
in one iteration is below `IRLS_STOP_CHANGE` = 1e-5. IRLS converges linearly, so the distance left
to the minimiser is about change * rho / (1 - rho) for a contraction rho; measured, it was 2 to 5
times the last change (rho up to 0.83), so the rule leaves the fused depth within the stated
accuracy `IRLS_TOLERANCE` = 1e-4 of the minimiser (relative, in norm), which tests check against
an exact float64 minimiser. The float32 floor of the inner solve (relative CG residual 1e-6) is
about 2e-5.

Units: the data term is in (depth unit)^2 and the gradient term, phi being about |x|, in the depth
unit, so the balance omega strikes depends on the unit: depth in units s times larger (mm instead
of m: s = 1000) is fused like metres with omega / s. The text gives omega = 10 and no unit; our
reading is that it applies to depth in metres, the unit of every data set the paper scores (NYU
Depth v2 and Make3D in metres, Middlebury converted to metres, `common.data.middlebury`), and the
readers give metres. eps = 1e-3 is in the same unit (1 mm). A measured sensitivity to omega is in
RESULTS.md, "DPDE sensitivity to omega" (`python -m commands.omega_sweep`).

The system is matrix-free and everything is batched NHWC TF ops, so the fusion runs inside
`tf.function`, on a GPU and inside an exported SavedModel.
"""

import tensorflow as tf

from common.image_ops import forward_difference_x, forward_difference_y

OMEGA = 10.0  # "the parameter omega is set to 10" (Sect. 4.1), read on metres (module docstring)
PHI_EPS = 1e-3  # phi's smoothing, 1 mm (module docstring)
CG_TOLERANCE = 1e-6  # relative residual at which an inner solve stops early
IRLS_TOLERANCE = 1e-4  # the fused depth's stated accuracy: relative distance to the minimiser of E
IRLS_STOP_CHANGE = 1e-5  # relative change per iteration at which IRLS stops (module docstring)
CG_STEPS_PER_ITERATION = 100  # the truncated inner solve (module docstring; bench/irls.py)
IRLS_MAX_ITERATIONS = 30


def _border_masks(d):
    """1 where a forward difference exists (all but the last column / row)."""
    ones = tf.ones_like(d)
    return forward_difference_x(tf.cumsum(ones, axis=2)), forward_difference_y(tf.cumsum(ones, axis=1))


def irls_energy(d, depth, grad_x, grad_y, omega=OMEGA, eps=PHI_EPS):
    """E(d) per image, [B]."""
    mask_x, mask_y = _border_masks(d)
    phi_x = tf.sqrt(tf.square(forward_difference_x(d) - grad_x * mask_x) + eps**2) * mask_x
    phi_y = tf.sqrt(tf.square(forward_difference_y(d) - grad_y * mask_y) + eps**2) * mask_y
    return tf.reduce_sum(tf.square(d - depth) + omega * (phi_x + phi_y), axis=[1, 2, 3])


def irls_weights(d, grad_x, grad_y, eps=PHI_EPS):
    """(Wx, Wy) = 1 / phi(residual), zero where no difference exists."""
    mask_x, mask_y = _border_masks(d)
    weight_x = mask_x / tf.sqrt(tf.square(forward_difference_x(d) - grad_x * mask_x) + eps**2)
    weight_y = mask_y / tf.sqrt(tf.square(forward_difference_y(d) - grad_y * mask_y) + eps**2)
    return weight_x, weight_y


def _divergence(flux_x, flux_y, column, row):
    """Dx^T flux_x + Dy^T flux_y for fluxes on the existing differences only ([B, H, W - 1, C] and
    [B, H - 1, W, C]): (Dx^T f)[j] = f[j - 1] - f[j], with f = 0 outside (`column` [B, H, 1, C]
    and `row` [B, 1, W, C] of zeros; `_pad`)."""
    return (
        _pad(flux_x, column, 2, 1, 0)
        - _pad(flux_x, column, 2, 0, 1)
        + _pad(flux_y, row, 1, 1, 0)
        - _pad(flux_y, row, 1, 0, 1)
    )


def _pad(x, zeros, axis, before, after):
    """x with `zeros` (one slice) before and/or after it along `axis`: tf.pad's result, built by
    tf.concat, because LiteRT's PAD took about 13x as long as its CONCATENATION on these shapes
    (440 against 34 us): DPDE's LiteRT export ran up to 2.6x slower than TF (bench/inference.py)."""
    return tf.concat([zeros] * before + [x] + [zeros] * after, axis=axis)


def solve_weighted_system(
    depth, grad_x, grad_y, weight_x, weight_y, omega=OMEGA, initial=None, iterations=500, tol=CG_TOLERANCE
):
    """Solves (2 I + omega (Dx^T Wx Dx + Dy^T Wy Dy)) d = 2 depth + omega (Dx^T Wx Gx + Dy^T Wy Gy)
    by Jacobi-preconditioned conjugate gradients, per image.

    Args:
        depth, grad_x, grad_y, weight_x, weight_y: [B, H, W, C] float32.
        initial: starting point (default `depth`).
        iterations: at most this many CG steps; tol: stop once every image's residual, in the
            preconditioner's norm, is below tol times its right-hand side's.
    Returns:
        [B, H, W, C] the solution, or the CG iterate after `iterations` steps.
    """
    edge_x = omega * weight_x[:, :, :-1]  # omega Wx on the existing differences
    edge_y = omega * weight_y[:, :-1]
    column, row = tf.zeros_like(depth[:, :, :1]), tf.zeros_like(depth[:, :1])

    def apply(d):
        # 2 d as d + d (the same float32 value): ONNX Runtime multiplied a scalar by a tensor about
        # 45x slower than it added two (775 against 17 us), 68 % of DPDE's ONNX time (bench/inference.py)
        flux_x, flux_y = edge_x * (d[:, :, 1:] - d[:, :, :-1]), edge_y * (d[:, 1:] - d[:, :-1])
        return d + d + _divergence(flux_x, flux_y, column, row)

    def dot(a, b):
        return tf.reduce_sum(a * b, axis=[1, 2, 3], keepdims=True)

    rhs = 2.0 * depth + _divergence(edge_x * grad_x[:, :, :-1], edge_y * grad_y[:, :-1], column, row)
    inverse_diagonal = 1.0 / (
        2.0
        + _pad(edge_x, column, 2, 1, 0)
        + _pad(edge_x, column, 2, 0, 1)
        + _pad(edge_y, row, 1, 1, 0)
        + _pad(edge_y, row, 1, 0, 1)
    )
    d = depth if initial is None else initial
    residual = rhs - apply(d)
    z = inverse_diagonal * residual
    rz = dot(residual, z)
    limit = tf.square(tol) * dot(rhs, inverse_diagonal * rhs)  # in the preconditioner's norm

    def unconverged(step, d, residual, direction, rz):
        return tf.logical_and(step < iterations, tf.reduce_any(rz > limit))

    def cg_step(step, d, residual, direction, rz):
        product = apply(direction)
        alpha = tf.math.divide_no_nan(rz, dot(direction, product))
        d = d + alpha * direction
        residual = residual - alpha * product
        z = inverse_diagonal * residual
        rz_next = dot(residual, z)
        return step + 1, d, residual, z + tf.math.divide_no_nan(rz_next, rz) * direction, rz_next

    _, d, *_ = tf.while_loop(unconverged, cg_step, [tf.constant(0), d, residual, z, rz])
    return d


def irls_fuse(
    depth,
    grad_x,
    grad_y,
    omega=OMEGA,
    eps=PHI_EPS,
    iterations=IRLS_MAX_ITERATIONS,
    tol=IRLS_STOP_CHANGE,
    cg_iterations=CG_STEPS_PER_ITERATION,
    cg_tol=CG_TOLERANCE,
    jit_compile=True,
    return_iterations=False,
):
    """Fuses a depth map with depth gradients by IRLS (DPDE; omega = 10 in the paper).

    Args:
        depth: [B, H, W, 1] depth from the depth network.
        grad_x, grad_y: [B, H, W, 1] gradients from the gradient network (forward differences).
        omega: weight of the gradient term; eps: smoothing of phi, in depth units.
        iterations: at most this many IRLS iterations; tol: stop once the relative change of d
            is below it for every image.
        cg_iterations, cg_tol: limits of each inner conjugate-gradient solve (CG steps per IRLS
            iteration; relative residual at which it stops early).
        jit_compile: run the whole loop as one XLA computation, compiled once per input shape
            (about 1.4 s on a CPU): XLA fuses the CG step's element-wise operations, which makes
            the time per iteration grow with the pixels as the memory traffic does (bench/irls.py).
        return_iterations: also return the number of IRLS iterations run.
    Returns:
        [B, H, W, 1] fused depth, and with `return_iterations` a scalar int32 tensor.
    Example:
        fused = irls_fuse(depth, grad_x, grad_y)
    """
    tensors = [tf.convert_to_tensor(a, tf.float32) for a in (depth, grad_x, grad_y)]
    loop = _compiled_irls_loop if jit_compile else _irls_loop
    fused, steps = loop(*tensors, omega, eps, iterations, tol, cg_iterations, cg_tol)
    return (fused, steps) if return_iterations else fused


def _irls_loop(depth, grad_x, grad_y, omega, eps, iterations, tol, cg_iterations, cg_tol):
    def changing(step, d, change):
        return tf.logical_and(step < iterations, change > tol)

    def irls_step(step, d, change):
        weight_x, weight_y = irls_weights(d, grad_x, grad_y, eps)
        updated = solve_weighted_system(depth, grad_x, grad_y, weight_x, weight_y, omega, d, cg_iterations, cg_tol)
        norms = tf.norm(tf.reshape(updated - d, [tf.shape(d)[0], -1]), axis=1)
        scale = tf.norm(tf.reshape(updated, [tf.shape(d)[0], -1]), axis=1)
        return step + 1, updated, tf.reduce_max(tf.math.divide_no_nan(norms, scale))

    steps, fused, _ = tf.while_loop(changing, irls_step, [tf.constant(0), depth, tf.constant(float("inf"))])
    return fused, steps


_compiled_irls_loop = tf.function(_irls_loop, jit_compile=True)
