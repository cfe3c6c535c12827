"""FSIM against a line-by-line NumPy transcription of the authors' MATLAB reference (FSIM.m and
its phasecong2), written with cell-style loops, np.median and scipy.signal.convolve2d."""

import math

import numpy as np
import pytest
import tensorflow as tf
from scipy import ndimage, signal

from common.fsim import fsim


def _lowpass(rows, cols, cutoff, order):
    x, y = _grid(rows, cols)
    return np.fft.ifftshift(1.0 / (1.0 + (np.sqrt(x**2 + y**2) / cutoff) ** (2 * order)))


def _grid(rows, cols):
    xr = (
        np.arange(-(cols - 1) / 2, (cols - 1) / 2 + 1) / (cols - 1)
        if cols % 2
        else np.arange(-cols / 2, cols / 2) / cols
    )
    yr = (
        np.arange(-(rows - 1) / 2, (rows - 1) / 2 + 1) / (rows - 1)
        if rows % 2
        else np.arange(-rows / 2, rows / 2) / rows
    )
    return np.meshgrid(xr, yr)


def reference_phasecong2(im):
    nscale, norient, min_wave_length, mult, sigma_onf, d_theta_on_sigma = 4, 4, 6, 2, 0.55, 1.2
    k, epsilon = 2.0, 0.0001
    theta_sigma = math.pi / norient / d_theta_on_sigma
    rows, cols = im.shape
    imagefft = np.fft.fft2(im)
    x, y = _grid(rows, cols)
    radius = np.fft.ifftshift(np.sqrt(x**2 + y**2))
    theta = np.fft.ifftshift(np.arctan2(-y, x))
    radius[0, 0] = 1
    sintheta, costheta = np.sin(theta), np.cos(theta)
    lp = _lowpass(rows, cols, 0.45, 15)
    log_gabor = []
    for s in range(nscale):
        fo = 1.0 / (min_wave_length * mult**s)
        g = np.exp(-((np.log(radius / fo)) ** 2) / (2 * math.log(sigma_onf) ** 2)) * lp
        g[0, 0] = 0
        log_gabor.append(g)
    energy_all = np.zeros((rows, cols))
    an_all = np.zeros((rows, cols))
    for o in range(norient):
        angl = o * math.pi / norient
        ds = sintheta * math.cos(angl) - costheta * math.sin(angl)
        dc = costheta * math.cos(angl) + sintheta * math.sin(angl)
        spread = np.exp(-(np.abs(np.arctan2(ds, dc)) ** 2) / (2 * theta_sigma**2))
        sum_e, sum_o, sum_an = (np.zeros((rows, cols)) for _ in range(3))
        energy = np.zeros((rows, cols))
        eo, ifft_filters = [], []
        for s in range(nscale):
            filt = log_gabor[s] * spread
            ifft_filters.append(np.real(np.fft.ifft2(filt)) * math.sqrt(rows * cols))
            eo.append(np.fft.ifft2(imagefft * filt))
            sum_an += np.abs(eo[s])
            sum_e += np.real(eo[s])
            sum_o += np.imag(eo[s])
            if s == 0:
                em_n = np.sum(filt**2)
        x_energy = np.sqrt(sum_e**2 + sum_o**2) + epsilon
        mean_e, mean_o = sum_e / x_energy, sum_o / x_energy
        for s in range(nscale):
            e, od = np.real(eo[s]), np.imag(eo[s])
            energy += e * mean_e + od * mean_o - np.abs(e * mean_o - od * mean_e)
        mean_e2n = -np.median(np.abs(eo[0]) ** 2) / math.log(0.5)
        noise_power = mean_e2n / em_n
        est_sum_an2 = sum(f**2 for f in ifft_filters)
        est_sum_aiaj = sum(ifft_filters[i] * ifft_filters[j] for i in range(nscale - 1) for j in range(i + 1, nscale))
        est_noise_energy2 = 2 * noise_power * np.sum(est_sum_an2) + 4 * noise_power * np.sum(est_sum_aiaj)
        tau = math.sqrt(est_noise_energy2 / 2)
        t = (tau * math.sqrt(math.pi / 2) + k * math.sqrt((2 - math.pi / 2) * tau**2)) / 1.7
        energy_all += np.maximum(energy - t, 0)
        an_all += sum_an
    return energy_all / an_all


