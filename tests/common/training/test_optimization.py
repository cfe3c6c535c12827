"""The epoch schedule becomes a step schedule: the rate changes on the first step of the epoch
that `schedule.boundaries` names (the optimizer's step count is the number of updates applied)."""

import pytest

from common.config.schema import OptimizerConfig, ScheduleConfig
from common.training.optimization import build_optimizer, current_learning_rate

STEPS_PER_EPOCH = 10


@pytest.mark.parametrize("step, rate", [(0, 1e-3), (19, 1e-3), (20, 3e-4), (49, 3e-4), (50, 1e-4), (999, 1e-4)])
def test_piecewise_rate_changes_on_the_first_step_of_the_boundary_epoch(step, rate):
    schedule = ScheduleConfig(name="piecewise", boundaries=[2, 5], multipliers=[1.0, 0.3, 0.1])
    optimizer = build_optimizer(OptimizerConfig(name="adam", learning_rate=1e-3), schedule, STEPS_PER_EPOCH)
    optimizer.iterations.assign(step)  # the update about to be applied is the step-th, from 0
    assert current_learning_rate(optimizer) == pytest.approx(rate, rel=1e-6)


def test_constant_rate_and_loss_scaling():
    optimizer = build_optimizer(OptimizerConfig(name="sgd", learning_rate=0.01), ScheduleConfig(), 5, True)
    optimizer.iterations.assign(123)
    assert current_learning_rate(optimizer) == pytest.approx(0.01)
    assert type(optimizer).__name__ == "LossScaleOptimizer"
