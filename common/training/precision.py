"""Mixed precision (`train.mixed_precision`) and the device line a run starts with.

Under a mixed policy (Keras mixed-precision guide) layers keep float32 variables and compute in
float16 (`mixed_float16`) or bfloat16 (`mixed_bfloat16`); the model's outputs are cast back to
float32 so that the losses, the metrics, IRLS fusion and the exported signature all see float32.
Under `mixed_float16` the optimizer also scales the loss dynamically so that small float16
gradients do not underflow; bfloat16 has float32's exponent range and needs no scaling. `auto`
takes `mixed_bfloat16` where every device computes bfloat16 natively (NVIDIA compute capability
8.0 or newer; a CPU with AVX512-BF16 or AMX) and float32 elsewhere, where bfloat16 is emulated.
"""

import contextlib
import dataclasses
import functools
import pathlib

import keras
import tensorflow as tf

LOSS_SCALED_POLICY = "mixed_float16"
BFLOAT16_POLICY = "mixed_bfloat16"
# /proc/cpuinfo flags of the x86 CPUs that compute bfloat16 natively.
BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")
BFLOAT16_GPU_CAPABILITY = (8, 0)  # Ampere


@dataclasses.dataclass(frozen=True)
class Devices:
    """The GPUs' names (empty on a CPU machine) and whether the devices that train compute
    bfloat16 natively."""

    gpus: tuple[str, ...] = ()
    native_bfloat16: bool = False


def cpu_has_bfloat16(cpuinfo="/proc/cpuinfo"):
    """Whether the CPU computes bfloat16 natively (AVX512-BF16 or AMX); False where unknown."""
    try:
        flags = pathlib.Path(cpuinfo).read_text().split()
    except OSError:
        return False
    return any(flag in flags for flag in BFLOAT16_CPU_FLAGS)


@functools.cache
def detect_devices():
    """The `Devices` of this machine."""
    details = [tf.config.experimental.get_device_details(gpu) for gpu in tf.config.list_physical_devices("GPU")]
    if not details:
        return Devices((), cpu_has_bfloat16())
    names = tuple(detail.get("device_name", "unknown") for detail in details)
    native = all(tuple(detail.get("compute_capability", (0, 0))) >= BFLOAT16_GPU_CAPABILITY for detail in details)
    return Devices(names, native)


def resolve_policy(setting, devices):
    """The Keras policy `train.mixed_precision` asks for on `devices` (None: float32)."""
    if setting == "auto":
        return BFLOAT16_POLICY if devices.native_bfloat16 else None
    return setting


@contextlib.contextmanager
def dtype_policy(policy):
    """Layers built inside take `policy` (a Keras policy name; None keeps the current one); the
    global policy is restored on exit, so later models (an assembled DPDE, the next test) are
    unaffected."""
    previous = keras.config.dtype_policy()
    if policy:
        keras.config.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def with_float32_outputs(model):
    """`model` behind a float32 linear layer, so its outputs are float32 whatever its policy."""
    inputs = {name: keras.Input(tensor.shape[1:], name=name) for name, tensor in model.input.items()}
    output = keras.layers.Activation("linear", dtype="float32", name="float32_output")(model(inputs))
    return keras.Model(inputs, output, name=model.name)


def device_line(devices, train_config):
    """One line naming the devices and whether XLA and mixed precision are on, with a warning
    where the precision asked for is emulated on these devices."""
    setting = train_config.mixed_precision
    policy = resolve_policy(setting, devices)
    device = f"GPU {', '.join(devices.gpus)}" if devices.gpus else "CPU"
    precision = "off"
    if policy == LOSS_SCALED_POLICY:
        precision = f"on ({policy}, dynamic loss scaling)"
    elif policy:
        precision = f"on ({policy})"
    if setting == "auto":
        precision += f" (auto: bfloat16 is {'native' if devices.native_bfloat16 else 'emulated'} here)"
    line = f"device: {device}; XLA {'on' if train_config.jit_compile else 'off'}; mixed precision {precision}"
    if not devices.gpus and policy == LOSS_SCALED_POLICY:
        line += " (float16 is emulated and slow on a CPU)"
    if policy == BFLOAT16_POLICY and setting != "auto" and not devices.native_bfloat16:
        line += " (bfloat16 is emulated and slow here)"
    return line
