"""The depth output of IGDE and of Table 1's comparison networks: a conv that restores the depth
(IGDE: "restored to a depth map by a 1 x 1 convolution", Sect. 3.1), or, with `residual`, a conv
whose correction is added to the input depth, starting at zero so that the untrained network is
the identity (a reconstruction: under eq. 5's L1-type loss such a network stays at its input;
RESULTS.md, "The paper's loss", and the campaign's comparison rows).

The output path computes in float32 under every mixed-precision policy: a bfloat16 add of an
8-bit depth map and a zero correction moves it by up to half a grey level (PSNR near 61 dB).
"""

import keras
from keras import layers

# How the direct output conv starts (ours; the text gives no initialisation): near the middle of
# the [0, 1] depth range, with small weights, so that its ReLU starts alive at every pixel. With
# Keras's default (Glorot weights, zero bias) the 8-channel test network started negative, so
# zero with no gradient, at 88 % of the pixels for one seed and at every pixel for another (the
# loss never moved).
OUTPUT_BIAS = 0.5
OUTPUT_KERNEL_STDDEV = 1e-3


def depth_output(features, depth, residual=False, activation="relu", kernel_size=1, name="output"):
    """[B, H, W, 1] depth from `features`: the conv's output through `activation`, or with
    `residual` the input `depth` plus the conv's correction (zero-initialised), through it."""
    if residual:
        correction = layers.Conv2D(
            1, kernel_size, padding="same", kernel_initializer="zeros", dtype="float32", name=name
        )(features)
        summed = layers.Add(dtype="float32", name=f"{name}_residual")([depth, correction])
        return layers.Activation(activation, dtype="float32", name=f"{name}_activation")(summed)
    return layers.Conv2D(
        1,
        kernel_size,
        padding="same",
        activation=activation,
        kernel_initializer=keras.initializers.RandomNormal(stddev=OUTPUT_KERNEL_STDDEV),
        bias_initializer=keras.initializers.Constant(OUTPUT_BIAS),
        dtype="float32",
        name=name,
    )(features)
