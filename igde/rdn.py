"""Residual dense network (RDN, Zhang et al. 2018), the backbone of IGDE's branches and refinement
module (IGDE Sect. 2 and 3.1, Figs. 3-4).

A residual dense block (RDB) has C densely connected 3x3 conv + ReLU layers of growth G, a local
1x1 feature fusion back to G0 channels and a local residual. The RDN body chains N blocks, fuses
all their outputs globally (1x1 then 3x3 conv) and adds a global residual.

The fusion convs (local and global) take `fusion_activation`. Zhang et al.'s RDN leaves them
linear; IGDE says of its refinement module, whose backbone is "the same residual dense network"
as the feature extractors, "All the convolutions used in the module utilize ReLU to prevent the
network output from being too linear" (Sect. 3.1). Our default reads that literally for every
RDN of the model: ReLU after every conv, fusions included; "linear" gives RDN's layout.
"""

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="igde")
class ResidualDenseBlock(keras.layers.Layer):
    """One RDB: `x + fuse(concat(x, h_1, ..., h_C))`, `h_c = relu(conv3x3(concat(x, h_1..h_{c-1})))`.

    Args:
        features: G0, the channels in and out.
        growth: G, the channels each dense layer adds.
        num_layers: C, dense conv layers in the block.
        fusion_activation: activation of the local 1x1 fusion ("relu": IGDE Sect. 3.1;
            "linear": RDN's).
    Example:
        block = ResidualDenseBlock(features=16, growth=16, num_layers=3)
        block(keras.ops.zeros([1, 8, 8, 16])).shape  # (1, 8, 8, 16)
    """

    def __init__(self, features, growth, num_layers, fusion_activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.features = features
        self.growth = growth
        self.num_layers = num_layers
        self.fusion_activation = fusion_activation
        # The block's own dtype policy (mixed_float16 when loaded from a mixed-precision run).
        self.dense_convs = [
            layers.Conv2D(growth, 3, padding="same", activation="relu", dtype=self.dtype_policy, name=f"dense_{i}")
            for i in range(num_layers)
        ]
        self.local_fusion = layers.Conv2D(
            features, 1, activation=fusion_activation, dtype=self.dtype_policy, name="local_fusion"
        )

    def build(self, input_shape):
        spatial, channels = tuple(input_shape[:-1]), input_shape[-1]
        for conv in self.dense_convs:
            conv.build(spatial + (channels,))
            channels += self.growth
        self.local_fusion.build(spatial + (channels,))

    def call(self, inputs):
        features = [inputs]
        for conv in self.dense_convs:
            features.append(conv(keras.ops.concatenate(features, axis=-1)))
        return inputs + self.local_fusion(keras.ops.concatenate(features, axis=-1))

    def get_config(self):
        return {
            **super().get_config(),
            "features": self.features,
            "growth": self.growth,
            "num_layers": self.num_layers,
            "fusion_activation": self.fusion_activation,
        }


def conv(features, kernel_size, name, activation="relu"):
    """A same-padded conv; IGDE uses ReLU after every conv (Sect. 3.1)."""
    return layers.Conv2D(features, kernel_size, padding="same", activation=activation, name=name)


def concat_fuse(x, guide, name):
    """IGDE's early feature concatenation: concat(x, guide) -> 1x1 conv back to x's channels."""
    channels = x.shape[-1]
    merged = layers.Concatenate(name=f"{name}_concat")([x, guide])
    return conv(channels, 1, f"{name}_fuse")(merged)


def rdn_body(
    x, shallow, blocks, features, growth, block_layers, name, fusion_activation="relu", guides=None, block_outputs=None
):
    """The RDN after its shallow layers: N RDBs, global fusion, global residual with `shallow`.

    Args:
        x: [B, H, W, G0] input of the first block.
        shallow: [B, H, W, G0] features added back after global fusion.
        fusion_activation: of the local and global fusion convs (see the module docstring).
        guides: optional {block index: [B, H, W, G0] features} concatenated into the block's
            output (`concat_fuse`) before the next block.
        block_outputs: optional list that receives each block's output.
    Returns:
        [B, H, W, G0] features.
    """
    outputs = []
    for i in range(blocks):
        x = ResidualDenseBlock(features, growth, block_layers, fusion_activation, name=f"{name}_rdb_{i}")(x)
        if guides and i in guides:
            x = concat_fuse(x, guides[i], f"{name}_rdb_{i}_guide")
        outputs.append(x)
    if block_outputs is not None:
        block_outputs.extend(outputs)
    fused = layers.Concatenate(name=f"{name}_global_concat")(outputs) if len(outputs) > 1 else outputs[0]
    fused = conv(features, 1, f"{name}_global_fusion_1x1", fusion_activation)(fused)
    fused = conv(features, 3, f"{name}_global_fusion_3x3", fusion_activation)(fused)
    return layers.Add(name=f"{name}_global_residual")([fused, shallow])
