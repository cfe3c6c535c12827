"""Optimizer and learning-rate schedule from the `optimizer` and `schedule` sections."""

import keras


def learning_rate(optimizer_config, schedule_config, steps_per_epoch):
    """A float, or a piecewise-constant schedule whose epoch boundaries become step boundaries.

    The schedule sees the count of updates already applied, and Keras's piecewise schedule keeps
    a value up to and including its boundary: so epoch e's first update (count e x steps) gets
    the new rate when the boundary is e x steps - 1."""
    base = optimizer_config.learning_rate
    if schedule_config.name == "constant":
        return base
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        boundaries=[epoch * steps_per_epoch - 1 for epoch in schedule_config.boundaries],
        values=[base * multiplier for multiplier in schedule_config.multipliers],
    )


def build_optimizer(optimizer_config, schedule_config, steps_per_epoch, loss_scaling=False):
    """SGD or Adam; with `loss_scaling` (`mixed_float16`) wrapped in Keras's dynamic
    `LossScaleOptimizer`, which skips a step whose scaled gradients overflowed."""
    rate = learning_rate(optimizer_config, schedule_config, steps_per_epoch)
    if optimizer_config.name == "sgd":
        optimizer = keras.optimizers.SGD(rate, momentum=optimizer_config.momentum, clipnorm=optimizer_config.clipnorm)
    else:
        optimizer = keras.optimizers.Adam(
            rate,
            beta_1=optimizer_config.beta_1,
            beta_2=optimizer_config.beta_2,
            epsilon=optimizer_config.epsilon,
            clipnorm=optimizer_config.clipnorm,
        )
    return keras.optimizers.LossScaleOptimizer(optimizer) if loss_scaling else optimizer


def current_learning_rate(optimizer):
    rate = optimizer.learning_rate
    return float(rate.numpy() if hasattr(rate, "numpy") else rate)
