"""The depth-gradient network of DPDE (Sect. 3.2): ten 3x3 convolutions on the RGB image, ReLU
after the first nine, the last giving two channels, the horizontal and vertical depth gradients
(forward differences, `common.image_ops`). Gaussian initialisation (the paper's "random
initialization with Gaussian distributions"; the He-normal scale, untruncated, keeps a ten-layer
ReLU stack trainable). The width is a reconstruction (108, from Table 5's 1/76 ratio; NOTES.md).

Example:
    model = build_gradient_net(width=108)   # 0.846M parameters
    gradients = model({"image": images})    # [B, H, W, 2]
"""

import keras
from keras import layers

from common.errors import ArgumentError


def check_arguments(args):
    """Raises `ArgumentError` for fewer than two conv layers."""
    if args["conv_layers"] < 2:
        raise ArgumentError(f"conv_layers: expected at least 2, got {args['conv_layers']}")


def build_gradient_net(width=108, conv_layers=10):
    """Args:
        width: channels of the nine hidden layers.
        conv_layers: number of conv layers (paper: 10).
    Returns:
        `keras.Model` {"image": [B, H, W, 3] RGB in [0, 1]} -> [B, H, W, 2] (d/dx, d/dy).
    """
    check_arguments({"conv_layers": conv_layers})
    initializer = keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal")
    image = keras.Input((None, None, 3), name="image")
    x = image
    for index in range(conv_layers - 1):
        x = layers.Conv2D(
            width,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=initializer,
            name=f"gradient_conv_{index + 1}",
        )(x)
    gradients = layers.Conv2D(
        2, 3, padding="same", kernel_initializer=initializer, name=f"gradient_conv_{conv_layers}"
    )(x)
    return keras.Model({"image": image}, gradients, name="gradient_net")
