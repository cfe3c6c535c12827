"""An exported model for the inference commands: a SavedModel directory, a `.keras` file, an
`.onnx` file (ONNX Runtime) or a `.tflite` file (LiteRT).

Only the first two import TensorFlow; ONNX and LiteRT models run with `onnxruntime` and
`ai-edge-litert` alone (`pip install -e '.[runtime]'`). Every format takes any height and width.
"""

import dataclasses
import importlib
import os
import pathlib
import typing
import zipfile

from common.errors import InputError

RUNTIMES = {".onnx": "onnxruntime", ".tflite": "ai_edge_litert.interpreter"}


@dataclasses.dataclass(frozen=True)
class InferenceModel:
    """A loaded model.

    Attributes:
        predict: fn({input name: [B, H, W, C] float32}) -> [B, H, W, 1] float32 NumPy depth.
        inputs: the input names it takes, sorted ("image", and "depth" for depth enhancement).
    """

    predict: typing.Callable
    inputs: tuple


def _first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _runtime(path):
    try:
        return importlib.import_module(RUNTIMES[path.suffix])
    except ImportError as error:
        raise InputError(
            f"{path}: running a {path.suffix} model needs {RUNTIMES[path.suffix].split('.')[0]} "
            "(pip install -e '.[runtime]')"
        ) from error


def load_onnx(path):
    """An ONNX model in ONNX Runtime's CPU session (all cores)."""
    onnxruntime = _runtime(path)
    state = onnxruntime.capi.onnxruntime_pybind11_state  # its error types derive from Exception only
    errors = (state.Fail, state.InvalidArgument, state.InvalidGraph, state.InvalidProtobuf, state.NotImplemented)
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except errors as error:
        raise InputError(f"{path}: could not load the ONNX model ({_first_line(error)})") from error
    inputs = tuple(sorted(tensor.name for tensor in session.get_inputs()))
    outputs = [tensor.name for tensor in session.get_outputs()]

    def predict(batch):
        return session.run(outputs[:1], {name: batch[name] for name in inputs})[0]

    return InferenceModel(predict, inputs)


def load_tflite(path):
    """A LiteRT model's `serving_default` signature, on all cores (XNNPACK); the interpreter
    resizes its inputs to each batch."""
    litert = _runtime(path)
    try:
        interpreter = litert.Interpreter(model_path=str(path), num_threads=os.cpu_count())
        runner = interpreter.get_signature_runner("serving_default")
    except (ValueError, RuntimeError) as error:
        raise InputError(f"{path}: could not load the LiteRT model ({_first_line(error)})") from error
    signature = interpreter.get_signature_list()["serving_default"]
    inputs, output = tuple(sorted(signature["inputs"])), signature["outputs"][0]

    def predict(batch):
        return runner(**{name: batch[name] for name in inputs})[output]

    return InferenceModel(predict, inputs)


def load_saved_model(path):
    """An exported SavedModel's `serving_default` signature."""
    import tensorflow as tf

    from common.export import OUTPUT

    if not (path / "saved_model.pb").is_file():
        raise InputError(f"{path}: not a SavedModel directory (no saved_model.pb)")
    try:
        loaded = tf.saved_model.load(str(path))
    except (OSError, ValueError, tf.errors.OpError) as error:
        raise InputError(f"{path}: could not load the SavedModel ({_first_line(error)})") from error
    serve = loaded.signatures.get("serving_default")
    if serve is None:
        raise InputError(f"{path}: the SavedModel has no serving_default signature")
    inputs = tuple(sorted(serve.structured_input_signature[1]))
    if list(serve.structured_outputs) != [OUTPUT]:
        raise InputError(
            f"{path}: the SavedModel's output is {sorted(serve.structured_outputs)} (expected ['{OUTPUT}']: "
            "a depthrepro export; re-export the run with python -m commands.export)"
        )

    def predict(batch):
        return serve(**{name: tf.constant(batch[name]) for name in inputs})[OUTPUT].numpy()

    return InferenceModel(predict, inputs)


def read_keras_file(path):
    """The Keras model of a `.keras` file (its custom layers registered already); an empty,
    truncated or foreign file is an InputError naming it."""
    import keras
    import tensorflow as tf

    try:
        return keras.models.load_model(path, compile=False)
    except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile, tf.errors.OpError) as error:
        raise InputError(f"{path}: could not load the Keras model ({_first_line(error)})") from error


def load_keras(path, layers_module):
    """A `.keras` file, whose custom layers `layers_module` registers when imported."""
    from common.predictor import make_predictor

    importlib.import_module(layers_module)
    model = read_keras_file(path)
    if not isinstance(model.input, dict):
        raise InputError(f"{path}: expected a model with named inputs (a depthrepro export)")
    inputs = tuple(sorted(model.input))
    return InferenceModel(make_predictor(model, inputs), inputs)


def load_model(path, layers_module):
    """Loads `path` by its kind: a SavedModel directory, or a `.keras`, `.onnx` or `.tflite` file.

    Raises:
        InputError: the path is missing, is no such kind, or does not load.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        return load_saved_model(path)
    if not path.exists():
        raise InputError(f"{path}: no such model (expected a SavedModel directory or a .keras, .onnx or .tflite file)")
    if path.suffix == ".keras":
        return load_keras(path, layers_module)
    if path.suffix == ".onnx":
        return load_onnx(path)
    if path.suffix == ".tflite":
        return load_tflite(path)
    raise InputError(f"{path}: expected a SavedModel directory or a .keras, .onnx or .tflite file")
