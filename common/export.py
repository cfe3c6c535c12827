"""SavedModel export with a `serving_default` signature of named tensors.

The signature takes the model's inputs by name (`image`: float32 RGB in [0, 1], NHWC; `depth`:
float32 in [0, 1], NHWC, one channel) with any batch, height and width (height and width
multiples of the model's stride, saved beside it as the variable `stride`) and returns
{"depth": [B, H, W, 1] float32}.
"""

import os
import pathlib
import shutil

import tensorflow as tf

from common.data.sources import SAMPLE_CHANNELS


class _Serving(tf.Module):
    """The exported module: the model and its stride (read back by `common.inference.model`)."""

    def __init__(self, model, stride):
        super().__init__()
        self.model = model
        self.stride = tf.Variable(stride, trainable=False, dtype=tf.int32, name="stride")


def export_saved_model(model, spec, export_dir):
    """Writes the SavedModel to `export_dir`, replacing an earlier one only once complete."""
    channels = SAMPLE_CHANNELS[spec.sample_kind]
    signature = [tf.TensorSpec([None, None, None, channels[name]], tf.float32, name=name)
                 for name in spec.inputs]
    module = _Serving(model, spec.stride)

    @tf.function(input_signature=signature)
    def serve(*tensors):
        height, width = tf.shape(tensors[0])[1], tf.shape(tensors[0])[2]
        tf.debugging.assert_equal(
            [height % spec.stride, width % spec.stride], 0,
            message=f"image height and width must be multiples of {spec.stride}")
        return {"depth": module.model(dict(zip(spec.inputs, tensors)), training=False)}

    export_dir = pathlib.Path(export_dir)
    staging = export_dir.with_name(export_dir.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    tf.saved_model.save(module, str(staging), signatures={"serving_default": serve})
    if export_dir.exists():
        shutil.rmtree(export_dir)
    os.replace(staging, export_dir)
    return export_dir
