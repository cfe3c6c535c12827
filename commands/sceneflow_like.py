"""Writes procedural scenes as a Scene Flow tree (`common.data.synthetic_sceneflow`): PNG frames and
PFM disparity in the published layout, for the calibration, the pilot and the benchmarks where the
real data set cannot be downloaded.

    python -m commands.sceneflow_like OUT_DIR [--train 6] [--test 16] [--distinct N] [--seed 0]

OUT_DIR must not hold a Scene Flow tree already: nothing is written over.
"""

import argparse
import pathlib
import sys

from common.errors import ConfigError, exit_status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=pathlib.Path, help="folder to write the Scene Flow tree into")
    parser.add_argument("--train", type=int, default=6, help="training views")
    parser.add_argument("--test", type=int, default=16, help="test views")
    parser.add_argument("--distinct", type=int, help="distinct scenes (default: one per view)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    def work():
        from common.data.synthetic_sceneflow import write_sceneflow_tree
        from common.outputs import check_output

        if args.train < 0 or args.test < 0 or args.train + args.test == 0 or (args.distinct or 1) < 1:
            raise ConfigError(
                f"--train {args.train} --test {args.test} --distinct {args.distinct}: expected counts >= 0, "
                "at least one view, and --distinct >= 1"
            )
        check_output(args.root, folder=True, option="OUT_DIR")
        for part in ("FlyingThings3D", "Monkaa", "Driving"):
            if (args.root / part).exists():
                raise ConfigError(f"{args.root / part}: exists; choose an empty folder (nothing is written over)")
        write_sceneflow_tree(args.root, args.train, args.test, seed=args.seed, distinct=args.distinct)
        print(f"wrote {args.train} training and {args.test} test views under {args.root}")

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
