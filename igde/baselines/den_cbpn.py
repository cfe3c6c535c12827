"""DEN+CBPN (IGDE Table 1): two branches, a depth enhancement network on the depth and a
colour-based prediction network on the image, each 3x3 conv + ReLU layers; their features are
concatenated, fused by more conv + ReLU layers, and a 3x3 conv gives the depth (`igde.output`:
IGDE's direct output and its initialisation), or with `residual_output` a correction added to the
input depth, which under eq. 5 never leaves its input (sizes and output: RECONSTRUCTION.md)."""

import keras
from keras import layers

from igde.output import depth_output


def _convs(x, features, count, name):
    for index in range(count):
        x = layers.Conv2D(features, 3, padding="same", activation="relu", name=f"{name}_{index + 1}")(x)
    return x


def build_den_cbpn(features=64, branch_layers=5, fusion_layers=5, residual_output=False):
    """Returns `keras.Model` {"image", "depth"} -> [B, H, W, 1]."""
    image = keras.Input((None, None, 3), name="image")
    depth = keras.Input((None, None, 1), name="depth")
    x = layers.Concatenate(name="branch_concat")(
        [_convs(depth, features, branch_layers, "den"), _convs(image, features, branch_layers, "cbpn")]
    )
    x = _convs(x, features, fusion_layers, "fusion")
    refined = depth_output(x, depth, residual_output, kernel_size=3, name="correction")
    return keras.Model({"image": image, "depth": depth}, refined, name="den_cbpn")
