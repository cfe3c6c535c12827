"""DE-CNN (IGDE Table 1): a single branch on the colour image and the depth concatenated at the
input; plain 3x3 conv + ReLU layers and a 3x3 conv to the depth (`igde.output`: IGDE's direct
output and its initialisation), or with `residual_output` to a correction added to the input
depth, which under eq. 5 never leaves its input (RECONSTRUCTION.md)."""

import keras
from keras import layers

from igde.output import depth_output


def build_de_cnn(features=64, conv_layers=10, residual_output=False):
    """Returns `keras.Model` {"image": [B, H, W, 3], "depth": [B, H, W, 1]} -> [B, H, W, 1]."""
    image = keras.Input((None, None, 3), name="image")
    depth = keras.Input((None, None, 1), name="depth")
    x = layers.Concatenate(name="input_concat")([image, depth])
    for index in range(conv_layers - 1):
        x = layers.Conv2D(features, 3, padding="same", activation="relu", name=f"conv_{index + 1}")(x)
    refined = depth_output(x, depth, residual_output, kernel_size=3, name=f"conv_{conv_layers}")
    return keras.Model({"image": image, "depth": depth}, refined, name="de_cnn")
