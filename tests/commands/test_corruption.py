"""`python -m commands.corruption`: the input statistics of the calibrated boundary corruption
beside IGDE Table 1's input row (PSNR 36.68 dB, PSNRf 21.10 dB), on the synthetic test split and
on Scene Flow-like data written in Scene Flow's format."""

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio

from commands.corruption import PAPER_INPUT, corruption_statistics
from common.config.loader import load_config
from common.data.loaders import make_loader
from common.data.sceneflow import SceneFlow
from common.data.synthetic_sceneflow import write_sceneflow_tree
from tests.conftest import ROOT, run_python, user_error

QUICKSTART = ROOT / "experiments" / "quickstart.yaml"
SCENEFLOW = ROOT / "experiments" / "igde" / "sceneflow.yaml"


def _corruption(*args):
    return run_python("-m", "commands.corruption", *args)


def test_statistics_match_scikit_image_and_a_hand_count():
    rng = np.random.default_rng(0)
    target = rng.random((2, 20, 30)).astype(np.float32)
    mask = rng.random((2, 20, 30)) < 0.1
    depth = np.where(mask, np.clip(target + 0.2, 0, 1), target).astype(np.float32)
    statistics = corruption_statistics(zip(target, depth, mask.astype(np.float32)))
    assert statistics["psnr"] == pytest.approx(
        peak_signal_noise_ratio(target * 255.0, depth * 255.0, data_range=255), abs=1e-6
    )
    wrong = (depth - target)[mask]
    assert statistics["psnr_f"] == pytest.approx(
        peak_signal_noise_ratio(target[mask] * 255.0, depth[mask] * 255.0, data_range=255), abs=1e-6
    )
    assert statistics["fraction"] == pytest.approx(mask.mean())
    assert statistics["rmse_f"] == pytest.approx(np.sqrt(np.mean(wrong**2)), rel=1e-6)


def _statistics(config, split="test"):
    length, load = make_loader(config.data, split, "enhancement")
    samples = (load(index) for index in range(length))
    return corruption_statistics((s["target"], s["depth"], s["error_mask"]) for s in samples)


def _within_a_decibel_of_the_paper(statistics):
    assert abs(statistics["psnr"] - PAPER_INPUT["psnr"]) < 1.0, statistics
    assert abs(statistics["psnr_f"] - PAPER_INPUT["psnr_f"]) < 1.0, statistics


def test_calibrated_defaults_give_the_paper_input_on_the_synthetic_test_split():
    config = load_config(QUICKSTART)
    assert config.data.test_size >= 128  # a smaller split is a noisy sample of the corruption
    _within_a_decibel_of_the_paper(_statistics(config))


@pytest.mark.slow
def test_calibrated_defaults_give_the_paper_input_on_scene_flow_like_files(tmp_path):
    root = write_sceneflow_tree(tmp_path, train_views=0, test_views=16)
    assert len(SceneFlow(root).items("test")) == 16
    config = load_config(SCENEFLOW, [f"data.root={root}"])
    _within_a_decibel_of_the_paper(_statistics(config))


@pytest.mark.slow
def test_the_command_prints_the_statistics_beside_the_paper(tmp_path):
    result = _corruption(QUICKSTART, "--samples", "8")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "synthetic test, 8 samples of 96x128: input PSNR" in result.stdout
    assert "(paper 36.68)" in result.stdout and "(paper 21.10)" in result.stdout


@pytest.mark.slow
def test_the_command_refuses_a_monocular_experiment():
    result = _corruption(ROOT / "experiments" / "dpde" / "quickstart.yaml")
    assert "has no depth input to corrupt" in user_error(result)


def test_scene_flow_like_tree_has_the_published_layout(tmp_path):
    root = write_sceneflow_tree(tmp_path, train_views=7, test_views=3, height=24, width=40, distinct=2)
    sceneflow = SceneFlow(root)
    train, test = sceneflow.items("train"), sceneflow.items("test")
    assert len(train) == 7 and len(test) == 3
    parts = {path.relative_to(root).parts[0] for path, _ in train}
    assert parts == {"FlyingThings3D", "Monkaa", "Driving"}
    assert all("/TEST/" in str(path) for path, _ in test)
    image, depth = sceneflow.load(test[0], (24, 40))
    assert image.shape == (24, 40, 3) and depth.shape == (24, 40) and depth.max() == 1.0
