"""IGDE presets as plain dicts: the keys are the arguments of `build_igde`.

`paper`: the IGDE text gives no N, C or G; this is the reconstruction from the paper's training
budget (one 11 GB RTX 2080 Ti, batch 2 x 280 x 480, 50 epochs): RDN's proportions (G0 = G,
C = N / 2) at the largest size that fits, N = 4, C = 2, G = 64 (1.78 M parameters, about
9.4 GiB of training memory, 11 days for 50 epochs at 40 % of the card's fp32 peak); the table
and the rule are `python -m commands.budget`. `rdn`: RDN's published size (Zhang et al. 2018: N = 16,
C = 8, G = G0 = 64; 66 M parameters), which needs about 172 GiB for one step at the paper's batch
and crop. `small`: a few blocks of a few narrow layers, trainable on a CPU in minutes.
"""

LAYOUT = {
    "image_concat_layers": 3,
    "fuse_image_features": True,
    "residual_output": False,
    "output_activation": "relu",
    "fusion_activation": "relu",
}

PRESETS = {
    "paper": {"features": 64, "growth": 64, "block_layers": 2, "blocks": 4, **LAYOUT},
    "rdn": {"features": 64, "growth": 64, "block_layers": 8, "blocks": 16, **LAYOUT},
    "small": {"features": 16, "growth": 16, "block_layers": 3, "blocks": 2, **LAYOUT},
}
