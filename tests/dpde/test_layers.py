"""FCRN layers: unpooling, the fast up-convolution's equivalence with unpool + 5x5 conv, and
serialization of every custom layer."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from dpde.fcrn import up_projection
from dpde.layers import CaffePreprocessing, CropToMatch, ResizeToMatch, UpConvolution, unpool


def test_unpool_puts_each_value_at_the_top_left_of_its_block():
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3, 1)
    expected = np.zeros((1, 4, 6, 1), np.float32)
    expected[:, ::2, ::2] = x
    np.testing.assert_array_equal(unpool(tf.constant(x)).numpy(), expected)


@pytest.mark.parametrize("shape", [(2, 5, 7, 3), (1, 4, 4, 8)])
def test_fast_up_convolution_equals_unpool_then_5x5_conv(shape):
    x = tf.random.stateless_normal(shape, seed=(1, 2))
    plain, fast = UpConvolution(6, fast=False), UpConvolution(6, fast=True)
    plain(x), fast(x)
    fast.set_weights(plain.get_weights())
    reference = tf.nn.conv2d(unpool(x), plain.kernel, 1, "SAME") + plain.bias
    np.testing.assert_allclose(fast(x).numpy(), reference.numpy(), atol=1e-5)
    np.testing.assert_allclose(plain(x).numpy(), reference.numpy(), atol=1e-5)


def _up_projection_model(fast):
    x = keras.Input((None, None, 8))
    return keras.Model(x, up_projection(x, 4, fast, "block"))


def test_up_projection_blocks_compute_the_same_function_given_the_same_weights():
    plain, fast = _up_projection_model(False), _up_projection_model(True)
    rng = np.random.default_rng(0)
    plain.set_weights(
        [
            rng.normal(0, 0.2, w.shape).astype(np.float32) + (1.0 if "variance" in v.path else 0.0)
            for w, v in zip(plain.get_weights(), plain.weights)
        ]
    )
    fast.set_weights(plain.get_weights())
    x = rng.normal(size=(2, 6, 9, 8)).astype(np.float32)
    out = plain(x).numpy()
    assert out.shape == (2, 12, 18, 4) and np.abs(out).max() > 0
    np.testing.assert_allclose(fast(x).numpy(), out, atol=1e-4)


def test_custom_layers_round_trip_through_a_keras_file(tmp_path):
    image = keras.Input((None, None, 3))
    small = keras.layers.Conv2D(4, 3, strides=2, padding="same")(CaffePreprocessing()(image))
    up = UpConvolution(2, fast=True)(small)
    cropped = CropToMatch()(up, image)
    out = ResizeToMatch()(keras.layers.Conv2D(1, 1)(cropped), image)
    model = keras.Model(image, out)
    x = np.random.default_rng(1).random((1, 9, 11, 3)).astype(np.float32)
    model.save(tmp_path / "layers.keras")
    loaded = keras.models.load_model(tmp_path / "layers.keras")
    assert model(x).shape == (1, 9, 11, 1)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-6)
