"""Prints the statistics of an IGDE experiment's corrupted input depth beside the paper's Table 1
input row: PSNR, PSNRf (dB, 0..255 scale, squared errors pooled over the samples), the
corrupted fraction of the pixels and the RMSE on them.

    python -m commands.corruption EXPERIMENT.yaml [--split test] [--samples N] [--set key=value ...]

The calibration of `data.corruption` (RECONSTRUCTION.md, "The IGDE boundary errors"): the defaults give
within 1 dB of the paper's PSNR 36.68 dB and PSNRf 21.10 dB on the synthetic test split and on
Scene Flow-like generated data (`python -m commands.sceneflow_like`).
"""

import argparse
import sys

import numpy as np

from commands.options import add_overrides, require_input_depth
from commands.paper_tables import IGDE_COLUMNS, IGDE_TABLES
from common.config.schema import PAPER_ERROR_FRACTION
from common.data.loaders import make_loader
from common.errors import ConfigError, exit_status

PSNR_PEAK = 255.0
PAPER_INPUT = dict(zip(IGDE_COLUMNS, IGDE_TABLES["Table 1 (Scene Flow test set)"]["input"]))


def corruption_statistics(samples):
    """{psnr, psnr_f, fraction, rmse_f} of (target, depth, error_mask) arrays in [0, 1], pooled."""
    squared, squared_wrong, pixels, wrong = 0.0, 0.0, 0, 0
    for target, depth, error_mask in samples:
        error = (depth.astype(np.float64) - target) * PSNR_PEAK
        mask = error_mask > 0.5
        squared += np.sum(error**2)
        squared_wrong += np.sum(error[mask] ** 2)
        pixels += error.size
        wrong += np.count_nonzero(mask)
    if wrong == 0:
        return {"psnr": None, "psnr_f": None, "fraction": 0.0, "rmse_f": 0.0}
    return {
        "psnr": 10 * np.log10(PSNR_PEAK**2 * pixels / squared),
        "psnr_f": 10 * np.log10(PSNR_PEAK**2 * wrong / squared_wrong),
        "fraction": wrong / pixels,
        "rmse_f": np.sqrt(squared_wrong / wrong) / PSNR_PEAK,
    }


def describe(statistics, label):
    """One line of the statistics beside the paper's."""
    if statistics["psnr"] is None:
        return f"{label}: no pixel corrupted"
    return (
        f"{label}: input PSNR {statistics['psnr']:.2f} dB (paper {PAPER_INPUT['psnr']:.2f}), "
        f"PSNRf {statistics['psnr_f']:.2f} dB (paper {PAPER_INPUT['psnr_f']:.2f}), "
        f"corrupted {100 * statistics['fraction']:.2f} % of the pixels "
        f"(paper {100 * PAPER_ERROR_FRACTION:.1f} %), RMSE on them {statistics['rmse_f']:.3f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="an IGDE experiment YAML")
    parser.add_argument("--split", choices=("train", "test"), default="test")
    parser.add_argument("--samples", type=int, help="the first N samples of the split (default: all)")
    add_overrides(parser)
    args = parser.parse_args(argv)

    def work():
        from commands.registry import load_experiment

        if args.samples is not None and args.samples < 1:
            raise ConfigError(f"--samples: expected an integer >= 1, got {args.samples}")
        experiment = load_experiment(args.experiment, args.overrides, args.scale)
        require_input_depth(experiment, "depth input to corrupt")
        config = experiment.config
        length, load = make_loader(config.data, args.split, "enhancement")
        count = length if args.samples is None else min(args.samples, length)
        samples = (load(index) for index in range(count))
        statistics = corruption_statistics((s["target"], s["depth"], s["error_mask"]) for s in samples)
        height, width = config.data.image_size
        print(describe(statistics, f"{config.data.dataset} {args.split}, {count} samples of {height}x{width}"))

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
