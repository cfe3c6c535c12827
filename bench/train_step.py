"""Training throughput of both IGDE presets and the tf.data pipeline's delivery rate.

    python bench/train_step.py [--steps 20] [--paper-steps 2] [--paper-crop 70 120]

Prints images/s of the train step (forward, loss, backward, Adam update) for the `small` preset
at the quickstart crop and the `paper` preset, batch 2, at `--paper-crop` (default the paper's
280 x 480); then
images/s of the quickstart pipeline, first epoch (generating the synthetic scenes) and later
epochs (from the cache), and the ratio of pipeline to training rate.
"""

import argparse
import dataclasses
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np
import tensorflow as tf

from commands.registry import MODELS
from common.config.loader import load_config
from common.data.loaders import SAMPLE_CHANNELS, make_loader
from common.data.pipeline import DataPipeline
from common.losses import loss_weights_for
from common.training.optimization import build_optimizer
from common.training.step import make_train_step

QUICKSTART = pathlib.Path(__file__).resolve().parents[1] / "experiments" / "quickstart.yaml"


def random_train_step(model, arguments, batch, height, width, config, loss_weights=None):
    """The runner's train step for `model` (an IGDE or DPDE registry name) built with `arguments`,
    and a random batch of the model's sample kind; the loss is `loss_weights`, or the experiment's
    terms that apply to the model's output.

    Returns:
        (step: a function running one step, the batch {key: [B, H, W, C] float32 NumPy},
        the model's registry entry, its parameter count).
    """
    spec = MODELS[model]
    network = spec.build(**arguments)
    optimizer = build_optimizer(config.optimizer, config.schedule, 1)
    weights = loss_weights or loss_weights_for(spec.output, config.loss.weights)
    loss = dataclasses.replace(config.loss, weights=weights)
    rng = np.random.default_rng(0)
    batch_data = {
        key: rng.random((batch, height, width, channels), np.float32)
        for key, channels in SAMPLE_CHANNELS[spec.sample_kind].items()
    }
    train_step = make_train_step(tf.distribute.get_strategy(), network, optimizer, loss, spec.inputs)
    tensors = {key: tf.constant(value) for key, value in batch_data.items()}
    return lambda: float(train_step(tensors)["loss"]), batch_data, spec, network.count_params()


def train_rate(model, arguments, batch, height, width, steps, config):
    """Images/s of `random_train_step` over `steps` steps, after one warm-up step.

    Returns:
        (images/s, parameter count).
    """
    step, _, _, parameters = random_train_step(model, arguments, batch, height, width, config)
    step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - started), parameters


def pipeline_rate(config, epochs):
    """Images/s delivered by the training pipeline for each of `epochs` epochs."""
    data = config.data
    pipeline = DataPipeline(
        data, make_loader(data, "train", "enhancement"), make_loader(data, "test", "enhancement"), "enhancement"
    )
    rates = []
    for epoch in range(epochs):
        started = time.perf_counter()
        count = sum(int(b["image"].shape[0]) for b in pipeline.train_dataset(epoch, data.batch_size))
        rates.append(count / (time.perf_counter() - started))
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps, small preset")
    parser.add_argument("--paper-steps", type=int, default=2, help="timed steps, paper preset")
    parser.add_argument(
        "--paper-crop",
        type=int,
        nargs=2,
        default=[280, 480],
        metavar=("H", "W"),
        help="crop of the paper preset (the paper trains on 280 480)",
    )
    args = parser.parse_args()
    config = load_config(QUICKSTART)
    crop = config.data.crop_size
    presets = MODELS["igde"].presets
    small, small_params = train_rate("igde", presets["small"], config.data.batch_size, *crop, args.steps, config)
    paper, paper_params = train_rate("igde", presets["paper"], 2, *args.paper_crop, args.paper_steps, config)
    first, *cached = pipeline_rate(config, 3)
    print(f"device: {tf.config.list_physical_devices('GPU') or 'CPU'}, threads: {os.cpu_count()}")
    print(
        f"train small preset ({small_params:,} params, {config.data.batch_size}x{crop[0]}x{crop[1]}): "
        f"{small:.1f} images/s"
    )
    print(
        f"train paper preset ({paper_params:,} params, 2x{args.paper_crop[0]}x{args.paper_crop[1]}): "
        f"{paper:.2f} images/s"
    )
    print(
        f"pipeline, first epoch (generating scenes {config.data.image_size[0]}x"
        f"{config.data.image_size[1]}): {first:.1f} images/s"
    )
    print(
        f"pipeline, cached epochs: {np.mean(cached):.1f} images/s "
        f"({np.mean(cached) / small:.1f}x the small preset's training rate)"
    )


if __name__ == "__main__":
    main()
