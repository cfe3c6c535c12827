"""The `tf.distribute` strategy named by `distribute.strategy`."""

import json
import os

import tensorflow as tf

from common.errors import ConfigError


def make_strategy(distribute, experiment_path):
    """Builds the strategy; must run before any other TensorFlow op.

    `mirrored` uses every local GPU, or, with none, `distribute.logical_cpus` CPU devices (at
    least one). `multi_worker` reads the cluster from the TF_CONFIG environment variable.
    """
    if distribute.logical_cpus > 0:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * distribute.logical_cpus
        )
    if distribute.strategy == "default":
        return tf.distribute.get_strategy()
    if distribute.strategy == "mirrored":
        if tf.config.list_physical_devices("GPU"):
            return tf.distribute.MirroredStrategy()
        devices = [device.name for device in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=devices)
    if "TF_CONFIG" not in os.environ:
        raise ConfigError(
            f"{experiment_path}: distribute.strategy: multi_worker needs the TF_CONFIG "
            "environment variable (see the README)"
        )
    try:
        json.loads(os.environ["TF_CONFIG"])
    except json.JSONDecodeError as error:
        raise ConfigError("TF_CONFIG is not valid JSON") from error
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_chief(strategy):
    """True on the one worker that writes logs, checkpoints and exports."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in resolver.cluster_spec().as_dict()
    )


def worker_id(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return "local"
    return f"{resolver.task_type}_{resolver.task_id}"
