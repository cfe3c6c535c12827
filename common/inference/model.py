"""An exported model for the inference commands: a SavedModel directory or a `.keras` file."""

import dataclasses
import pathlib
import typing
import zipfile

import keras
import tensorflow as tf

from common.errors import InputError
from common.predictor import make_predictor

LOAD_ERRORS = (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile, tf.errors.OpError)


@dataclasses.dataclass(frozen=True)
class InferenceModel:
    """A loaded model.

    Attributes:
        predict: fn({input name: [B, H, W, C] float32}) -> [B, H, W, 1] float32 NumPy depth.
        inputs: the input names it takes ("image", and "depth" for depth enhancement).
    """

    predict: typing.Callable
    inputs: tuple


def _first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def load_model(path):
    """Loads `path`: an exported SavedModel directory (its `serving_default` signature) or a
    `.keras` file (whose custom layers the caller's paper package has registered).

    Raises:
        InputError: the path is missing, is neither kind, or does not load.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise InputError(f"{path}: not a SavedModel directory (no saved_model.pb)")
        try:
            loaded = tf.saved_model.load(str(path))
        except LOAD_ERRORS as error:
            raise InputError(f"{path}: could not load the SavedModel ({_first_line(error)})") from error
        serve = loaded.signatures.get("serving_default")
        if serve is None:
            raise InputError(f"{path}: the SavedModel has no serving_default signature")
        inputs = tuple(sorted(serve.structured_input_signature[1]))

        def predict(batch):
            return serve(**{name: tf.constant(batch[name]) for name in inputs})["depth"].numpy()

        return InferenceModel(predict, inputs)
    if path.suffix == ".keras" and path.is_file():
        try:
            model = keras.models.load_model(path, compile=False)
        except LOAD_ERRORS as error:
            raise InputError(f"{path}: could not load the Keras model ({_first_line(error)})") from error
        if not isinstance(model.input, dict):
            raise InputError(f"{path}: expected a model with named inputs (a depthrepro export)")
        inputs = tuple(sorted(model.input))
        return InferenceModel(make_predictor(model, inputs), inputs)
    if not path.exists():
        raise InputError(f"{path}: no such model (expected a SavedModel directory or a .keras file)")
    raise InputError(f"{path}: expected a SavedModel directory or a .keras file")
