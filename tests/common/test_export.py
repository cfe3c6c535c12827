"""Exports: ONNX and LiteRT against the SavedModel in fresh processes (the formats without
TensorFlow) on two input sizes, tf2onnx's command line on our SavedModel, the float32 copy without
XLA, `export.formats` in train.py, and `python -m commands.export` on a finished run."""

import re
import shutil

import keras
import numpy as np
import onnx
import onnxruntime
import pytest
import tensorflow as tf
import yaml
from ai_edge_litert.interpreter import Interpreter

import dpde.registry
from commands.export import main as export_command
from commands.registry import load_experiment
from common import export
from common.data.loaders import SAMPLE_CHANNELS
from common.errors import ConfigError
from common.export import OUTPUT, check_converters, serving_copy
from common.irls import IRLS_TOLERANCE
from tests.conftest import TINY_EXPERIMENT, predict_in_fresh_process, run_python, run_train, tiny_dpde_arguments

SIZES = ((30, 42), (48, 64))  # dynamic height and width: two sizes through one export


def _inputs(names, seed):
    rng = np.random.default_rng(seed)
    return [
        {name: rng.random((2, h, w, SAMPLE_CHANNELS["enhancement"][name]), dtype=np.float32) for name in names}
        for h, w in SIZES
    ]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["onnx", "tflite"])
def test_igde_exports_match_the_saved_model_without_tensorflow(igde_model, kind, tmp_path):
    _, paths = igde_model
    batches = _inputs(("depth", "image"), seed=1)
    reference = predict_in_fresh_process(paths["saved_model"], batches, tmp_path, without_tensorflow=False)
    exported = predict_in_fresh_process(paths[kind], batches, tmp_path, without_tensorflow=True)
    for (height, width), ours, theirs in zip(SIZES, exported, reference):
        assert ours.shape == theirs.shape == (2, height, width, 1)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["onnx", "tflite"])
def test_dpde_exports_with_the_irls_loop_match_the_saved_model_without_tensorflow(dpde_model, kind, tmp_path):
    _, paths = dpde_model
    batches = _inputs(("image",), seed=2)
    reference = predict_in_fresh_process(paths["saved_model"], batches, tmp_path, without_tensorflow=False)
    exported = predict_in_fresh_process(paths[kind], batches, tmp_path, without_tensorflow=True)
    for (height, width), ours, theirs in zip(SIZES, exported, reference):
        assert ours.shape == theirs.shape == (2, height, width, 1)
        for image_ours, image_theirs in zip(ours, theirs):
            # two IRLS runs, each within IRLS_TOLERANCE (relative, in norm) of the same minimiser
            assert np.linalg.norm(image_ours - image_theirs) <= 2 * IRLS_TOLERANCE * np.linalg.norm(image_theirs)


def test_the_exports_keep_the_irls_loop(dpde_model, capfd):
    """ONNX holds the fusion as a Loop and LiteRT as a WHILE, not as networks alone."""
    _, paths = dpde_model
    assert "Loop" in {node.op_type for node in onnx.load(str(paths["onnx"])).graph.node}
    session = onnxruntime.InferenceSession(str(paths["onnx"]), providers=["CPUExecutionProvider"])
    assert [tensor.name for tensor in session.get_outputs()] == [OUTPUT]
    interpreter = Interpreter(model_path=str(paths["tflite"]))
    assert interpreter.get_signature_list() == {"serving_default": {"inputs": ["image"], "outputs": [OUTPUT]}}
    capfd.readouterr()
    tf.lite.experimental.Analyzer.analyze(model_path=str(paths["tflite"]))
    assert " WHILE(" in capfd.readouterr().out


@pytest.mark.slow
def test_tf2onnx_command_line_converts_our_saved_model(igde_model, tmp_path):
    """The standard route (it stopped with "graph input 'depth' not exist" while the output shared
    the input's name)."""
    _, paths = igde_model
    out = tmp_path / "igde.onnx"
    result = run_python("-m", "tf2onnx.convert", "--saved-model", paths["saved_model"], "--output", out)
    assert result.returncode == 0, result.stderr[-3000:]
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    assert sorted(tensor.name for tensor in session.get_inputs()) == ["depth", "image"]
    assert [tensor.name for tensor in session.get_outputs()] == [OUTPUT]
    assert all(isinstance(size, str) for size in session.get_inputs()[0].shape[:3])  # symbolic: dynamic


def test_serving_copy_is_float32_without_xla_and_keeps_the_weights():
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = dpde.registry.MODELS["dpde"].build(**tiny_dpde_arguments())
    finally:
        keras.config.set_dtype_policy("float32")
    copy = serving_copy(model)
    assert {layer.compute_dtype for layer in model._flatten_layers()} >= {"bfloat16"}
    assert {layer.compute_dtype for layer in copy._flatten_layers()} == {"float32"}
    assert copy.get_layer("irls_fusion").settings["jit_compile"] is False
    assert model.get_layer("irls_fusion").settings["jit_compile"] is True
    for ours, theirs in zip(copy.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.slow
def test_train_writes_the_formats_of_export_formats(tmp_path):
    config = {**TINY_EXPERIMENT, "train": {**TINY_EXPERIMENT["train"], "epochs": 1}, "export": {"formats": ["tflite"]}}
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(yaml.safe_dump(config))
    result = run_train(experiment, "--run-dir", tmp_path / "run")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "run" / "model.tflite").stat().st_size > 0
    assert not (tmp_path / "run" / "model.onnx").exists()
    assert not list((tmp_path / "run").glob("*.tmp*"))


@pytest.mark.slow
def test_export_command_reexports_a_finished_run(finished_runs, tmp_path, capsys):
    run_dir = tmp_path / "run"
    shutil.copytree(finished_runs[0], run_dir)
    assert export_command([str(run_dir), "--format", "onnx", "tflite"]) == 0
    assert capsys.readouterr().out.split() == [str(run_dir / name) for name in ("export", "model.onnx", "model.tflite")]
    session = onnxruntime.InferenceSession(str(run_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [tensor.name for tensor in session.get_outputs()] == [OUTPUT]


@pytest.mark.parametrize(
    "section, message",
    [
        ({"formats": ["pdf"]}, "export.formats: expected names from onnx, tflite"),
        ({"formats": ["onnx", "onnx"]}, "export.formats: expected each format once"),
        ({"saved_model": False, "formats": ["tflite"]}, "export.formats: expected [] when saved_model is false"),
    ],
)
def test_bad_export_formats_are_config_errors(section, message, tmp_path):
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(yaml.safe_dump({**TINY_EXPERIMENT, "export": section}))
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_experiment(experiment)


def test_a_missing_converter_is_named_when_the_experiment_loads(monkeypatch, tmp_path):
    monkeypatch.setitem(export.CONVERTER_MODULES, "onnx", "no_such_converter")
    experiment = tmp_path / "tiny.yaml"
    experiment.write_text(yaml.safe_dump({**TINY_EXPERIMENT, "export": {"formats": ["onnx"]}}))
    with pytest.raises(ConfigError, match=r"tiny.yaml: export.formats: onnx needs no_such_converter, which is not"):
        load_experiment(experiment)
    check_converters(["tflite"], "unused")
