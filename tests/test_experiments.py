"""Every experiment file loads, reaches a registered model whose samples its data set holds, and
the real-data ones say where the data set must be."""

import dataclasses

import pytest
import yaml

from commands.registry import load_experiment
from common.config.loader import load_config
from common.config.schema import DATASET_KINDS
from tests.conftest import ROOT

EXPERIMENTS = sorted(path for path in (ROOT / "experiments").rglob("*.yaml") if "scales" not in path.parts)


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_experiment_loads(path):
    experiment = load_experiment(path)
    config, model = experiment.config, experiment.model
    spec = model.spec
    assert DATASET_KINDS.get(config.data.dataset, spec.sample_kind) == spec.sample_kind and model.arguments


def test_ablations_change_only_their_table_entry():
    base = load_config(ROOT / "experiments/igde/sceneflow.yaml")
    assert (base.data.crop_size, base.data.batch_size, base.optimizer.learning_rate, base.train.epochs) == (
        [280, 480],
        2,
        1e-4,
        50,
    )
    l1_only = load_config(ROOT / "experiments/igde/ablation_loss/l1_only.yaml")
    assert l1_only.loss.weights == {"l1": 1.0, "depth_focal": 0.0, "sobel": 0.0}
    assert l1_only.data == base.data and l1_only.model == base.model
    k0 = load_config(ROOT / "experiments/igde/ablation_concat/k0.yaml")
    assert k0.model.args == {"image_concat_layers": 0} and k0.loss == base.loss


@pytest.mark.parametrize(
    "experiment, folder",
    [
        ("igde/sceneflow.yaml", "sceneflow"),
        ("dpde/nyu.yaml", "nyu"),
        ("dpde/make3d.yaml", "make3d"),
        ("dpde/gradient_net.yaml", "nyu"),
    ],
)
def test_real_data_experiments_without_data_fail_with_the_path(tmp_path, train_error, experiment, folder):
    line = train_error(ROOT / "experiments" / experiment, "--run-dir", tmp_path / "run")
    assert "dataset not found at" in line and f"data/{folder}" in line


def test_middlebury_evaluation_without_the_nyu_run_names_it(tmp_path, train_error):
    line = train_error(ROOT / "experiments/dpde/middlebury.yaml", "--run-dir", tmp_path / "run")
    assert "runs/dpde_nyu: no model.keras (expected a finished run directory)" in line
    assert not (tmp_path / "run").exists()


def test_dpde_experiments_score_the_paper_protocol_and_fcrns_in_one_pass():
    """NYU: the paper's (240x320, cap 10 m) and FCRN's (480x640 ground truth, full frame, no cap);
    Make3D: the paper's (460x345, no cap) and FCRN's C1 (ground truth up to 70 m); each pooled
    over pixels. IGDE's Scene Flow experiments keep one protocol."""
    from common.config.schema import ProtocolConfig

    nyu = load_config(ROOT / "experiments/dpde/nyu.yaml").eval
    assert nyu.all_protocols() == {
        "own": ProtocolConfig("pixels", "input", None, 10.0),
        "fcrn": ProtocolConfig("pixels", "original", None, None),
    }
    make3d = load_config(ROOT / "experiments/dpde/make3d.yaml")
    assert make3d.eval.all_protocols() == {
        "own": ProtocolConfig("pixels", "input", None, None),
        "fcrn": ProtocolConfig("pixels", "input", None, 70.0),
    }
    assert make3d.stage_settings["gradient"]["data"] == {"batch_size": make3d.data.batch_size}
    assert load_config(ROOT / "experiments/igde/sceneflow.yaml").eval.protocols == {
        "per_image": ProtocolConfig("images", "input", None, None)
    }


def test_dpde_experiments_have_the_paper_schedule_and_table_4_overrides():
    nyu = load_config(ROOT / "experiments/dpde/nyu.yaml")
    assert (nyu.optimizer.name, nyu.optimizer.learning_rate, nyu.optimizer.momentum) == ("sgd", 1e-2, 0.9)
    assert (nyu.schedule.boundaries, nyu.schedule.multipliers, nyu.train.epochs) == ([10, 20], [1.0, 0.5, 0.1], 30)
    assert nyu.data.image_size == [240, 320]
    assert load_config(ROOT / "experiments/dpde/make3d.yaml").data.image_size == [460, 345]
    assert load_config(ROOT / "experiments/dpde/middlebury.yaml").data.image_size == [380, 430]
    assert load_config(ROOT / "experiments/dpde/gradient_net.yaml").train.stages == ["gradient"]
    assert nyu.data.flip is False and set(nyu.stage_settings) == {"gradient"}  # Table 4: one change a row
    # the gradient network's recipe, written out, is the depth branch's (the reconstruction table)
    gradient = nyu.stage_settings["gradient"]
    assert gradient["optimizer"] == {"name": "sgd", "learning_rate": 1e-2, "momentum": 0.9}
    assert gradient["schedule"] == {"name": "piecewise", "boundaries": [10, 20], "multipliers": [1.0, 0.5, 0.1]}
    assert gradient["train"] == {"epochs": 30} and gradient["data"] == {"batch_size": nyu.data.batch_size}
    extras = ROOT / "experiments/dpde/extras"
    no_fsim, no_unet = load_config(extras / "no_fsim.yaml"), load_config(extras / "no_unet.yaml")
    assert no_fsim.loss.weights["fsim"] == 0.0 and no_fsim.model.args == {} and no_fsim.train.stages == ["depth"]
    assert no_unet.model.args == {"depth": {"lateral_connections": False}} and no_unet.train.stages == ["depth"]
    assert no_unet.loss == nyu.loss


