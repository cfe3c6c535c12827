"""DPDE presets as plain dicts: the keys are the arguments of the DPDE stages (`dpde.registry.MODELS["dpde"].stages`).

`paper`: ResNet-50 FCRN with Laina's 1024-channel decoder and U-Net laterals, the ten-layer
gradient network of width 108 (reconstruction, NOTES.md), IRLS with omega = 10. `small`: a
one-block-per-stage ResNet encoder (32..256 channels, random init), a 128-channel decoder and a
gradient network of width 16, for CPU runs in minutes.
"""

from common.irls import IRLS_MAX_ITERATIONS, OMEGA, PHI_EPS

PRESETS = {
    "paper": {
        "encoder": "resnet50",
        "encoder_weights": "imagenet",
        "decoder_width": 1024,
        "fast_upconvolution": True,
        "lateral_connections": True,
        "gradient_width": 108,
        "gradient_layers": 10,
        "irls_omega": OMEGA,
        "irls_eps": PHI_EPS,
        "irls_iterations": IRLS_MAX_ITERATIONS,
    },
    "small": {
        "encoder": "resnet_small",
        "encoder_weights": "none",
        "decoder_width": 128,
        "fast_upconvolution": True,
        "lateral_connections": True,
        "gradient_width": 16,
        "gradient_layers": 10,
        "irls_omega": OMEGA,
        "irls_eps": PHI_EPS,
        "irls_iterations": IRLS_MAX_ITERATIONS,
    },
}
