import numpy as np

from igde.budget import (
    CANDIDATES,
    DAYS_BUDGET,
    MEMORY_BUDGET_GIB,
    choose,
    forward_flop_per_pixel,
    stored_floats_per_pixel,
    training_budget,
)
from igde.model import build_igde
from igde.presets import PRESETS


def tiny():
    return build_igde(features=4, growth=2, block_layers=2, blocks=1)


def test_flop_per_pixel_is_twice_the_conv_weights():
    # every conv runs at full resolution, so a pixel costs one multiply-add per kernel weight
    model = tiny()
    kernels = [w for w in model.weights if w.path.endswith("kernel")]
    assert forward_flop_per_pixel(model) == 2 * sum(int(np.prod(w.shape)) for w in kernels)


def test_stored_floats_count_every_layer_output_and_the_blocks_inner_tensors():
    # by hand, G0 = 4, G = 2, C = 2, N = 1: inside a block, concats of 6 and 8 channels, two dense
    # outputs of 2 and the fusion's 4 (22); the block's output of 4 counts with the layer outputs
    model = tiny()
    block = 6 + 8 + 2 * 2 + 4
    outputs = sum(layer.output.shape[-1] for layer in model.layers[2:])
    assert stored_floats_per_pixel(model) == outputs + 3 * block
    assert stored_floats_per_pixel(model) > outputs


def test_the_rule_picks_the_paper_preset_and_rdn_does_not_fit():
    paper = PRESETS["paper"]
    size = (paper["blocks"], paper["block_layers"], paper["growth"])
    assert paper["features"] == paper["growth"] and size in CANDIDATES
    larger = [candidate for candidate in CANDIDATES if candidate[2] == 64 and candidate[0] in (4, 6)]
    budgets = {candidate: training_budget(*candidate) for candidate in larger + [(6, 3, 32)]}
    assert choose(budgets) == size
    assert budgets[size]["memory_gib"] <= MEMORY_BUDGET_GIB and budgets[size]["days"] <= DAYS_BUDGET
    rdn = training_budget(16, 8, 64)
    assert rdn["memory_gib"] > 100 and rdn["days"] > 300
