"""A trained model's exports: the SavedModel, the `.keras` file, and the SavedModel converted to
ONNX and LiteRT (TFLite). `python -m commands.export RUN_DIR [--format onnx tflite]` exports a
finished run again from its `model.keras`.

Every export takes the model's inputs by name (`image`: float32 RGB in [0, 1], NHWC; `depth`:
float32 in [0, 1], NHWC, one channel) with any batch, height and width, and returns one output,
`prediction`: [B, H, W, 1] float32 depth. (The output is not called `depth`: one name for an input
and an output makes tf2onnx fail with "graph input 'depth' not exist".) The exports compute in
float32 whatever `train.mixed_precision` was, and DPDE's IRLS loop is exported as a plain
`tf.while_loop`, not an XLA cluster, so both converters keep it: ONNX as a `Loop`, LiteRT as a
`WHILE` (`model.keras` keeps the layer's XLA setting for TensorFlow users).

The conversions are the standard ones:
- ONNX: tf2onnx's command line, `python -m tf2onnx.convert --saved-model RUN_DIR/export --output
  model.onnx --opset 17`, with dynamic batch, height and width.
- LiteRT: `tf.lite.TFLiteConverter.from_saved_model(RUN_DIR/export)` with built-in ops only, so
  the `ai-edge-litert` interpreter runs it without TensorFlow; height and width stay dynamic (the
  interpreter resizes its inputs per call).
The SavedModel holds its weights as constants of the graph (no variables): with Keras 3's resource
variables, `from_saved_model` converts without a word and the interpreter returns NaN.
"""

import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import keras
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

from common.atomic import atomic_path
from common.data.loaders import SAMPLE_CHANNELS
from common.errors import ConfigError, short_repr
from common.outputs import check_output, output_folder

OUTPUT = "prediction"
ONNX_OPSET = 17  # supported by ONNX Runtime >= 1.14 and TensorRT >= 8.6
# The export formats (`export.formats`): the module each converter needs, and its file.
CONVERTER_MODULES = {"onnx": "tf2onnx", "tflite": "tensorflow"}
FORMAT_FILES = {name: f"model.{name}" for name in CONVERTER_MODULES}


def check_converters(formats, where):
    """Raises ConfigError naming `where` for a format that does not exist, or whose converter is
    not installed."""
    for name in formats:
        if name not in CONVERTER_MODULES:
            expected = ", ".join(CONVERTER_MODULES)
            raise ConfigError(f"{where}: expected names from {expected}, got {short_repr(name)}")
        if importlib.util.find_spec(CONVERTER_MODULES[name]) is None:
            raise ConfigError(
                f"{where}: {name} needs {CONVERTER_MODULES[name]}, which is not installed (pip install -e '.[export]')"
            )


def _portable_config(node):
    """A serialised Keras model with every dtype policy float32 and every `jit_compile` off."""
    if isinstance(node, dict):
        if node.get("class_name") == "DTypePolicy":
            return {**node, "config": {**node["config"], "name": "float32"}}
        return {key: False if key == "jit_compile" else _portable_config(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_portable_config(value) for value in node]
    return node


def serving_copy(model):
    """The model rebuilt in float32 without XLA-compiled layers, with the same weights (the
    variables of a mixed-precision model are float32 already)."""
    copy = keras.saving.deserialize_keras_object(_portable_config(keras.saving.serialize_keras_object(model)))
    copy.set_weights(model.get_weights())
    return copy


def _new_folder_beside(target, suffix):
    """A new empty folder `.<target name>.<random><suffix>` beside `target`, created exclusively
    (never a user's folder)."""
    return pathlib.Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent))


def _replace_folder(staging, target):
    """Moves the finished folder `staging` onto the folder `target`. The old one stays, moved to a
    new `.<target>.<random>.old`, until the new one is in place (`_recover` puts it back after a
    kill between the two moves), so there is always an export to load."""
    if not target.is_dir():
        os.replace(staging, target)
        return
    old = _new_folder_beside(target, ".old")
    os.replace(target, old)  # onto the empty folder made for it
    os.replace(staging, target)
    shutil.rmtree(old)


def _recover(target):
    """Puts back the newest `.<target>.<random>.old` when a kill left it without `target`."""
    if os.path.lexists(target):
        return
    olds = [path for path in target.parent.glob(f".{target.name}.*.old") if path.is_dir() and not path.is_symlink()]
    if olds:
        os.replace(max(olds, key=lambda path: path.stat().st_mtime), target)


def export_saved_model(model, spec, export_dir):
    """Writes the SavedModel of `serving_copy(model)` to `export_dir`, replacing an earlier one
    only once complete."""
    channels = SAMPLE_CHANNELS[spec.sample_kind]
    signature = [tf.TensorSpec([None, None, None, channels[name]], tf.float32, name=name) for name in spec.inputs]
    module = tf.Module()
    module.model = serving_copy(model)

    @tf.function(input_signature=signature)
    def serve_with_variables(*tensors):
        return {OUTPUT: module.model(dict(zip(spec.inputs, tensors)), training=False)}

    # The weights become constants of the graph: converters that read the SavedModel itself
    # (TFLiteConverter.from_saved_model) otherwise keep Keras 3's resource variables, which the
    # LiteRT interpreter never initialises, and every output is NaN.
    frozen = convert_variables_to_constants_v2(serve_with_variables.get_concrete_function(), lower_control_flow=False)

    @tf.function(input_signature=signature)
    def serve(*tensors):
        return {OUTPUT: frozen(*tensors)[0]}

    export_dir = check_output(export_dir, folder=True)
    _recover(export_dir)
    staging = _new_folder_beside(export_dir, ".tmp")
    try:
        tf.saved_model.save(tf.Module(), str(staging), signatures={"serving_default": serve})
        _replace_folder(staging, export_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return export_dir


def export_onnx(saved_model_dir, path):
    """Converts the SavedModel to ONNX with tf2onnx's command line (in a new process, as a user
    runs it). A failure is a bug of the export, not a user's mistake: RuntimeError with
    tf2onnx's last lines."""
    command = [sys.executable, "-m", "tf2onnx.convert", "--saved-model", str(saved_model_dir)]
    with atomic_path(path) as staging:
        result = subprocess.run(
            [*command, "--output", str(staging), "--opset", str(ONNX_OPSET)],
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        if result.returncode != 0 or staging.stat().st_size == 0:
            last = "\n".join(result.stderr.strip().splitlines()[-5:])
            raise RuntimeError(f"tf2onnx could not convert {saved_model_dir}:\n{last}")


def export_tflite(saved_model_dir, path):
    """Converts the SavedModel to a LiteRT flat buffer of built-in ops, as a user would
    (`TFLiteConverter.from_saved_model`)."""
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    flat_buffer = converter.convert()
    with atomic_path(path) as staging:
        staging.write_bytes(flat_buffer)


CONVERTERS = {"onnx": export_onnx, "tflite": export_tflite}


def export_model(model, spec, export_config, target):
    """Writes, as `export_config` asks, `target/export/` (SavedModel), `target/model.keras` and
    each of `export_config.formats` converted from the SavedModel (`FORMAT_FILES`)."""
    target = output_folder(target)
    if export_config.saved_model:
        export_saved_model(model, spec, target / "export")
    for name in export_config.formats:
        CONVERTERS[name](target / "export", target / FORMAT_FILES[name])
    if export_config.keras_file:
        with atomic_path(target / "model.keras") as staging:
            model.save(staging)
