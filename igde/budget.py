"""The training budget of IGDE sizes (N, C, G), and the rule that reconstructs the `paper` preset.

The text does not give N, C or G. It does give the budget: "NVIDIA Geforce RTX 2080Ti 11G GPU is
used to accelerate the training process", "images with a batch size of 2 were randomly cropped
to size H = 280 and W = 480", "for 50 epochs" of the 70,908 training views (35,454 steps an
epoch). RDN's published size (N = 16, C = 8, G = G0 = 64, the `rdn` preset) needs about 170 GiB
of activations for one such step and about 400 days for 50 epochs: the paper's network was
smaller.

Rule (reconstruction): keep RDN's proportions (G0 = G, C = N / 2) and take the candidate of the
most FLOP per step whose estimated training memory fits `MEMORY_BUDGET_GIB` (the 11 GB card less
about 1 GiB for the CUDA context and cuDNN workspaces) and whose 50 epochs take at most
`DAYS_BUDGET` days at `UTILISATION` of the card's fp32 peak.

Memory estimate: every tensor that the backward pass keeps, float32 (each layer's output, and
inside a residual dense block each concatenation and each conv output), plus 16 bytes a
parameter (weights, gradients, Adam's two moments). FLOP: 2 k^2 C_in C_out per conv and pixel,
times 3 for the forward and backward pass.

`python -m commands.budget` prints the table; its `--measure` runs one training step of a size on
the CPU.
"""

import keras

from igde.model import build_igde
from igde.rdn import ResidualDenseBlock

BATCH, CROP = 2, (280, 480)  # IGDE Sect. 4
STEPS_PER_EPOCH, EPOCHS = 70_908 // 2, 50
GPU_FP32_FLOPS = 13.4e12  # RTX 2080 Ti, fp32 boost peak
GPU_MEMORY_GB = 11
MEMORY_BUDGET_GIB = 10.0
UTILISATION = 0.4
DAYS_BUDGET = 14
BYTES_PER_PARAMETER = 16  # weights, gradients, Adam m and v, float32
CANDIDATES = [(n, n // 2, g) for g in (16, 32, 64) for n in (2, 4, 6, 8, 12, 16)]


def stored_floats_per_pixel(model):
    """Float32 values per pixel of the batch that the backward pass keeps (see the module doc)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        total += layer.output.shape[-1]
        if isinstance(layer, ResidualDenseBlock):
            g0, g, c = layer.features, layer.growth, layer.num_layers
            total += sum(g0 + i * g for i in range(1, c + 1)) + c * g + g0
    return total


def forward_flop_per_pixel(model):
    """2 k^2 C_in C_out summed over every conv of the model (those inside the RDBs too)."""
    total = 0
    for layer in model.layers:
        convs = []
        if isinstance(layer, keras.layers.Conv2D):
            convs = [(layer.kernel_size, layer.input.shape[-1], layer.filters)]
        elif isinstance(layer, ResidualDenseBlock):
            g0, g = layer.features, layer.growth
            convs = [(conv.kernel_size, g0 + i * g, g) for i, conv in enumerate(layer.dense_convs)]
            convs.append((layer.local_fusion.kernel_size, g0 + layer.num_layers * g, g0))
        total += sum(2 * k[0] * k[1] * c_in * c_out for k, c_in, c_out in convs)
    return total


def training_budget(blocks, block_layers, growth):
    """{parameters, memory_gib, flop_per_step, days} of IGDE (N, C, G = G0) at the paper's batch."""
    model = build_igde(features=growth, growth=growth, block_layers=block_layers, blocks=blocks)
    pixels = BATCH * CROP[0] * CROP[1]
    parameters = model.count_params()
    memory = stored_floats_per_pixel(model) * pixels * 4 + parameters * BYTES_PER_PARAMETER
    flop = 3 * forward_flop_per_pixel(model) * pixels
    days = flop * STEPS_PER_EPOCH * EPOCHS / (GPU_FP32_FLOPS * UTILISATION) / 86_400
    return {"parameters": parameters, "memory_gib": memory / 2**30, "flop_per_step": flop, "days": days}


def fits(budget):
    return budget["memory_gib"] <= MEMORY_BUDGET_GIB and budget["days"] <= DAYS_BUDGET


def choose(budgets):
    """The (N, C, G) of the most FLOP per step among those that fit the budget."""
    return max(
        (size for size, budget in budgets.items() if fits(budget)), key=lambda size: budgets[size]["flop_per_step"]
    )
