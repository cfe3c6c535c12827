"""Writes an experiment's test split to a folder in standard formats, with a manifest, so that any
method can run on exactly our test inputs (`common.data.split_files` gives the layout).

    python -m commands.write_split EXPERIMENT.yaml OUT_DIR [--set key.path=value ...]

IGDE: RGB, corrupted input depth, ground truth and error mask; DPDE: RGB, ground truth and valid
mask at the network input's size and, when a protocol scores at the original resolution, also at
the data set's own size. `manifest.json` names every sample and its size, the units and scales,
the corruption's seed and settings (IGDE), every evaluation protocol and the project version.
Works for the generated sets and for every real data set's reader. OUT_DIR must be empty or new:
nothing is written over.
"""

import argparse
import dataclasses
import json
import pathlib
import sys

from commands.options import add_overrides
from common.errors import ConfigError, exit_status

UNITS = {
    "enhancement": "input_depth and ground_truth: depth in [0, 1] (IGDE's normalised disparity, near = 1)",
    "monocular": "ground_truth: metres, 0 where valid_mask is 0",
}


def write_split(config, sample_kind, out, experiment_path):
    """Writes the test split of `config` under `out`; returns the manifest."""
    from common.atomic import atomic_path
    from common.data.loaders import make_loader
    from common.data.split_files import sample_name, split_folders, write_sample
    from common.evaluation.protocol import needs_original
    from common.evaluation.scoring import make_scorers
    from common.version import VERSION

    original = needs_original(config.eval, sample_kind)
    length, load = make_loader(config.data, "test", sample_kind, original)
    samples = []
    for index in range(length):
        sample = load(index)
        write_sample(out, sample_kind, sample_name(index), sample)
        height, width = sample["target"].shape[:2]
        samples.append({"name": sample_name(index), "height": height, "width": width})
        if original:
            samples[-1]["original_height"], samples[-1]["original_width"] = sample["original_target"].shape[:2]
        print(f"\r{index + 1}/{length} samples", end="\n" if index + 1 == length else "", flush=True)
    manifest = {
        "version": VERSION,
        "experiment": str(experiment_path),
        "dataset": config.data.dataset,
        "sample_kind": sample_kind,
        "split": "test",
        "folders": split_folders(sample_kind, original),
        "units": UNITS[sample_kind],
        "rgb": "8-bit PNG, RGB",
        "masks": "8-bit PNG, 255 = 1",
        "protocols": {name: scorer.protocol for name, scorer in make_scorers(sample_kind, "depth", config).items()},
        "samples": samples,
    }
    if sample_kind == "enhancement":
        manifest["corruption"] = {"seed": config.data.seed, **dataclasses.asdict(config.data.corruption)}
    with atomic_path(out / "manifest.json") as temporary:
        temporary.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="experiment YAML whose test split to write")
    parser.add_argument("out", type=pathlib.Path, help="an empty or new folder")
    add_overrides(parser)
    args = parser.parse_args(argv)

    def work():
        from commands.registry import load_experiment

        experiment = load_experiment(args.experiment, args.overrides, args.scale)
        if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
            raise ConfigError(f"{args.out}: exists and is not an empty folder (nothing is written over)")
        args.out.mkdir(parents=True, exist_ok=True)
        manifest = write_split(experiment.config, experiment.model.spec.sample_kind, args.out, args.experiment)
        print(f"wrote {len(manifest['samples'])} samples and manifest.json under {args.out}")

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