def _matlab_same(image, kernel):
    full = signal.convolve2d(image, kernel, mode="full")
    r, c = kernel.shape[0] // 2, kernel.shape[1] // 2  # MATLAB: ceil((k - 1) / 2)
    return full[r : r + image.shape[0], c : c + image.shape[1]]


def reference_fsim(y1, y2):
    rows, cols = y1.shape
    f = max(1, round(min(rows, cols) / 256))
    ave = np.ones((f, f)) / f**2
    y1 = _matlab_same(y1, ave)[::f, ::f]
    y2 = _matlab_same(y2, ave)[::f, ::f]
    pc1, pc2 = reference_phasecong2(y1), reference_phasecong2(y2)
    dx = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]]) / 16
    dy = np.array([[3, 10, 3], [0, 0, 0], [-3, -10, -3]]) / 16
    g1 = np.sqrt(_matlab_same(y1, dx) ** 2 + _matlab_same(y1, dy) ** 2)
    g2 = np.sqrt(_matlab_same(y2, dx) ** 2 + _matlab_same(y2, dy) ** 2)
    pc_sim = (2 * pc1 * pc2 + 0.85) / (pc1**2 + pc2**2 + 0.85)
    g_sim = (2 * g1 * g2 + 160) / (g1**2 + g2**2 + 160)
    pcm = np.maximum(pc1, pc2)
    return np.sum(g_sim * pc_sim * pcm) / np.sum(pcm)


def _scene(shape, seed):
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    image = (
        60
        + 40 * (rows > shape[0] // 3)
        + 50 * ((cols - shape[1] // 2) ** 2 + (rows - shape[0] // 2) ** 2 < (min(shape) // 4) ** 2)
    )
    image = image + 20 * np.sin(cols / 5.0) + ndimage.gaussian_filter(rng.normal(0, 30, shape), 2)
    return np.clip(image, 0, 255)


def _tf_fsim(a, b):
    return fsim(tf.constant(a[None, ..., None], tf.float32), tf.constant(b[None, ..., None], tf.float32))


@pytest.mark.parametrize("shape", [(48, 64), (45, 61), (520, 400)])
def test_fsim_matches_numpy_reference(shape):
    reference = _scene(shape, 0)
    distorted = np.clip(reference + np.random.default_rng(1).normal(0, 15, shape), 0, 255)
    blurred = ndimage.gaussian_filter(reference, 1.5)
    for other in (distorted, blurred):
        expected = reference_fsim(reference, other)
        assert abs(float(_tf_fsim(reference, other)[0]) - expected) < 1e-3


def test_fsim_identity_symmetry_and_monotone_in_noise():
    reference = _scene((48, 64), 2)
    assert abs(float(_tf_fsim(reference, reference)[0]) - 1.0) < 1e-5
    other = ndimage.gaussian_filter(reference, 2.0)
    assert abs(float(_tf_fsim(reference, other)[0]) - float(_tf_fsim(other, reference)[0])) < 1e-5
    noise = np.random.default_rng(3).normal(0, 1, reference.shape)
    scores = [float(_tf_fsim(reference, reference + sigma * noise)[0]) for sigma in (2, 8, 20, 50)]
    assert all(a > b for a, b in zip(scores, scores[1:])), scores


def test_fsim_gradient_is_finite_on_flat_images():
    flat = tf.Variable(tf.fill([2, 16, 16, 1], 100.0))
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(fsim(tf.fill([2, 16, 16, 1], 100.0), flat))
    gradient = tape.gradient(value, flat)
    assert np.all(np.isfinite(gradient.numpy())) and np.isfinite(value.numpy())
