"""FSIM, the feature similarity index (Zhang, Zhang, Mou and Zhang, IEEE TIP 2011), as a
differentiable TF function on batches of grey images (DPDE's FSIM loss, eq. 4: `1 - FSIM`).

It follows the authors' reference code: downsample by an FxF average, F = max(1,
round(min(H, W) / 256)); phase congruency from log-Gabor filters (4 scales from wavelength 6,
scale factor 2, sigma_f 0.55; 4 orientations, angular sigma pi / 4 / 1.2; noise threshold from
the median response of the smallest scale, k = 2, rescaled by 1 / 1.7); gradient magnitude from
Scharr kernels / 16; similarities with T1 = 0.85 and T2 = 160; pooling weighted by the larger
phase congruency of the two images. Inputs are on the 0..255 scale.

The filter bank depends only on the image size and is built once per size with NumPy. Square
roots and the divisions are guarded (1e-12) so that the gradient is finite on flat images.

Example:
    fsim(reference, distorted)  # [B, H, W, 1] on 0..255 -> [B] in [0, 1]
"""

import functools
import math

import numpy as np
import tensorflow as tf

SCALES, ORIENTATIONS = 4, 4
MIN_WAVELENGTH, SCALE_FACTOR, SIGMA_ON_F = 6.0, 2.0, 0.55
THETA_ON_SIGMA = 1.2
NOISE_K, NOISE_RESCALE = 2.0, 1.7
PC_EPSILON = 1e-4
LOWPASS_CUTOFF, LOWPASS_ORDER = 0.45, 15
T1, T2 = 0.85, 160.0
SCHARR_X = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], np.float32) / 16.0
GUARD = 1e-12


