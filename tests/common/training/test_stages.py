"""A model of stages trains nothing twice: DPDE's plain FCRN is the depth network's twin when the
depth network has no laterals and the same loss, and is then neither trained nor scored apart;
`stage_settings` give one stage its own loss (the plain FCRN on BerHu alone) or recipe (the
gradient network's optimizer, schedule, epochs and batch); no two result rows share a title."""

import pytest

from commands.registry import load_experiment
from common.errors import ConfigError
from common.evaluation.tables import labelled_rows
from tests.conftest import TINY_DPDE, WITH_FCRN, write_experiment


def _load(tmp_path, **sections):
    sections["train"] = {**WITH_FCRN, **sections.get("train", {})}
    return load_experiment(write_experiment(tmp_path / "tiny_dpde.yaml", TINY_DPDE, **sections))


def test_the_plain_fcrn_is_the_depth_networks_twin_without_laterals(tmp_path):
    args = {"depth": {"decoder_width": 32, "lateral_connections": False}, "gradient": {"width": 8}}
    assert _load(tmp_path, model={**TINY_DPDE["model"], "args": args}).twins == {"fcrn": "depth"}
    assert _load(tmp_path).twins == {}  # laterals on: two networks


def test_stage_settings_give_one_stage_its_own_loss(tmp_path):
    args = {"depth": {"decoder_width": 32, "lateral_connections": False}, "gradient": {"width": 8}}
    settings = {"fcrn": {"loss": {"weights": {"berhu": 1.0}}}}
    experiment = _load(tmp_path, model={**TINY_DPDE["model"], "args": args}, stage_settings=settings)
    assert experiment.twins == {}  # another loss: another network
    fcrn, depth = experiment.stages["fcrn"].config, experiment.stages["depth"].config
    assert fcrn.loss.weights == {"berhu": 1.0} and depth.loss.weights == {"berhu": 1.0, "fsim": 1.0}


def test_stage_settings_give_the_gradient_network_its_own_recipe(tmp_path):
    settings = {
        "gradient": {
            "optimizer": {"name": "sgd", "learning_rate": 0.05},
            "schedule": {"name": "piecewise", "boundaries": [1], "multipliers": [1.0, 0.1]},
            "train": {"epochs": 2},
            "data": {"batch_size": 2},
        }
    }
    experiment = _load(tmp_path, stage_settings=settings)
    config = experiment.config
    gradient, depth = experiment.stages["gradient"].config, experiment.stages["depth"].config
    assert (gradient.optimizer.name, gradient.optimizer.learning_rate, gradient.optimizer.momentum) == (
        "sgd",
        0.05,
        0.9,
    )
    assert (gradient.schedule.boundaries, gradient.train.epochs, gradient.data.batch_size) == ([1], 2, 2)
    assert gradient.train.checkpoint_every_steps == config.train.checkpoint_every_steps  # the rest: the experiment's
    assert gradient.loss.weights == {"log_l1_gradient": 1.0} and gradient.stage_settings == {}
    assert (depth.optimizer, depth.schedule, depth.train.epochs) == (config.optimizer, config.schedule, 3)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"colour": {"train": {"epochs": 1}}}, "stage_settings: unknown stage 'colour'"),
        (
            {"gradient": {"loss": {"weights": {"berhu": 1.0}}}},
            "stage_settings.gradient.loss.weights: no term for the gradient network",
        ),
        ({"fcrn": {"loss": {"weights": {"berhoo": 1.0}}}}, "unknown key 'stage_settings.fcrn.loss.weights.berhoo'"),
        ({"gradient": {"eval": {}}}, "unknown key 'stage_settings.gradient.eval' \\(expected one of: loss, optim"),
        ({"gradient": {"data": {"image_size": [8, 8]}}}, "stage_settings.gradient.data.image_size: a stage sets only"),
        ({"gradient": {"train": {"stages": ["depth"]}}}, "stage_settings.gradient.train.stages: the experiment's"),
        (
            {"gradient": {"optimizer": {"learning_rate": -1}}},
            "stage_settings.gradient.optimizer.learning_rate: expected",
        ),
        ({"gradient": {"train": "fast"}}, "stage_settings.gradient.train: expected a mapping, got 'fast'"),
        (
            {"fcrn": {"loss": {"berhu_threshold": 0.3}}},
            "stage_settings.fcrn.loss.berhu_threshold: renamed; write stage_settings.fcrn.loss.args.berhu.threshold",
        ),
        ({"fcrn": {"loss": {"args": {"berhu": {"per_image": 1}}}}}, "stage_settings.fcrn.loss.args.berhu.per_image:"),
    ],
)
def test_bad_stage_settings_are_config_errors(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, stage_settings=settings)


def test_two_rows_of_one_title_are_refused():
    results = {"depth": {"rms": 1.0}, "fcrn": {"rms": 2.0}}
    assert list(labelled_rows(results, {"depth": "modified FCRN", "fcrn": "FCRN"}, "p")) == ["modified FCRN", "FCRN"]
    with pytest.raises(ValueError, match="two result rows share the title 'FCRN'"):
        labelled_rows(results, {"depth": "FCRN", "fcrn": "FCRN"}, "p")


@pytest.mark.slow
def test_a_dpde_run_builds_each_stage_experiment_once_and_saves_its_config_once(tmp_path, monkeypatch):
    """The experiment is resolved once at load and handed down: one stage experiment per network
    (depth, gradient, fcrn), one config.yaml write for the whole run."""
    from common import experiment as experiment_module
    from common import run_directory
    from common.training.run_experiment import run_experiment

    calls = {"stage_experiment": 0, "save_config": 0}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        experiment_module, "stage_experiment", counted("stage_experiment", experiment_module.stage_experiment)
    )
    monkeypatch.setattr(run_directory, "save_config", counted("save_config", run_directory.save_config))
    experiment = _load(tmp_path, train={"epochs": 1, "steps_per_epoch": 1}, export={"saved_model": False})
    run_experiment(experiment, tmp_path / "run")
    assert calls == {"stage_experiment": 3, "save_config": 1}
    assert (tmp_path / "run" / "config.yaml").is_file()
    assert not any((tmp_path / "run" / stage / "config.yaml").exists() for stage in ("depth", "gradient", "fcrn"))
