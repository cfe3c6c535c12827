"""One serialization check for every layer and model we register, as keras-hub's
`run_serialization_test`: `get_config -> from_config -> get_config` compared as sorted JSON, then
a `.keras` save and reload that computes the same outputs."""

import json

import keras
import numpy as np


def _config_json(instance):
    return json.dumps(instance.get_config(), sort_keys=True, default=str)


def run_serialization_test(instance, inputs, tmp_path, atol=1e-6):
    """Checks `instance` (a layer or a functional model) round-trips through its config and a
    `.keras` file. `inputs`: a list of arrays the layer is called on, or a model's input dict."""
    revived = type(instance).from_config(instance.get_config())
    assert _config_json(revived) == _config_json(instance)
    if isinstance(instance, keras.Model):
        model = instance
    else:
        tensors = [keras.Input(array.shape[1:], batch_size=array.shape[0]) for array in inputs]
        model = keras.Model(tensors, instance(*tensors))
    path = tmp_path / f"{instance.name}.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    assert _config_json(reloaded) == _config_json(model)
    expected = keras.ops.convert_to_numpy(model(inputs))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(reloaded(inputs)), expected, atol=atol)
