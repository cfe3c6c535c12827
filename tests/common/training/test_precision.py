"""`train.mixed_precision` and `train.jit_compile` on a CPU: both papers' networks train with each,
and the exported models take and return float32."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
import yaml

from commands.registry import load_experiment
from common.config.schema import TrainConfig
from common.training.precision import Devices, cpu_has_bfloat16, device_line, resolve_policy
from common.training.run_experiment import run_experiment
from common.training.trainer import Trainer
from tests.conftest import TINY_DPDE, TINY_EXPERIMENT

NETWORKS = {
    "igde": ({**TINY_EXPERIMENT, "optimizer": {"name": "adam", "learning_rate": 1.0e-3}}),
    # The two DPDE stages, as run_stages trains them.
    "modified_fcrn": {
        **TINY_DPDE,
        "model": {"name": "fcrn", "preset": "small", "args": {"decoder_width": 32}},
        "loss": {"weights": {"berhu": 1.0, "fsim": 1.0}},
        "optimizer": {"name": "adam", "learning_rate": 1.0e-2},
        "eval": {**TINY_DPDE["eval"], "baselines": []},
    },
    "gradient_net": {
        **TINY_DPDE,
        "model": {"name": "gradient_net", "preset": "small", "args": {"width": 8}},
        "loss": {"weights": {"log_l1_gradient": 1.0}},
        "eval": {**TINY_DPDE["eval"], "baselines": []},
    },
}


def _config(tmp_path, experiment, **train_options):
    experiment = {**experiment, "train": {**experiment["train"], **train_options}}
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment))
    return load_experiment(path)


OPTIONS = {
    "mixed_float16": {"mixed_precision": "mixed_float16"},
    "mixed_bfloat16": {"mixed_precision": "mixed_bfloat16"},
    "xla": {"jit_compile": True, "deterministic": False},
}


@pytest.mark.slow
@pytest.mark.parametrize("option", list(OPTIONS))
@pytest.mark.parametrize("network", list(NETWORKS))
def test_network_trains_with_the_option(network, option, tmp_path):
    runner = Trainer(_config(tmp_path, NETWORKS[network], **OPTIONS[option]), tmp_path / "run")
    batch = next(iter(runner.pipeline.train_dataset(0, runner.global_batch, 0)))
    losses = [float(runner._train_step(batch)["loss"]) for _ in range(20)]
    assert all(math.isfinite(loss) for loss in losses), losses
    assert np.mean(losses[-3:]) < np.mean(losses[:3]) - 0.05 * abs(np.mean(losses[:3])), losses
    if option.startswith("mixed"):
        assert runner.model.layers[-2].compute_dtype == option.removeprefix("mixed_")  # the network
        assert runner.model.outputs[0].dtype == "float32"
        scaled = isinstance(runner.optimizer, keras.optimizers.LossScaleOptimizer)
        assert scaled == (option == "mixed_float16")  # bfloat16 has float32's exponent range
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored


def _assert_float32_exports(run_dir, inputs):
    serve = tf.saved_model.load(str(run_dir / "export")).signatures["serving_default"]
    assert all(spec.dtype == tf.float32 for spec in serve.structured_input_signature[1].values())
    assert serve(**{k: tf.constant(v) for k, v in inputs.items()})["prediction"].dtype == tf.float32
    model = keras.models.load_model(run_dir / "model.keras")
    assert model(inputs).dtype == "float32"


@pytest.mark.slow
def test_mixed_precision_igde_run_exports_float32(tmp_path, capsys):
    experiment = _config(
        tmp_path,
        TINY_EXPERIMENT,
        mixed_precision="mixed_float16",
        jit_compile=True,
        deterministic=False,
        epochs=1,
        steps_per_epoch=3,
    )
    run_experiment(experiment, tmp_path / "run")
    assert "XLA on; mixed precision on (mixed_float16" in capsys.readouterr().out
    rng = np.random.default_rng(0)
    _assert_float32_exports(
        tmp_path / "run",
        {"image": rng.random((1, 24, 32, 3), np.float32), "depth": rng.random((1, 24, 32, 1), np.float32)},
    )


@pytest.mark.slow
def test_mixed_precision_dpde_stages_assemble_and_export_float32(tmp_path, capsys):
    experiment = _config(
        tmp_path,
        {**TINY_DPDE, "eval": {**TINY_DPDE["eval"], "baselines": []}},
        mixed_precision="mixed_float16",
        epochs=1,
        steps_per_epoch=2,
    )
    tables = run_experiment(experiment, tmp_path / "run").tables
    assert capsys.readouterr().out.count("device: CPU; XLA off; mixed precision on") == 1
    assert all(math.isfinite(value) for value in tables["own"]["model"].values())
    image = np.random.default_rng(0).random((1, 32, 48, 3), np.float32)
    _assert_float32_exports(tmp_path / "run", {"image": image})


def test_device_line_names_the_gpu_and_the_options():
    h100 = Devices(("NVIDIA H100 80GB HBM3",), native_bfloat16=True)
    line = device_line(h100, TrainConfig(mixed_precision="mixed_float16", jit_compile=True, deterministic=False))
    assert line == (
        "device: GPU NVIDIA H100 80GB HBM3; XLA on; mixed precision on (mixed_float16, dynamic loss scaling)"
    )
    assert device_line(Devices(), TrainConfig()) == "device: CPU; XLA off; mixed precision off"
    assert device_line(Devices(), TrainConfig(mixed_precision="mixed_bfloat16")) == (
        "device: CPU; XLA off; mixed precision on (mixed_bfloat16) (bfloat16 is emulated and slow here)"
    )


@pytest.mark.parametrize(
    "native, policy, shown",
    [
        (True, "mixed_bfloat16", "on (mixed_bfloat16) (auto: bfloat16 is native here)"),
        (False, None, "off (auto: bfloat16 is emulated here)"),
    ],
)
def test_auto_takes_bfloat16_only_where_it_is_native(native, policy, shown):
    devices = Devices((), native_bfloat16=native)
    assert resolve_policy("auto", devices) == policy
    assert resolve_policy("mixed_float16", devices) == "mixed_float16"
    assert device_line(devices, TrainConfig(mixed_precision="auto")).endswith(f"mixed precision {shown}")


@pytest.mark.parametrize(
    "flags, native",
    [("fpu avx512f avx512_bf16 sse", True), ("fpu amx_bf16 amx_tile", True), ("fpu avx2 avx512f", False)],
)
def test_cpu_bfloat16_is_read_from_the_cpu_flags(tmp_path, flags, native):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    assert cpu_has_bfloat16(cpuinfo) is native
    assert cpu_has_bfloat16(tmp_path / "missing") is False


@pytest.mark.slow
def test_a_run_resumes_under_another_precision(tmp_path):
    """The checkpoint holds the network, not its float32 wrapper: a float32 run continues under
    mixed_bfloat16 with every weight restored."""
    runner = Trainer(_config(tmp_path, TINY_EXPERIMENT, steps_per_epoch=2, epochs=1), tmp_path / "run")
    runner.train()
    resumed = Trainer(
        _config(tmp_path, TINY_EXPERIMENT, steps_per_epoch=2, epochs=2, mixed_precision="mixed_bfloat16"),
        tmp_path / "run",
    )
    assert resumed.restore(required=True) == 2
    for saved, restored in zip(runner.model.weights, resumed.model.layers[-2].weights):
        np.testing.assert_array_equal(saved.numpy(), restored.numpy())
