"""Layers of the FCRN depth network (Laina et al. 2016, the DPDE depth branch, Sect. 3.1).

`UpConvolution` is the 2x unpooling followed by a 5x5 convolution of Laina's up-projection. It
has one 5x5 kernel; `fast=False` computes it literally (zero-interleaved unpooling, then the 5x5
conv), `fast=True` as Laina's "fast up-convolution": four convolutions of the low-resolution input
with the 3x3, 3x2, 2x3 and 2x2 sub-kernels that meet the non-zero unpooled pixels, interleaved by
`depth_to_space`. Both give the same function of the same weights, so a checkpoint of one loads
into the other.
"""

import keras
import tensorflow as tf
from keras import layers

PACKAGE = "dpde"
IMAGENET_BGR_MEAN = (103.939, 116.779, 123.68)  # keras.applications.resnet50 "caffe" mode


def unpool(x):
    """Laina's 2x unpooling: [B, H, W, C] -> [B, 2H, 2W, C], x at the top-left of each 2x2 block."""
    zeros = tf.zeros_like(x)
    return tf.nn.depth_to_space(tf.concat([x, zeros, zeros, zeros], axis=-1), 2)


# (row phase, column phase) of the output -> (sub-kernel rows, columns, row padding, column padding)
_FAST_PHASES = (
    (slice(0, 5, 2), slice(0, 5, 2), (1, 1), (1, 1)),  # even rows, even columns: 3x3
    (slice(0, 5, 2), slice(1, 5, 2), (1, 1), (0, 1)),  # even rows, odd columns: 3x2
    (slice(1, 5, 2), slice(0, 5, 2), (0, 1), (1, 1)),  # odd rows, even columns: 2x3
    (slice(1, 5, 2), slice(1, 5, 2), (0, 1), (0, 1)),  # odd rows, odd columns: 2x2
)


@keras.saving.register_keras_serializable(package=PACKAGE)
class UpConvolution(layers.Layer):
    """2x unpooling + 5x5 convolution ('same'), computed plainly or as the fast up-convolution.

    Args:
        filters: output channels.
        fast: compute with the four interleaved small convolutions (no zero-filled tensor).
    Example:
        UpConvolution(64, fast=True)(x)  # [B, H, W, C] -> [B, 2H, 2W, 64]
    """

    def __init__(self, filters, fast=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.fast = fast

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(5, 5, input_shape[-1], self.filters), initializer="glorot_uniform"
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def call(self, x):
        if not self.fast:
            return tf.nn.conv2d(unpool(x), self.kernel, 1, "SAME") + self.bias
        phases = []
        for rows, cols, row_pad, col_pad in _FAST_PHASES:
            padded = tf.pad(x, [[0, 0], list(row_pad), list(col_pad), [0, 0]])
            phases.append(tf.nn.conv2d(padded, self.kernel[rows, cols], 1, "VALID"))
        return tf.nn.depth_to_space(tf.concat(phases, axis=-1), 2) + self.bias

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        return (batch, None if height is None else 2 * height, None if width is None else 2 * width, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "fast": self.fast}


@keras.saving.register_keras_serializable(package=PACKAGE)
class CropToMatch(layers.Layer):
    """Crops x to the height and width of a reference (top-left), for U-Net lateral connections
    when the decoder, doubling from ceil(H / 32), overshoots the encoder's size."""

    def call(self, x, reference):
        shape = tf.shape(reference)
        return x[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, x_shape, reference_shape):
        return (x_shape[0], reference_shape[1], reference_shape[2], x_shape[3])


@keras.saving.register_keras_serializable(package=PACKAGE)
class ResizeToMatch(layers.Layer):
    """Bilinear resize of x to the height and width of a reference (FCRN predicts at about half
    resolution; the depth is brought to the input's size)."""

    def call(self, x, reference):
        shape = tf.shape(reference)
        return tf.image.resize(x, shape[1:3], method="bilinear")

    def compute_output_shape(self, x_shape, reference_shape):
        return (x_shape[0], reference_shape[1], reference_shape[2], x_shape[3])


@keras.saving.register_keras_serializable(package=PACKAGE)
class CaffePreprocessing(layers.Layer):
    """RGB in [0, 1] -> the input of ImageNet ResNet-50 weights: BGR on 0..255 minus the mean."""

    def call(self, image):
        bgr = image[..., ::-1] * 255.0
        return bgr - tf.constant(IMAGENET_BGR_MEAN, dtype=bgr.dtype)
