"""The IGDE network (Sect. 3.1, Figs. 5-7): image branch, depth branch with early image feature
concatenation, fusion module, refinement RDN, 1x1 output conv.

Both branches are RDNs (`igde.rdn`). The depth branch's three early layers are its two shallow
convs and its first RDB; after each of the last `image_concat_layers` of them (k = 0..3, paper
default 3, Table 3: the shallowest are dropped first) the image branch's features of the same
layer are concatenated in and fused back to G0 channels by a 1x1 conv. The fusion module
concatenates the two branches' outputs (1x1 then 3x3 conv); the refinement RDN and a 1x1 conv give
the depth, or (`residual_output`, a reconstruction) a correction added to the input depth. Every
conv has a ReLU (Sect. 3.1), the RDN fusions too (`fusion_activation`); the output's is
`output_activation`.
"""

import keras
from keras import layers

from common.errors import ArgumentError
from igde.output import depth_output
from igde.rdn import concat_fuse, conv, rdn_body

EARLY_LAYERS = 3  # shallow conv 1, shallow conv 2, first RDB


def _branch(x, name, features, growth, block_layers, blocks, fusion_activation, guides=None):
    """An RDN feature extractor; returns (output, [its three early-layer features]).

    `guides` maps early-layer indices (0, 1, 2) to image features concatenated in after them.
    """
    guides = guides or {}
    shallow = conv(features, 3, f"{name}_shallow_1")(x)
    early = [shallow]
    x = concat_fuse(shallow, guides[0], f"{name}_shallow_1_guide") if 0 in guides else shallow
    x = conv(features, 3, f"{name}_shallow_2")(x)
    early.append(x)
    x = concat_fuse(x, guides[1], f"{name}_shallow_2_guide") if 1 in guides else x
    block_outputs = []
    block_guides = {0: guides[2]} if 2 in guides else None
    out = rdn_body(
        x,
        shallow,
        blocks,
        features,
        growth,
        block_layers,
        name,
        fusion_activation,
        guides=block_guides,
        block_outputs=block_outputs,
    )
    early.append(block_outputs[0])
    return out, early


def check_arguments(args):
    """Raises `ArgumentError` for an impossible `image_concat_layers` or `blocks`."""
    if not 0 <= args["image_concat_layers"] <= EARLY_LAYERS:
        raise ArgumentError(f"image_concat_layers: expected 0..{EARLY_LAYERS}, got {args['image_concat_layers']}")
    if args["blocks"] < 1:
        raise ArgumentError(f"blocks: expected at least 1, got {args['blocks']}")


def build_igde(
    features=16,
    growth=16,
    block_layers=3,
    blocks=2,
    image_concat_layers=3,
    residual_output=False,
    output_activation="relu",
    fusion_activation="relu",
    fuse_image_features=True,
):
    """Builds the IGDE model.

    Args:
        features: G0, channels of every RDN.
        growth: G, growth of each dense layer.
        block_layers: C, dense layers per RDB.
        blocks: N, RDBs per RDN (both branches and the refinement module).
        image_concat_layers: k in 0..3, early layers of the depth branch that receive image
            features.
        residual_output: the 1x1 output conv predicts a correction added to the input depth
            (ours, not the paper's: the text restores the depth "by a 1 x 1 convolution",
            Sect. 3.1); that conv starts at zero, so the untrained network returns its input
            depth, and under the paper's L1-type losses it stays there far longer than the
            direct output (RESULTS.md, "The paper's loss").
        output_activation: applied to the output depth ("relu": every conv has a ReLU in the
            paper; or "linear").
        fusion_activation: of the RDNs' local and global fusion convs ("relu": "All the
            convolutions used in the module utilize ReLU", Sect. 3.1; "linear": RDN's layout).
        fuse_image_features: the fusion module takes the image branch's output beside the depth
            branch's ("concatenate them together as the fused feature", Sect. 3.1). False fuses
            the depth branch alone: with `image_concat_layers=0` the network then uses no colour
            at all, one reading of Table 3's "w/o color map information" (RECONSTRUCTION.md).
    Returns:
        A functional `keras.Model` with inputs {"image": [B, H, W, 3] RGB in [0, 1],
        "depth": [B, H, W, 1] in [0, 1]} and output [B, H, W, 1] refined depth.
    Example:
        model = build_igde(**PRESETS["small"])
        model({"image": rgb, "depth": depth}).shape  # (B, H, W, 1)
    """
    check_arguments({"image_concat_layers": image_concat_layers, "blocks": blocks})
    sizes = dict(
        features=features, growth=growth, block_layers=block_layers, blocks=blocks, fusion_activation=fusion_activation
    )
    image = keras.Input(shape=(None, None, 3), name="image")
    depth = keras.Input(shape=(None, None, 1), name="depth")
    image_features, image_early = _branch(image, "image", **sizes)
    concat_at = range(EARLY_LAYERS - image_concat_layers, EARLY_LAYERS)
    depth_features, _ = _branch(depth, "depth", guides={i: image_early[i] for i in concat_at}, **sizes)
    fused = (
        layers.Concatenate(name="fusion_concat")([image_features, depth_features])
        if fuse_image_features
        else depth_features
    )
    fused = conv(features, 1, "fusion_1x1")(fused)
    fused = conv(features, 3, "fusion_3x3")(fused)
    refined = rdn_body(fused, fused, blocks, features, growth, block_layers, "refine", fusion_activation)
    output = depth_output(refined, depth, residual_output, output_activation)
    return keras.Model(inputs={"image": image, "depth": depth}, outputs=output, name="igde")
