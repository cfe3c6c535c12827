"""DRECNN (IGDE Table 1, as NOTES.md describes it): a depth branch and an intensity branch, each
one conv + ReLU and then conv + BN + ReLU layers (7 in the paper), a fusion module of conv + BN +
ReLU layers (11) and one conv giving two coefficient maps a and b; the output is a * Y + b + D,
with Y the luminance of the colour image and D the input depth."""

import keras
import tensorflow as tf
from keras import layers

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601


@keras.saving.register_keras_serializable(package="igde")
class Luminance(layers.Layer):
    """[B, H, W, 3] RGB -> [B, H, W, 1] Y = 0.299 R + 0.587 G + 0.114 B."""

    def call(self, image):
        return tf.reduce_sum(image * tf.constant(LUMA, image.dtype), axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)


def _conv_bn_relu(x, features, name):
    x = layers.Conv2D(features, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    return layers.ReLU(name=f"{name}_relu")(layers.BatchNormalization(name=f"{name}_bn")(x))


def _branch(x, features, branch_layers, name):
    x = layers.Conv2D(features, 3, padding="same", activation="relu", name=f"{name}_conv_1")(x)
    for index in range(branch_layers - 1):
        x = _conv_bn_relu(x, features, f"{name}_{index + 2}")
    return x


def build_drecnn(features=64, branch_layers=8, fusion_layers=11):
    """Returns `keras.Model` {"image", "depth"} -> a * Y + b + D, [B, H, W, 1]."""
    image = keras.Input((None, None, 3), name="image")
    depth = keras.Input((None, None, 1), name="depth")
    luminance = Luminance(name="luminance")(image)
    x = layers.Concatenate(name="branch_concat")(
        [_branch(depth, features, branch_layers, "depth"), _branch(luminance, features, branch_layers, "intensity")]
    )
    for index in range(fusion_layers):
        x = _conv_bn_relu(x, features, f"fusion_{index + 1}")
    coefficients = layers.Conv2D(2, 3, padding="same", name="coefficients")(x)
    a, b = coefficients[..., :1], coefficients[..., 1:]
    refined = layers.Add(name="output")([layers.Multiply(name="a_times_y")([a, luminance]), b, depth])
    return keras.Model({"image": image, "depth": depth}, refined, name="drecnn")
