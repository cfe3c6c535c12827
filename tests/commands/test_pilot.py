"""python -m commands.pilot and python -m commands.learning_curves on the tiny experiment."""

import pytest
import yaml

from commands.learning_curves import parse_variant
from commands.pilot import pilot_config
from common.config.loader import load_config
from common.errors import ConfigError
from tests.conftest import TINY_EXPERIMENT, run_python, user_error


def test_the_pilot_keeps_the_settings_and_the_starting_rate(tmp_path):
    config = load_config("experiments/quickstart.yaml")
    pilot = pilot_config(config, steps=1000, points=4)
    assert (pilot.train.epochs, pilot.train.steps_per_epoch, pilot.eval.every_epochs) == (4, 250, 1)
    assert pilot.optimizer.learning_rate == config.optimizer.learning_rate * config.schedule.multipliers[0]
    assert pilot.schedule.name == "constant"
    assert (pilot.model, pilot.data, pilot.loss) == (config.model, config.data, config.loss)
    with pytest.raises(ConfigError, match="--steps 3 --points 4"):
        pilot_config(config, steps=3, points=4)


@pytest.mark.slow
def test_a_pilot_prints_its_curve_against_the_input(tiny_experiment, tmp_path):
    experiment = tiny_experiment()
    result = run_python("-m", "commands.pilot", experiment, "--steps", "6", "--points", "2", "--run-dir", tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "validation after epoch 1: PSNR " in result.stdout and "validation after epoch 2: PSNR " in result.stdout
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| step | epoch |") and [row.split(" | ")[0] for row in table[2:]] == ["| 3", "| 6"]
    assert "PSNRf " in result.stdout.splitlines()[-1]
    assert not (tmp_path / "export").exists()


@pytest.mark.slow
def test_the_pilot_refuses_a_dpde_experiment(tmp_path):
    result = run_python("-m", "commands.pilot", "experiments/dpde/quickstart.yaml", "--steps", "4")
    assert "has no input depth to beat (expected an IGDE experiment)" in user_error(result)


@pytest.mark.slow
def test_learning_curves_of_two_variants(tmp_path):
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(yaml.safe_dump({**TINY_EXPERIMENT, "train": {**TINY_EXPERIMENT["train"], "epochs": 2}}))
    out = tmp_path / "study"
    arguments = ["-m", "commands.learning_curves", experiment, "--out", out]
    variants = ["--variant", "paper loss: loss.weights.l2=0", "--variant", "with L2: loss.weights.l2=1000"]
    result = run_python(*arguments, *variants)
    assert result.returncode == 0, result.stderr[-3000:]
    page = (out / "curves.md").read_text()
    assert "**paper loss**" in page and "**with L2**" in page and page.count("| step | epoch |") == 2
    assert (out / "curves.png").stat().st_size > 1000 and not (out / "0" / "export").exists()
    again = run_python(*arguments, *variants)  # both finished: nothing is trained again
    assert again.returncode == 0 and "variant 0" not in again.stdout


def test_a_variant_needs_a_label():
    assert parse_variant("lr: optimizer.learning_rate=3e-3 train.epochs=2") == (
        "lr",
        ["optimizer.learning_rate=3e-3", "train.epochs=2"],
    )
    with pytest.raises(ConfigError, match="expected 'LABEL: key=value ...'"):
        parse_variant("optimizer.learning_rate=3e-3")
