"""`train.mixed_precision` and `train.jit_compile` on a CPU: both papers' networks train with each,
and the exported models take and return float32."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
import yaml

import train
from common.config import TrainConfig, load_config
from common.training.precision import device_line
from common.training.runner import Runner, run
from tests.conftest import TINY_EXPERIMENT
from tests.dpde.test_training import TINY_DPDE

NETWORKS = {
    "igde": ({**TINY_EXPERIMENT, "optimizer": {"name": "adam", "learning_rate": 1.0e-3}}),
    # The two DPDE stages, as run_stages trains them.
    "modified_fcrn": {**TINY_DPDE, "model": {"name": "fcrn", "preset": "small",
                                             "args": {"decoder_width": 32}},
                      "loss": {"weights": {"berhu": 1.0, "fsim": 1.0}},
                      "optimizer": {"name": "adam", "learning_rate": 1.0e-2},
                      "eval": {**TINY_DPDE["eval"], "baselines": []}},
    "gradient_net": {**TINY_DPDE, "model": {"name": "gradient_net", "preset": "small",
                                            "args": {"width": 8}},
                     "loss": {"weights": {"log_l1_gradient": 1.0}},
                     "eval": {**TINY_DPDE["eval"], "baselines": []}},
}


def _config(tmp_path, experiment, **train_options):
    experiment = {**experiment, "train": {**experiment["train"], **train_options}}
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment))
    return load_config(path)


@pytest.mark.parametrize("option", ["mixed_precision", "jit_compile"])
@pytest.mark.parametrize("network", list(NETWORKS))
def test_network_trains_with_the_option(network, option, tmp_path):
    runner = Runner(_config(tmp_path, NETWORKS[network], **{option: True}), train.registry(),
                    "experiment.yaml", tmp_path / "run")
    batch = next(iter(runner.pipeline.train_dataset(0, runner.global_batch, 0)))
    losses = [float(runner._train_step(batch)["loss"]) for _ in range(20)]
    assert all(math.isfinite(loss) for loss in losses), losses
    assert np.mean(losses[-3:]) < np.mean(losses[:3]) - 0.05 * abs(np.mean(losses[:3])), losses
    if option == "mixed_precision":
        assert runner.model.layers[-2].compute_dtype == "float16"  # the wrapped network
        assert runner.model.outputs[0].dtype == "float32"
        assert isinstance(runner.optimizer, keras.optimizers.LossScaleOptimizer)
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored


def _assert_float32_exports(run_dir, inputs):
    serve = tf.saved_model.load(str(run_dir / "export")).signatures["serving_default"]
    assert all(spec.dtype == tf.float32 for spec in serve.structured_input_signature[1].values())
    assert serve(**{k: tf.constant(v) for k, v in inputs.items()})["depth"].dtype == tf.float32
    model = keras.models.load_model(run_dir / "model.keras")
    assert model(inputs).dtype == "float32"


def test_mixed_precision_igde_run_exports_float32(tmp_path, capsys):
    config = _config(tmp_path, TINY_EXPERIMENT, mixed_precision=True, jit_compile=True, epochs=1,
                     steps_per_epoch=3)
    run(config, train.registry(), "experiment.yaml", tmp_path / "run")
    assert "XLA on; mixed precision on (mixed_float16" in capsys.readouterr().out
    rng = np.random.default_rng(0)
    _assert_float32_exports(tmp_path / "run", {"image": rng.random((1, 24, 32, 3), np.float32),
                                               "depth": rng.random((1, 24, 32, 1), np.float32)})


def test_mixed_precision_dpde_stages_assemble_and_export_float32(tmp_path, capsys):
    config = _config(tmp_path, {**TINY_DPDE, "eval": {**TINY_DPDE["eval"], "baselines": []}},
                     mixed_precision=True, epochs=1, steps_per_epoch=2)
    results = run(config, train.registry(), "experiment.yaml", tmp_path / "run")
    assert capsys.readouterr().out.count("device: CPU; XLA off; mixed precision on") == 1
    assert all(math.isfinite(value) for value in results["model"].values())
    image = np.random.default_rng(0).random((1, 32, 48, 3), np.float32)
    _assert_float32_exports(tmp_path / "run", {"image": image})


def test_device_line_names_the_gpu_and_the_options():
    line = device_line(["NVIDIA H100 80GB HBM3"], TrainConfig(mixed_precision=True, jit_compile=True))
    assert line == ("device: GPU NVIDIA H100 80GB HBM3; XLA on; "
                    "mixed precision on (mixed_float16, dynamic loss scaling)")
    assert device_line([], TrainConfig()) == "device: CPU; XLA off; mixed precision off"
