"""The Scene Flow input pipeline on files in the published format against the paper preset's
training rate, in one run.

    python bench/pipeline.py [--views 28] [--batches 12] [--train-steps 1]

Writes a Scene Flow-like tree of 540 x 960 views (PNG frames, PFM disparity;
`common.data.synthetic_sceneflow`) to a temporary folder and times the training pipeline of
`experiments/igde/sceneflow.yaml` over it: decoding, the 512 x 960 centre crop, the boundary
corruption, the 280 x 480 random crop, batches of 2. Prints the samples/s it delivers and this
process's peak resident memory, then the paper preset's training images/s measured on this
machine and estimated for the paper's RTX 2080 Ti (`igde.budget`), and the ratios.
"""

import argparse
import os
import pathlib
import resource
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from train_step import train_rate  # noqa: E402  (bench/ is this script's folder)

from common.config import load_config  # noqa: E402
from common.data.pipeline import DataPipeline  # noqa: E402
from common.data.sources import make_source  # noqa: E402
from common.data.synthetic_sceneflow import write_sceneflow_tree  # noqa: E402
from igde.budget import BATCH, CROP, GPU_FP32_FLOPS, UTILISATION, training_budget  # noqa: E402
from igde.presets import PRESETS  # noqa: E402

SCENEFLOW = pathlib.Path(__file__).resolve().parents[1] / "experiments" / "igde" / "sceneflow.yaml"


def delivered_rate(config, batches):
    """Training samples/s of the pipeline over `batches` batches (after the first, which fills
    the parallel loads)."""
    data = config.data
    pipeline = DataPipeline(data, make_source(data, "train", "enhancement"),
                            make_source(data, "test", "enhancement"), "enhancement")
    iterator = iter(pipeline.train_dataset(0, data.batch_size))
    next(iterator)
    started = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * data.batch_size / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=28, help="training views to write")
    parser.add_argument("--batches", type=int, default=12, help="timed batches")
    parser.add_argument("--train-steps", type=int, default=1, help="timed paper-preset steps")
    args = parser.parse_args()
    if args.views < BATCH * (args.batches + 1):
        parser.error(f"--views must be at least {BATCH * (args.batches + 1)}: one warm-up and "
                     f"{args.batches} timed batches of {BATCH} in one epoch")
    with tempfile.TemporaryDirectory() as root:
        write_sceneflow_tree(root, args.views, 2)
        config = load_config(SCENEFLOW, [f"data.root={root}"])
        delivered = delivered_rate(config, args.batches)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    paper = PRESETS["paper"]
    trained, _ = train_rate("paper", BATCH, *CROP, args.train_steps, config)
    flop_per_image = training_budget(paper["blocks"], paper["block_layers"], paper["growth"])["flop_per_step"] / BATCH
    gpu = GPU_FP32_FLOPS * UTILISATION / flop_per_image
    print(f"cores: {os.cpu_count()}")
    print(f"pipeline (Scene Flow files 540x960 -> 512x960, corruption, {CROP[0]}x{CROP[1]} crops): "
          f"{delivered:.2f} samples/s, peak resident memory {peak:.2f} GiB")
    print(f"paper preset training, this machine: {trained:.3f} images/s "
          f"(pipeline {delivered / trained:.0f}x faster)")
    print(f"paper preset training, RTX 2080 Ti at {UTILISATION:.0%} of fp32 peak (estimate): {gpu:.2f} images/s "
          f"(pipeline {delivered / gpu:.1f}x)")


if __name__ == "__main__":
    main()