def _frequency_grid(rows, cols):
    """Normalised frequency radius and angle in FFT order (the reference's meshgrid, ifftshift)."""

    def axis(n):
        return (np.arange(n) - (n - 1) / 2) / (n - 1) if n % 2 else (np.arange(n) - n // 2) / n

    x, y = np.meshgrid(axis(cols), axis(rows))
    radius = np.fft.ifftshift(np.sqrt(x**2 + y**2))
    theta = np.fft.ifftshift(np.arctan2(-y, x))
    return radius, theta


@functools.lru_cache(maxsize=16)
def filter_bank(rows, cols):
    """The log-Gabor filters [ORIENTATIONS, SCALES, rows, cols] and, per orientation, the factor
    that turns sqrt(mean noise energy) into the noise threshold T."""
    radius, theta = _frequency_grid(rows, cols)
    lowpass = 1.0 / (1.0 + (radius / LOWPASS_CUTOFF) ** (2 * LOWPASS_ORDER))
    radius[0, 0] = 1.0
    log_gabor = []
    for scale in range(SCALES):
        frequency = 1.0 / (MIN_WAVELENGTH * SCALE_FACTOR**scale)
        g = np.exp(-(np.log(radius / frequency) ** 2) / (2 * np.log(SIGMA_ON_F) ** 2)) * lowpass
        g[0, 0] = 0.0
        log_gabor.append(g)
    theta_sigma = math.pi / ORIENTATIONS / THETA_ON_SIGMA
    filters, threshold_factors = [], []
    for orientation in range(ORIENTATIONS):
        angle = orientation * math.pi / ORIENTATIONS
        ds = np.sin(theta) * math.cos(angle) - np.cos(theta) * math.sin(angle)
        dc = np.cos(theta) * math.cos(angle) + np.sin(theta) * math.sin(angle)
        spread = np.exp(-(np.arctan2(ds, dc) ** 2) / (2 * theta_sigma**2))
        bank = np.stack([g * spread for g in log_gabor])
        spatial = np.real(np.fft.ifft2(bank)) * math.sqrt(rows * cols)
        sum_an2 = np.sum(spatial**2)
        sum_aiaj = sum(np.sum(spatial[i] * spatial[j]) for i in range(SCALES) for j in range(i + 1, SCALES))
        energy_per_noise_power = 2 * sum_an2 + 4 * sum_aiaj  # EstNoiseEnergy2 / noisePower
        filter_energy = np.sum(bank[0] ** 2)  # EM_n
        tau_per_root_noise = math.sqrt(energy_per_noise_power / filter_energy / 2)
        threshold_factors.append(
            tau_per_root_noise * (math.sqrt(math.pi / 2) + NOISE_K * math.sqrt(2 - math.pi / 2)) / NOISE_RESCALE
        )
        filters.append(bank)
    return np.stack(filters).astype(np.float32), np.array(threshold_factors, np.float32)


def _safe_sqrt(x):
    return tf.sqrt(tf.maximum(x, GUARD))


def _median(values):
    """Median over the last axis (mean of the two middle values for an even count)."""
    n = values.shape[-1]
    ordered = tf.sort(values, axis=-1)
    return (ordered[..., (n - 1) // 2] + ordered[..., n // 2]) / 2.0


def phase_congruency(images):
    """Phase congruency (Kovesi's PC_2 as in the FSIM reference) of [B, H, W] grey images."""
    rows, cols = images.shape[1], images.shape[2]
    bank, threshold_factors = filter_bank(rows, cols)
    spectrum = tf.signal.fft2d(tf.complex(images, tf.zeros_like(images)))
    responses = tf.signal.ifft2d(spectrum[:, None, None] * tf.cast(bank, tf.complex64)[None])
    even, odd = tf.math.real(responses), tf.math.imag(responses)  # [B, O, S, H, W]
    amplitude_sum = tf.reduce_sum(_safe_sqrt(even**2 + odd**2), axis=2)
    sum_even, sum_odd = tf.reduce_sum(even, axis=2), tf.reduce_sum(odd, axis=2)
    x_energy = _safe_sqrt(sum_even**2 + sum_odd**2) + PC_EPSILON
    mean_even, mean_odd = (sum_even / x_energy)[:, :, None], (sum_odd / x_energy)[:, :, None]
    energy = tf.reduce_sum(
        even * mean_even + odd * mean_odd - tf.abs(even * mean_odd - odd * mean_even), axis=2
    )  # [B, O, H, W]
    smallest = even[:, :, 0] ** 2 + odd[:, :, 0] ** 2
    median = _median(tf.reshape(smallest, [-1, ORIENTATIONS, rows * cols]))
    threshold = _safe_sqrt(-median / math.log(0.5)) * threshold_factors  # [B, O]
    energy = tf.nn.relu(energy - threshold[:, :, None, None])
    return tf.reduce_sum(energy, axis=1) / (tf.reduce_sum(amplitude_sum, axis=1) + GUARD)


def _downsample(images):
    """The reference's FxF average ('same' convolution, zero padding) and subsampling by F."""
    factor = max(1, round(min(images.shape[1], images.shape[2]) / 256))
    if factor == 1:
        return images
    before, after = factor - 1 - factor // 2, factor // 2
    padded = tf.pad(images[..., None], [[0, 0], [before, after], [before, after], [0, 0]])
    kernel = tf.fill([factor, factor, 1, 1], 1.0 / factor**2)
    return tf.nn.conv2d(padded, kernel, factor, "VALID")[..., 0]


def _gradient_magnitude(images):
    kernels = tf.constant(np.stack([SCHARR_X, SCHARR_X.T], axis=-1)[:, :, None, :])
    gradients = tf.nn.conv2d(images[..., None], kernels, 1, "SAME")
    return _safe_sqrt(tf.reduce_sum(gradients**2, axis=-1))


def fsim(reference, distorted):
    """FSIM of each pair of [B, H, W, 1] (or [B, H, W]) grey images on 0..255; returns [B].

    H and W must be known when the function is traced (the filter bank is built for them).
    """
    if reference.shape.rank == 4:
        reference, distorted = reference[..., 0], distorted[..., 0]
    if reference.shape[1] is None or reference.shape[2] is None:
        raise ValueError("fsim needs a static image height and width")
    first, second = _downsample(tf.cast(reference, tf.float32)), _downsample(tf.cast(distorted, tf.float32))
    pc_first, pc_second = phase_congruency(first), phase_congruency(second)
    g_first, g_second = _gradient_magnitude(first), _gradient_magnitude(second)
    pc_similarity = (2 * pc_first * pc_second + T1) / (pc_first**2 + pc_second**2 + T1)
    g_similarity = (2 * g_first * g_second + T2) / (g_first**2 + g_second**2 + T2)
    weight = tf.maximum(pc_first, pc_second)
    return tf.reduce_sum(pc_similarity * g_similarity * weight, axis=[1, 2]) / (
        tf.reduce_sum(weight, axis=[1, 2]) + GUARD
    )
