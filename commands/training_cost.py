"""What an experiment's training costs on the paper's GPU: the forward FLOP of each network it
trains at its training size (counted by TensorFlow's graph profiler), times 3 for the backward
pass, times the images of its epochs, at `UTILISATION` of the paper's GPU's float32 peak.

The GPUs are the papers': IGDE "NVIDIA Geforce RTX 2080Ti 11G GPU" (13.4 TFLOPS float32 at its
boost clock), DPDE "Nvidia RTX2080 8 GPU" (10.1 TFLOPS). The training sets are the papers' (Scene
Flow's 70,908 views, NYU's 795 labelled images, Make3D's 400); a synthetic set is its
`data.train_size`. Validation and test passes are left out (a few per cent).

Example:
    gpu_days(load_experiment("experiments/igde/sceneflow.yaml"))  # about 11
"""

import dataclasses

from common.data.make3d import PAPER_COUNTS as MAKE3D_COUNTS
from common.data.nyu import PAPER_COUNTS as NYU_COUNTS
from igde.budget import STEPS_PER_EPOCH as SCENEFLOW_STEPS
from igde.budget import UTILISATION

SECONDS_PER_DAY = 86_400
GPU_FP32_FLOPS = {"igde": 13.4e12, "dpde": 10.1e12}  # RTX 2080 Ti, RTX 2080: boost-clock peaks
TRAIN_IMAGES = {"sceneflow": 2 * SCENEFLOW_STEPS, "nyu": NYU_COUNTS["train"], "make3d": MAKE3D_COUNTS["train"]}


def forward_flop(network, input_shapes):
    """Float operations of one forward pass of `network` on {input name: [H, W, C]} (batch 1)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    specs = {name: tf.TensorSpec([1, *shape]) for name, shape in input_shapes.items()}
    function = tf.function(lambda inputs: network(inputs, training=False)).get_concrete_function(specs)
    graph = convert_variables_to_constants_v2(function).graph
    options = {**tf.compat.v1.profiler.ProfileOptionBuilder.float_operation(), "output": "none"}
    logger, level = tf.get_logger(), tf.get_logger().level
    logger.setLevel("ERROR")  # the v1 profiler's deprecation notices
    try:
        return tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops
    finally:
        logger.setLevel(level)


def trained_networks(experiment):
    """The experiments of the networks a run of `experiment` trains: itself, or its stages."""
    if not experiment.stages:
        return [experiment]
    names = experiment.config.train.stages or [stage.name for stage in experiment.model.spec.stages]
    return [experiment.stages[name] for name in names if name in experiment.stages]


def gpu_days(experiment, paper):
    """Days of the paper's GPU (`paper`: "igde" or "dpde") that `experiment` trains for; 0 for
    one that trains nothing."""
    from common.data.loaders import SAMPLE_CHANNELS

    if experiment.config.eval.trained_runs:
        return 0.0
    flop = 0.0
    for network in trained_networks(experiment):
        config = network.config
        data = config.data
        height, width = data.crop_size or data.image_size
        model = dataclasses.replace(network.model, arguments=_without_downloads(network.model.arguments))
        keras_model = model.build(network.path)
        channels = SAMPLE_CHANNELS[model.spec.sample_kind]
        shapes = {name: (height, width, channels[name]) for name in model.spec.inputs}
        images = TRAIN_IMAGES.get(data.dataset, data.train_size)
        flop += 3 * forward_flop(keras_model, shapes) * images * config.train.epochs
    return flop / (GPU_FP32_FLOPS[paper] * UTILISATION) / SECONDS_PER_DAY


def _without_downloads(arguments):
    """The arguments with random encoder weights: the FLOP are the same as ImageNet's."""
    return {key: "none" if key == "encoder_weights" else value for key, value in arguments.items()}
