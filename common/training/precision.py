"""Mixed precision (`train.mixed_precision`) and the device line a run starts with.

Under `mixed_float16` (Keras mixed-precision guide) layers keep float32 variables and compute in
float16; the model's outputs are cast back to float32 so that the losses, the metrics, IRLS fusion
and the exported signature all see float32, and the optimizer scales the loss dynamically so that
small float16 gradients do not underflow.
"""

import contextlib

import keras
import tensorflow as tf

MIXED_POLICY = "mixed_float16"


@contextlib.contextmanager
def dtype_policy(mixed):
    """Layers built inside take the `mixed_float16` policy when `mixed`; the global policy is
    restored on exit, so later models (an assembled DPDE, the next test) are unaffected."""
    previous = keras.config.dtype_policy()
    if mixed:
        keras.config.set_dtype_policy(MIXED_POLICY)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def with_float32_outputs(model):
    """`model` behind a float32 linear layer, so its outputs are float32 whatever its policy."""
    inputs = {name: keras.Input(tensor.shape[1:], name=name) for name, tensor in model.input.items()}
    output = keras.layers.Activation("linear", dtype="float32", name="float32_output")(model(inputs))
    return keras.Model(inputs, output, name=model.name)


def gpu_names():
    """The names of the visible GPUs ("NVIDIA H100 80GB HBM3", ...), empty on a CPU machine."""
    return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            for gpu in tf.config.list_physical_devices("GPU")]


def device_line(gpus, train_config):
    """One line naming the devices and whether XLA and mixed precision are on."""
    device = f"GPU {', '.join(gpus)}" if gpus else "CPU"
    precision = f"on ({MIXED_POLICY}, dynamic loss scaling)" if train_config.mixed_precision else "off"
    line = f"device: {device}; XLA {'on' if train_config.jit_compile else 'off'}; mixed precision {precision}"
    if train_config.mixed_precision and not gpus:
        line += " (float16 is emulated and slow on a CPU)"
    return line
