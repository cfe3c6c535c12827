"""Every experiment file loads, reaches a registered model, and the Scene Flow ones say where the
data set must be."""

import pytest

import train
from common.config import load_config
from common.models import model_arguments
from tests.conftest import ROOT, run_train, user_error

EXPERIMENTS = sorted((ROOT / "experiments").rglob("*.yaml"))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_experiment_loads(path):
    config = load_config(path)
    spec, arguments = model_arguments(config.model, train.registry(), path)
    assert spec.sample_kind == "enhancement" and arguments


def test_ablations_change_only_their_table_entry():
    base = load_config(ROOT / "experiments/igde/sceneflow.yaml")
    assert (base.data.crop_size, base.data.batch_size, base.optimizer.learning_rate,
            base.train.epochs) == ([280, 480], 2, 1e-4, 50)
    l1_only = load_config(ROOT / "experiments/igde/ablation_loss/l1_only.yaml")
    assert l1_only.loss.weights == {"l1": 1.0, "depth_focal": 0.0, "sobel": 0.0}
    assert l1_only.data == base.data and l1_only.model == base.model
    k0 = load_config(ROOT / "experiments/igde/ablation_concat/k0.yaml")
    assert k0.model.args == {"image_concat_layers": 0} and k0.loss == base.loss


def test_sceneflow_without_data_fails_with_the_path(tmp_path):
    line = user_error(run_train(ROOT / "experiments/igde/sceneflow.yaml", "--run-dir", tmp_path / "run"))
    assert "dataset not found at" in line and "sceneflow" in line
