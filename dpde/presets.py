"""DPDE presets as plain dicts keyed by the network they configure: `depth` (`build_fcrn`'s
arguments), `gradient` (`build_gradient_net`'s) and `fusion` (`build_dpde`'s IRLS settings). In an
experiment, `model.args.<network>.<argument>` overrides one entry, under the builder's own name.

`paper`: ResNet-50 FCRN with Laina's 1024-channel decoder and U-Net laterals, the ten-layer
gradient network of width 108 (reconstruction, NOTES.md), IRLS with omega = 10. `small`: a
one-block-per-stage ResNet encoder (32..256 channels, random init), a 128-channel decoder and a
gradient network of width 16, for CPU runs in minutes.
"""

from common.irls import IRLS_MAX_ITERATIONS, OMEGA, PHI_EPS

FUSION = {"omega": OMEGA, "eps": PHI_EPS, "iterations": IRLS_MAX_ITERATIONS}

PRESETS = {
    "paper": {
        "depth": {
            "encoder": "resnet50",
            "encoder_weights": "imagenet",
            "decoder_width": 1024,
            "fast_upconvolution": True,
            "lateral_connections": True,
        },
        "gradient": {"width": 108, "conv_layers": 10},
        "fusion": FUSION,
    },
    "small": {
        "depth": {
            "encoder": "resnet_small",
            "encoder_weights": "none",
            "decoder_width": 128,
            "fast_upconvolution": True,
            "lateral_connections": True,
        },
        "gradient": {"width": 16, "conv_layers": 10},
        "fusion": FUSION,
    },
}
