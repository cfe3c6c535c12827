"""IGDE presets as plain dicts: the keys are the arguments of `build_igde`.

`paper`: RDN sizes of Zhang et al. 2018 (N = 16 blocks, C = 8 layers, G = G0 = 64), which the
IGDE paper does not state (reconstruction, NOTES.md). `small`: a few blocks of a few narrow
layers, trainable on a CPU in minutes.
"""

PRESETS = {
    "paper": {
        "features": 64,
        "growth": 64,
        "block_layers": 8,
        "blocks": 16,
        "image_concat_layers": 3,
        "residual_output": True,
        "output_activation": "relu",
    },
    "small": {
        "features": 16,
        "growth": 16,
        "block_layers": 3,
        "blocks": 2,
        "image_concat_layers": 3,
        "residual_output": True,
        "output_activation": "relu",
    },
}
