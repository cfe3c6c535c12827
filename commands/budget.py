"""Prints the training budget of IGDE sizes and the size the `paper` preset takes (`igde.budget`).

    python -m commands.budget [--measure N C G]

`--measure` also runs one training step of that size at 2 x 280 x 480 on this machine's CPU and
prints its peak resident memory.
"""

import argparse
import os
import resource
import sys

from common.errors import ConfigError, exit_status

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from igde.budget import (
    BATCH,
    CANDIDATES,
    CROP,
    DAYS_BUDGET,
    EPOCHS,
    GPU_FP32_FLOPS,
    GPU_MEMORY_GB,
    MEMORY_BUDGET_GIB,
    STEPS_PER_EPOCH,
    UTILISATION,
    choose,
    fits,
    training_budget,
)


def measure_peak_memory(blocks, block_layers, growth):
    """Peak resident memory (GiB) of this process after one CPU training step at 2 x 280 x 480."""
    import numpy as np
    import tensorflow as tf

    from common.config.schema import LossConfig, OptimizerConfig, ScheduleConfig
    from common.training.optimization import build_optimizer
    from common.training.step import make_train_step
    from igde.model import build_igde

    model = build_igde(features=growth, growth=growth, block_layers=block_layers, blocks=blocks)
    optimizer = build_optimizer(OptimizerConfig(), ScheduleConfig(), 1)
    step = make_train_step(tf.distribute.get_strategy(), model, optimizer, LossConfig(), ("image", "depth"))
    rng = np.random.default_rng(0)
    batch = {"image": rng.random((BATCH, *CROP, 3), np.float32), "depth": rng.random((BATCH, *CROP, 1), np.float32)}
    batch["target"] = batch["depth"]
    batch["error_mask"] = np.zeros_like(batch["depth"])
    step({key: tf.constant(value) for key, value in batch.items()})
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--measure", nargs=3, type=int, metavar=("N", "C", "G"), help="also measure one CPU training step of this size"
    )
    args = parser.parse_args(argv)
    return exit_status(lambda: report(args.measure))


def report(measure):
    """Prints the budget table and, with `measure` (N, C, G), one measured CPU step."""
    if measure and not (1 <= measure[0] <= 64 and 1 <= measure[1] <= 32 and 1 <= measure[2] <= 256):
        raise ConfigError(f"--measure {' '.join(map(str, measure))}: expected N in 1..64, C in 1..32, G in 1..256")
    if measure:  # first, so that the candidate models built below do not count
        peak = measure_peak_memory(*measure)
    sizes = CANDIDATES + [(16, 8, 64)]
    budgets = {size: training_budget(*size) for size in sizes}
    chosen = choose(budgets)
    print(
        f"IGDE at batch {BATCH} x {CROP[0]} x {CROP[1]}, {EPOCHS} epochs of {STEPS_PER_EPOCH:,d} steps; "
        f"RTX 2080 Ti: {GPU_MEMORY_GB} GB, {GPU_FP32_FLOPS / 1e12:.1f} TFLOP/s fp32 at "
        f"{UTILISATION:.0%} utilisation"
    )
    print("| N | C | G = G0 | parameters | training memory (GiB) | TFLOP per step | days for 50 epochs | fits |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size, budget in budgets.items():
        mark = "**chosen**" if size == chosen else ("yes" if fits(budget) else "no")
        print(
            f"| {size[0]} | {size[1]} | {size[2]} | {budget['parameters']:,d} | {budget['memory_gib']:.1f} | "
            f"{budget['flop_per_step'] / 1e12:.2f} | {budget['days']:.1f} | {mark} |"
        )
    print(
        f"rule: RDN's proportions (C = N / 2, G0 = G), memory <= {MEMORY_BUDGET_GIB} GiB, "
        f"<= {DAYS_BUDGET} days; the most FLOP per step: N, C, G = {chosen}"
    )
    if measure:
        print(
            f"measured: one CPU training step of N, C, G = {tuple(measure)} peaked at {peak:.1f} GiB "
            f"resident (estimate {training_budget(*measure)['memory_gib']:.1f} GiB of tensors)"
        )


if __name__ == "__main__":
    sys.exit(main())
