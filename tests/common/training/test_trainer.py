"""The trainer's loop with `train.steps_per_execution`: several steps in one compiled call train
the same weights, log and checkpoint at the same steps, resume exactly mid-epoch and stop on a
non-finite loss at the step it happened, as one step a call does."""

import numpy as np
import pytest
import yaml

from commands.registry import load_experiment
from common.errors import TrainingError
from common.training.trainer import Trainer
from tests.conftest import TINY_EXPERIMENT, write_experiment


def _trainer(tmp_path, run, steps_per_execution, **sections):
    experiment = {**TINY_EXPERIMENT, "eval": {**TINY_EXPERIMENT["eval"], "every_epochs": 0}}
    experiment["train"] = {
        **TINY_EXPERIMENT["train"],
        "checkpoint_every_steps": 3,
        "log_every_steps": 2,
        "steps_per_execution": steps_per_execution,
    }
    for section, values in sections.items():
        experiment[section] = {**experiment[section], **values}
    path = tmp_path / f"{run}.yaml"
    path.write_text(yaml.safe_dump(experiment))
    trainer = Trainer(load_experiment(path), tmp_path / run)
    logged = []
    scalars = trainer.logger.scalars

    def record(step, values):
        if "train/loss" in values:
            logged.append((step, values))
        scalars(step, values)

    trainer.logger.scalars = record
    return trainer, logged


def _checkpoint_steps(trainer):
    return [int(path.rsplit("-", 1)[1]) for path in trainer.manager.checkpoints]


@pytest.mark.slow
def test_several_steps_a_call_train_log_and_checkpoint_as_one_step_a_call(tmp_path):
    one, one_logged = _trainer(tmp_path, "one", 1, train={"keep_checkpoints": 10})
    three, three_logged = _trainer(tmp_path, "three", 3, train={"keep_checkpoints": 10})
    assert one.train() == three.train() == 8  # 2 epochs of 4 steps
    assert _checkpoint_steps(one) == _checkpoint_steps(three) == [3, 4, 6, 8]
    assert [step for step, _ in one_logged] == [step for step, _ in three_logged] == [2, 4, 6, 8]
    for (_, ours), (_, theirs) in zip(three_logged, one_logged):
        assert ours.keys() == theirs.keys() and "train/learning_rate" in ours
        for key in ours:
            assert ours[key] == pytest.approx(theirs[key], rel=1e-5, abs=1e-7)
    for ours, theirs in zip(three.model.weights, one.model.weights):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    rows = (tmp_path / "three" / "metrics.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[1].startswith("1,4,") and rows[2].startswith("2,8,")


@pytest.mark.slow
def test_a_run_stopped_mid_epoch_resumes_to_the_same_weights(tmp_path):
    whole, _ = _trainer(tmp_path, "whole", 3)
    whole.train()
    stopped, _ = _trainer(tmp_path, "stopped", 3)
    record = stopped._record_steps

    def stop_after_the_first_checkpoint(first, values, sums):
        if first >= 3:
            raise KeyboardInterrupt
        record(first, values, sums)

    stopped._record_steps = stop_after_the_first_checkpoint
    with pytest.raises(KeyboardInterrupt):
        stopped.train()
    resumed, _ = _trainer(tmp_path, "stopped", 3)
    assert resumed.restore(required=True) == 3  # mid-epoch: the epoch has 4 steps
    assert resumed.train() == 8
    for ours, theirs in zip(resumed.model.weights, whole.model.weights):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_a_non_finite_loss_stops_at_its_step_whatever_the_steps_per_call(tmp_path):
    # A linear output: one step of lr 1e30 makes the next loss overflow.
    model = {**TINY_EXPERIMENT["model"], "args": {**TINY_EXPERIMENT["model"]["args"], "output_activation": "linear"}}
    messages = []
    for run, steps in (("one", 1), ("four", 4)):
        trainer, _ = _trainer(tmp_path, run, steps, model=model, optimizer={"learning_rate": 1.0e30})
        with pytest.raises(TrainingError, match="training stopped; the last good checkpoint is") as error:
            trainer.train()
        messages.append(str(error.value).split(":")[0])
    assert messages[0] == messages[1] and messages[0].startswith("loss is ")


@pytest.mark.slow
def test_a_seed_reproduces_its_run_and_another_seed_trains_on_the_same_data(tmp_path):
    """`train.seed` gives the same numbers bit for bit (every logged loss, every test metric);
    another seed trains another network on the same data (the input's scores are unchanged)."""
    import csv
    import json

    from common.training.run_experiment import run_experiment

    def run(name, seed):
        path = write_experiment(
            tmp_path / f"{name}.yaml", TINY_EXPERIMENT, train={**TINY_EXPERIMENT["train"], "seed": seed}
        )
        run_experiment(load_experiment(path), tmp_path / name)
        with (tmp_path / name / "metrics.csv").open() as handle:
            rows = [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(handle)]
        return rows, json.loads((tmp_path / name / "metrics.json").read_text())["results"]

    first, again, other = run("first", 0), run("again", 0), run("other", 1)
    assert first == again
    assert [row["loss"] for row in first[0]] != [row["loss"] for row in other[0]]
    assert first[1]["input"] == other[1]["input"] and first[1]["IGDE"] != other[1]["IGDE"]
