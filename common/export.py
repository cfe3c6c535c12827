"""A trained model's exports: the SavedModel with a `serving_default` signature of named tensors,
and the `.keras` file.

The signature takes the model's inputs by name (`image`: float32 RGB in [0, 1], NHWC; `depth`:
float32 in [0, 1], NHWC, one channel) with any batch, height and width and returns
{"depth": [B, H, W, 1] float32}.
"""

import os
import pathlib
import shutil

import tensorflow as tf

from common.data.loaders import SAMPLE_CHANNELS


def export_saved_model(model, spec, export_dir):
    """Writes the SavedModel to `export_dir`, replacing an earlier one only once complete."""
    channels = SAMPLE_CHANNELS[spec.sample_kind]
    signature = [tf.TensorSpec([None, None, None, channels[name]], tf.float32, name=name) for name in spec.inputs]
    module = tf.Module()
    module.model = model

    @tf.function(input_signature=signature)
    def serve(*tensors):
        return {"depth": module.model(dict(zip(spec.inputs, tensors)), training=False)}

    export_dir = pathlib.Path(export_dir)
    staging = export_dir.with_name(export_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    tf.saved_model.save(module, str(staging), signatures={"serving_default": serve})
    if export_dir.exists():
        shutil.rmtree(export_dir)
    os.replace(staging, export_dir)
    return export_dir


def export_model(model, spec, export_config, target):
    """Writes `target/export/` (SavedModel) and `target/model.keras`, as `export_config` asks."""
    target = pathlib.Path(target)
    target.mkdir(parents=True, exist_ok=True)
    if export_config.saved_model:
        export_saved_model(model, spec, target / "export")
    if export_config.keras_file:
        staging = target / "model.tmp.keras"
        model.save(staging)
        staging.replace(target / "model.keras")
