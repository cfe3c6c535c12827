"""The training loop's overhead: one step a call, the host reading every value, against several
steps a compiled call (`train.steps_per_execution`), side by side in one run.

    python bench/train_loop.py [--steps 96] [--crops 16 64] [--per-call 1 4 8 16 32] [--repeats 3]

For the quickstart's small IGDE preset and batch at each crop, prints the images/s of:
- the loop as it was before `steps_per_execution` (the reference): each step a `tf.function` call,
  then `float()` of every loss value, an eager `assign_add` on the step counter and a progress
  update, so the host waits for the device every step;
- the trainer's loop (`common.training.step.make_train_steps`, values read once per call, logged
  by `Trainer._record_steps`) at each `--per-call`.
The smallest crop is dispatch-bound (little arithmetic a step): the proxy for a GPU, where the
device waits for the host. Each rate is the median of `--repeats` timings of `--steps` steps, after
a warm-up call of each call size.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import keras
import tensorflow as tf

from commands.registry import MODELS
from common.config.loader import load_config
from common.data.loaders import SAMPLE_CHANNELS
from common.training.optimization import build_optimizer
from common.training.step import make_train_step, make_train_steps

QUICKSTART = pathlib.Path(__file__).resolve().parents[1] / "experiments" / "quickstart.yaml"


def random_batches(sample_kind, batch, crop):
    """An endless iterator of one random batch of `sample_kind` at `crop` (the data cost nothing)."""
    sample = {
        key: tf.random.stateless_uniform((batch, *crop, channels), seed=(0, index))
        for index, (key, channels) in enumerate(SAMPLE_CHANNELS[sample_kind].items())
    }
    return iter(tf.data.Dataset.from_tensors(sample).repeat())


def build(config):
    """(train step, counter, optimizer, loss names) of the small IGDE preset for `config`."""
    spec = MODELS["igde"]
    keras.utils.set_random_seed(0)
    model = spec.build(**spec.presets["small"])
    optimizer = build_optimizer(config.optimizer, config.schedule, 1)
    optimizer.build(model.trainable_variables)
    step = make_train_step(tf.distribute.get_strategy(), model, optimizer, config.loss, spec.inputs)
    names = ["loss"] + [f"loss_{name}" for name, weight in config.loss.weights.items() if weight > 0]
    return step, tf.Variable(0, dtype=tf.int64), optimizer, names


def reference_loop(step, counter, iterator, steps):
    """The loop before `steps_per_execution`: the host reads every step's values."""
    progress = keras.utils.Progbar(steps, verbose=0, stateful_metrics=["loss"])
    for index in range(steps):
        values = {name: float(value) for name, value in step(next(iterator)).items()}
        counter.assign_add(1)
        progress.update(index + 1, [("loss", values["loss"])])


def trainer_loop(train_steps, iterator, steps, per_call):
    """The trainer's loop: `per_call` steps a compiled call, the values read once a call."""
    progress = keras.utils.Progbar(steps, verbose=0, stateful_metrics=["loss"])
    done = 0
    while done < steps:
        count = min(per_call, steps - done)
        values = {name: value.numpy() for name, value in train_steps(iterator, tf.constant(count)).items()}
        done += count
        progress.update(done, [("loss", float(values["loss"][-1]))])


def rate(loop, steps, batch, repeats):
    """Median images/s of `loop(steps)` over `repeats` timings."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        loop(steps)
        timings.append(time.perf_counter() - started)
    return steps * batch / statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=96, help="timed steps a repeat")
    parser.add_argument("--crops", type=int, nargs="+", default=[16, 64], help="square crop sizes")
    parser.add_argument("--per-call", type=int, nargs="+", default=[1, 4, 8, 16, 32])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = load_config(QUICKSTART)
    batch = config.data.batch_size
    print(f"device: {tf.config.list_physical_devices('GPU') or 'CPU'}, threads: {os.cpu_count()}")
    print("| crop | loop | steps a call | images/s | vs reference |")
    print("| --- | --- | ---: | ---: | ---: |")
    for crop in args.crops:
        step, counter, optimizer, names = build(config)
        iterator = random_batches("enhancement", batch, (crop, crop))
        train_steps = make_train_steps(step, counter, optimizer, names)
        reference_loop(step, counter, iterator, 2)
        for per_call in args.per_call:
            trainer_loop(train_steps, iterator, per_call, per_call)
        reference = rate(lambda n: reference_loop(step, counter, iterator, n), args.steps, batch, args.repeats)
        print(f"| {batch} x {crop} x {crop} | reference (host reads every step) | 1 | {reference:.1f} | 1.00x |")
        for per_call in args.per_call:
            ours = rate(lambda n: trainer_loop(train_steps, iterator, n, per_call), args.steps, batch, args.repeats)
            print(f"| {batch} x {crop} x {crop} | trainer | {per_call} | {ours:.1f} | {ours / reference:.2f}x |")


if __name__ == "__main__":
    main()