@pytest.mark.parametrize(
    "content, extra, message",
    [
        (b"", (), "empty (expected an experiment"),
        (b"\xff\xfe\x00name: x\n", (), "not a UTF-8 text file"),
        (b"- model\n- data\n", (), "expected a mapping of sections at the top level"),
        (None, (), "config file not found"),
        ("directory", (), "is a directory"),
        (b"name: fine\n", ("--run-dir", "FILE"), "in the way of the output folder"),
    ],
)
def test_malformed_experiment_files_are_one_line_errors(tmp_path, train_error, content, extra, message):
    experiment = tmp_path / "experiment.yaml"
    if content == "directory":
        experiment.mkdir()
    elif content is not None:
        experiment.write_bytes(content)
    (tmp_path / "FILE").write_text("not a run directory")
    arguments = [str(tmp_path / "FILE") if a == "FILE" else a for a in extra] or ["--run-dir", tmp_path / "run"]
    before = sorted(tmp_path.rglob("*"))
    assert message in train_error(experiment, *arguments)
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


def test_igde_protocols_set_only_the_pooling(tmp_path):
    """IGDE's metrics have no resolution, crop or cap to vary: a protocol that sets one is refused;
    a per-image protocol is scored beside the pooled one."""
    from common.errors import ConfigError
    from tests.conftest import TINY_EXPERIMENT, write_experiment

    protocols = {"per_image": {"pooling": "images"}, "capped": {"max_depth": 10.0}}
    path = write_experiment(tmp_path / "tiny.yaml", TINY_EXPERIMENT, eval={"protocols": protocols})
    with pytest.raises(ConfigError, match="eval.protocols.capped.max_depth: IGDE's protocols set only pooling"):
        load_experiment(path)
    path = write_experiment(tmp_path / "tiny.yaml", TINY_EXPERIMENT, eval={"protocol": {"crop": "eigen"}})
    with pytest.raises(ConfigError, match="eval.protocol.crop: IGDE's protocols set only pooling"):
        load_experiment(path)


@pytest.mark.parametrize(
    "override, message",
    [
        ("model.args.fusion.omega=-1", "model.args.fusion.omega: expected a number >= 0, got -1.0"),
        ("model.args.depth.decoder_width=1000000000", "model.args.depth.decoder_width: expected at most 65,536"),
        ("model.args.fusion.iterations=0", "model.args.fusion.iterations: expected an integer in [1, 1000], got 0"),
        ("model.args.fusion.eps=-0.5", "model.args.fusion.eps: expected a number > 0, got -0.5"),
        ("model.args.gradient.conv_layers=1", "model.args.gradient.conv_layers: expected at least 2, got 1"),
        ("model.args.depth.decoder_width=8", "model.args.depth.decoder_width: expected at least"),
        ("loss.args.berhu.threshold_fraction=2", "loss.args.berhu.threshold_fraction: expected a number in (0, 1]"),
    ],
)
def test_every_model_and_loss_setting_is_checked_at_load_with_its_full_key(override, message):
    from common.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        load_experiment(ROOT / "experiments/dpde/quickstart.yaml", [override])
    assert message in str(error.value)


def _paper_experiments():
    """The experiment files of the papers' data sets that the CPU scale scales."""
    scaled = yaml.safe_load((ROOT / "experiments/scales/cpu.yaml").read_text())
    return [path for path in EXPERIMENTS if load_experiment(path).config.data.dataset in scaled]


def test_the_quickstart_is_the_scene_flow_experiment_at_the_cpu_scale():
    quickstart = load_experiment(ROOT / "experiments/quickstart.yaml").config
    scaled = load_experiment(ROOT / "experiments/igde/sceneflow.yaml", scale="cpu").config
    assert scaled.name == "igde_sceneflow_cpu"
    assert dataclasses.replace(scaled, name=quickstart.name) == quickstart


def test_the_cpu_scale_changes_nothing_a_table_varies():
    """Every row at the CPU scale keeps its paper experiment's model, model arguments, loss terms
    and their settings, trained stages and protocols; only the data, sizes and recipe change."""
    paths = _paper_experiments()
    assert len(paths) >= 15  # IGDE's 10 rows, DPDE's NYU and Make3D runs and their extras
    for path in paths:
        paper, cpu = load_experiment(path).config, load_experiment(path, scale="cpu").config
        # Middlebury is a test set only: at the CPU scale, the one real scene a dependency ships.
        dataset = "middlebury" if paper.data.dataset == "middlebury" else "synthetic"
        assert cpu.name == f"{paper.name}_cpu" and cpu.data.dataset == dataset and cpu.model.preset == "small"
        assert (cpu.model.name, cpu.model.args, cpu.loss, cpu.train.stages) == (
            paper.model.name,
            paper.model.args,
            paper.loss,
            paper.train.stages,
        ), path
        assert cpu.eval.all_protocols() == paper.eval.all_protocols(), path


@pytest.mark.parametrize(
    "scale, path, message",
    [
        ("gpu9", "experiments/igde/sceneflow.yaml", "--scale gpu9: no "),
        ("../cpu", "experiments/igde/sceneflow.yaml", "--scale '../cpu': expected a scale name"),
        ("cpu", "experiments/dpde/quickstart.yaml", "scale cpu has no settings for 'synthetic'"),
    ],
)
def test_a_scale_that_does_not_apply_is_one_line(train_error, tmp_path, scale, path, message):
    assert message in train_error(path, "--scale", scale, "--run-dir", tmp_path / "run")
    assert not (tmp_path / "run").exists()
