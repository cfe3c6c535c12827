"""FCRN (Laina et al. 2016) and the modified FCRN of DPDE (Sect. 3.1).

FCRN: encoder -> 1x1 conv + BN to `decoder_width` channels -> four up-projection blocks, each
halving the channels and doubling the resolution -> 3x3 conv to one channel. The prediction, at
half the input resolution, is resized bilinearly to the input's size.

The decoder doubles from ceil(H / 32), so it overshoots the encoder's stride-16..2 grids when H or
W is not a multiple of 32 (240 rows: 8 -> 128 rows, where the stride-2 grid has 120). Before each
up-projection after the first, and before the last conv, the decoder is cropped to the encoder
stage of its size, in both FCRN and the modified FCRN: the two differ only in the laterals, and
both predict on the stride-2 grid that the final resize maps exactly onto the input (DPDE Table 4
compares them).

The modification (`lateral_connections`): at each of those points the decoder is concatenated
with the encoder stage output (U-Net) and a 1x1 conv restores the decoder's channel count.

Example:
    model = build_fcrn(encoder="resnet50", decoder_width=1024)  # 63.6M parameters
    depth = model({"image": images})                            # [B, H, W, 1] metres
"""

import keras
from keras import layers

from common.errors import ArgumentError
from dpde.encoders import build_encoder, check_encoder
from dpde.layers import CropToMatch, ResizeToMatch, UpConvolution

UP_PROJECTIONS = 4


def up_projection(x, filters, fast, name):
    """Laina's up-projection: relu(BN(conv3x3(relu(BN(upconv(x))))) + BN(upconv'(x))), 2x size."""
    branch = UpConvolution(filters, fast, name=f"{name}_upconv")(x)
    branch = layers.BatchNormalization(name=f"{name}_upconv_bn")(branch)
    branch = layers.ReLU(name=f"{name}_upconv_relu")(branch)
    branch = layers.Conv2D(filters, 3, padding="same", name=f"{name}_conv")(branch)
    branch = layers.BatchNormalization(name=f"{name}_conv_bn")(branch)
    projection = UpConvolution(filters, fast, name=f"{name}_projection")(x)
    projection = layers.BatchNormalization(name=f"{name}_projection_bn")(projection)
    return layers.ReLU(name=f"{name}_out")(layers.Add(name=f"{name}_add")([branch, projection]))


def decoder_join(decoder, encoder_feature, lateral, index):
    """The decoder cropped to the encoder feature's size, and with `lateral` the U-Net skip:
    concat(cropped decoder, feature) -> 1x1 conv back to the decoder's channels."""
    decoder = CropToMatch(name=f"decoder_crop_{index}")(decoder, encoder_feature)
    if not lateral:
        return decoder
    merged = layers.Concatenate(name=f"lateral_{index}_concat")([decoder, encoder_feature])
    return layers.Conv2D(decoder.shape[-1], 1, activation="relu", name=f"lateral_{index}_fuse")(merged)


def check_arguments(args):
    """Raises `ArgumentError` for an unknown encoder, a missing weights file or a decoder too
    narrow for its up-projections."""
    check_encoder(args["encoder"], args["encoder_weights"])
    if args["decoder_width"] < 2**UP_PROJECTIONS:
        raise ArgumentError(f"decoder_width: expected at least {2**UP_PROJECTIONS}, got {args['decoder_width']}")


def build_fcrn(
    encoder="resnet50", encoder_weights="none", decoder_width=1024, fast_upconvolution=True, lateral_connections=False
):
    """The FCRN depth network; `lateral_connections=True` gives DPDE's modified FCRN.

    Args:
        encoder: "resnet50" (paper) or "resnet_small".
        encoder_weights: "none", "imagenet" or a path (`dpde.encoders`).
        decoder_width: channels after the 1x1 conv (1024 in Laina et al.); each up-projection
            halves them.
        fast_upconvolution: Laina's fast up-convolution instead of unpool + 5x5 conv (same
            function, less compute).
    Returns:
        `keras.Model` {"image": [B, H, W, 3] RGB in [0, 1]} -> [B, H, W, 1] depth.
    """
    check_arguments({"encoder": encoder, "encoder_weights": encoder_weights, "decoder_width": decoder_width})
    image = keras.Input((None, None, 3), name="image")
    stages = build_encoder(encoder, encoder_weights)(image)
    x = layers.Conv2D(decoder_width, 1, name="bottleneck_conv")(stages[-1])
    x = layers.BatchNormalization(name="bottleneck_bn")(x)
    width = decoder_width
    for index in range(UP_PROJECTIONS):
        if index > 0:
            x = decoder_join(x, stages[-1 - index], lateral_connections, index)
        width //= 2
        x = up_projection(x, width, fast_upconvolution, f"up_projection_{index + 1}")
    x = decoder_join(x, stages[0], lateral_connections, UP_PROJECTIONS)
    depth = layers.Conv2D(1, 3, padding="same", name="depth_conv")(x)
    depth = ResizeToMatch(name="depth_resize")(depth, image)
    name = "modified_fcrn" if lateral_connections else "fcrn"
    return keras.Model({"image": image}, depth, name=name)
