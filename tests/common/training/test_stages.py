"""A model of stages trains nothing twice: DPDE's plain FCRN is the depth network's twin when the
depth network has no laterals and the same loss, and is then neither trained nor scored apart;
`loss.stage_weights` gives one stage its own loss (the plain FCRN on BerHu alone); no two result
rows share a title."""

import pytest
import yaml

from commands.registry import load_experiment
from common.errors import ConfigError
from common.training.evaluation import labelled_rows
from common.training.stages import stage_config, twin_stages
from tests.dpde.test_training import TINY_DPDE, WITH_FCRN


def _load(tmp_path, **sections):
    experiment = {k: dict(v) if isinstance(v, dict) else v for k, v in TINY_DPDE.items()}
    experiment["train"] = {**experiment["train"], **WITH_FCRN}
    for section, values in sections.items():
        experiment[section] = {**experiment[section], **values}
    path = tmp_path / "tiny_dpde.yaml"
    path.write_text(yaml.safe_dump(experiment))
    return load_experiment(path)


def test_the_plain_fcrn_is_the_depth_networks_twin_without_laterals(tmp_path):
    args = {"depth": {"decoder_width": 32, "lateral_connections": False}, "gradient": {"width": 8}}
    config, model = _load(tmp_path, model={**TINY_DPDE["model"], "args": args})
    assert twin_stages(config, model) == {"fcrn": "depth"}
    config, model = _load(tmp_path)  # laterals on: two networks
    assert twin_stages(config, model) == {}


def test_stage_weights_give_one_stage_its_own_loss(tmp_path):
    args = {"depth": {"decoder_width": 32, "lateral_connections": False}, "gradient": {"width": 8}}
    loss = {**TINY_DPDE["loss"], "stage_weights": {"fcrn": {"berhu": 1.0}}}
    config, model = _load(tmp_path, model={**TINY_DPDE["model"], "args": args}, loss=loss)
    assert twin_stages(config, model) == {}  # another loss: another network
    fcrn = stage_config(config, "fcrn", model.networks["fcrn"].resolve(model.arguments))
    depth = stage_config(config, "depth", model.networks["depth"].resolve(model.arguments))
    assert fcrn.loss.weights == {"berhu": 1.0} and depth.loss.weights == {"berhu": 1.0, "fsim": 1.0}


@pytest.mark.parametrize(
    "stage_weights, message",
    [
        ({"colour": {"berhu": 1.0}}, "loss.stage_weights: unknown stage 'colour'"),
        ({"gradient": {"berhu": 1.0}}, "loss.stage_weights.gradient: no term for a network that predicts gradients"),
    ],
)
def test_bad_stage_weights_are_config_errors(tmp_path, stage_weights, message):
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, loss={**TINY_DPDE["loss"], "stage_weights": stage_weights})


def test_two_rows_of_one_title_are_refused():
    results = {"depth": {"rms": 1.0}, "fcrn": {"rms": 2.0}}
    assert list(labelled_rows(results, {"depth": "modified FCRN", "fcrn": "FCRN"}, "p")) == ["modified FCRN", "FCRN"]
    with pytest.raises(ValueError, match="two result rows share the title 'FCRN'"):
        labelled_rows(results, {"depth": "FCRN", "fcrn": "FCRN"}, "p")
