"""Writes an experiment's test split to a folder in standard formats, with a manifest, so that any
method can run on exactly our test inputs (`common.data.split_files` gives the layout).

    python -m commands.write_split EXPERIMENT.yaml OUT_DIR [--set key.path=value ...]

IGDE: RGB, corrupted input depth, ground truth and error mask; DPDE: RGB, ground truth and valid
mask at the network input's size and, when a protocol scores at the original resolution, also at
the data set's own size. `manifest.json` names every sample and its size, the units and scales,
the corruption's seed and settings (IGDE), every evaluation protocol and the project version.
Works for the generated sets and for every real data set's reader. OUT_DIR must be empty or new,
or the folder of a killed write_split of the same size (no manifest.json yet, nothing but the
split's files), which is written again whole: nothing else is written over.
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


def check_split_folder(out, sample_kind, original, length):
    """Raises ConfigError unless `out` is new, empty, or what a killed write_split of this split
    left: no manifest.json (written last) and no file but the split's own (and the temporary files
    of a killed atomic write, `common.atomic`)."""
    from common.atomic import is_temporary
    from common.data.split_files import sample_files, sample_name

    if not out.exists():
        return
    if (out / "manifest.json").exists():
        raise ConfigError(
            f"{out}: holds a finished split (manifest.json); choose a new folder (nothing is written over)"
        )
    expected = {
        relative
        for index in range(length)
        for relative in sample_files(sample_kind, sample_name(index), original).values()
    }
    folders = {relative.split("/")[0] for relative in expected}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        ours = relative in expected or relative in folders or is_temporary(path)
        if not ours or path.is_symlink():
            raise ConfigError(
                f"{out}: holds {relative}, which this split does not write; choose an empty or new folder "
                "(nothing is written over)"
            )


def write_split(config, sample_kind, out, experiment_path):
    """Writes the test split of `config` under `out` (`check_split_folder` first); returns the
    manifest."""
    from common.atomic import atomic_path
    from common.data.loaders import make_loader
    from common.data.split_files import sample_name, split_folders, write_sample
    from common.evaluation.protocol import needs_original
    from common.evaluation.scoring import make_scorers
    from common.outputs import output_folder
    from common.version import VERSION

    original = needs_original(config.eval, sample_kind)
    length, load = make_loader(config.data, "test", sample_kind, original)
    check_split_folder(out, sample_kind, original, length)
    output_folder(out)
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
        from common.outputs import check_output

        experiment = load_experiment(args.experiment, args.overrides, args.scale)
        check_output(args.out, reads=[args.experiment], folder=True, option="OUT_DIR")
        manifest = write_split(experiment.config, experiment.model.spec.sample_kind, args.out, args.experiment)
        print(f"wrote {len(manifest['samples'])} samples and manifest.json under {args.out}")

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
