"""The training input pipelines on files in each data set's published format against the
training rate of the paper presets, in one run: Scene Flow (PNG + PFM, 540 x 960) for IGDE, NYU
Depth v2 (the labeled HDF5 .mat) and Make3D (2272 x 1704 JPEG + .mat) for DPDE.

    python bench/pipeline.py [--datasets sceneflow nyu make3d] [--batches 6] [--train-steps 1]

For each data set, writes generated scenes in its format to a temporary folder
(`common.data.synthetic_sceneflow`, `common.data.synthetic_monocular`) and times the training
pipeline of its paper experiment (`experiments/igde/sceneflow.yaml`, `experiments/dpde/nyu.yaml`,
`experiments/dpde/make3d.yaml`: decoding, resizing or cropping, the boundary corruption for
Scene Flow, batching) over one epoch, after its first batch. Then times the training step of
every network the experiment trains, at the experiment's batch and input size (DPDE: the depth
network and the gradient network, each its own stage; the encoder from random weights), and
prints the pipeline's rate over the fastest network's. Scene Flow also gets the paper preset's
rate estimated for the paper's RTX 2080 Ti (`igde.budget`). All pipelines run before any
training step; a pipeline's peak resident memory is this process's after it (so it includes the
pipelines before it).
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

from train_step import train_rate

from common.config.loader import load_config
from common.config.schema import DATASET_KINDS
from common.data.loaders import make_loader
from common.data.pipeline import DataPipeline
from common.data.synthetic_monocular import write_make3d_tree, write_nyu_files
from common.data.synthetic_sceneflow import write_sceneflow_tree
from dpde.presets import PRESETS as DPDE_PRESETS
from igde.budget import BATCH, GPU_FP32_FLOPS, UTILISATION, training_budget
from igde.presets import PRESETS as IGDE_PRESETS

EXPERIMENTS = pathlib.Path(__file__).resolve().parents[1] / "experiments"
DPDE_PAPER = DPDE_PRESETS["paper"]
DPDE_NETWORKS = [  # no ImageNet download here; the same cost
    ("DPDE depth network", "fcrn", {**DPDE_PAPER["depth"], "encoder_weights": "none"}),
    ("DPDE gradient network", "gradient_net", DPDE_PAPER["gradient"]),
]
DATASETS = {
    "sceneflow": (
        EXPERIMENTS / "igde" / "sceneflow.yaml",
        lambda root, views: write_sceneflow_tree(root, views, 2),
        [("IGDE paper preset", "igde", IGDE_PRESETS["paper"])],
    ),
    "nyu": (EXPERIMENTS / "dpde" / "nyu.yaml", lambda root, views: write_nyu_files(root, views, 2), DPDE_NETWORKS),
    "make3d": (
        EXPERIMENTS / "dpde" / "make3d.yaml",
        lambda root, views: write_make3d_tree(root, views, 2),
        DPDE_NETWORKS,
    ),
}


def delivered_rate(config, batches):
    """Training samples/s of the pipeline over `batches` batches (after the first, which fills
    the parallel loads)."""
    data = config.data
    kind = DATASET_KINDS[data.dataset]
    pipeline = DataPipeline(data, make_loader(data, "train", kind), make_loader(data, "test", kind), kind)
    iterator = iter(pipeline.train_dataset(0, data.batch_size))
    next(iterator)
    started = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * data.batch_size / (time.perf_counter() - started)


def pipeline_figures(name, batches):
    """(config, samples/s, this process's peak resident GiB so far) of one data set's pipeline."""
    experiment, write, _ = DATASETS[name]
    with tempfile.TemporaryDirectory() as root:
        config = load_config(experiment, [f"data.root={root}"])
        write(root, config.data.batch_size * (batches + 1))
        delivered = delivered_rate(config, batches)
    return config, delivered, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def report_training(name, config, delivered, peak, train_steps):
    experiment, _, networks = DATASETS[name]
    data = config.data
    size = data.crop_size or data.image_size
    print(f"\n{name} ({experiment.relative_to(EXPERIMENTS.parent)}): batch {data.batch_size} x {size[0]} x {size[1]}")
    print(f"  pipeline: {delivered:.2f} samples/s, peak resident memory {peak:.2f} GiB")
    rates = []
    for title, model, arguments in networks:
        rate, parameters = train_rate(model, arguments, data.batch_size, *size, train_steps, config)
        rates.append(rate)
        print(
            f"  {title} ({parameters:,} parameters) training, this machine: {rate:.3f} images/s "
            f"(pipeline {delivered / rate:.1f}x)"
        )
    print(f"  pipeline over the fastest network's training rate: {delivered / max(rates):.1f}x")
    if name == "sceneflow":
        paper = IGDE_PRESETS["paper"]
        flop = training_budget(paper["blocks"], paper["block_layers"], paper["growth"])["flop_per_step"] / BATCH
        gpu = GPU_FP32_FLOPS * UTILISATION / flop
        print(
            f"  IGDE paper preset training, RTX 2080 Ti at {UTILISATION:.0%} of fp32 peak (estimate): "
            f"{gpu:.2f} images/s (pipeline {delivered / gpu:.1f}x)"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", choices=sorted(DATASETS), default=list(DATASETS))
    parser.add_argument("--batches", type=int, default=6, help="timed batches of each pipeline")
    parser.add_argument("--train-steps", type=int, default=1, help="timed training steps of each network")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    # every pipeline first, so that each peak is the pipelines' own (a training step of the
    # paper presets takes gigabytes)
    pipelines = {name: pipeline_figures(name, args.batches) for name in args.datasets}
    for name, (config, delivered, peak) in pipelines.items():
        report_training(name, config, delivered, peak, args.train_steps)


if __name__ == "__main__":
    main()
