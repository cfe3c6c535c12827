"""Runs one experiment: python train.py EXPERIMENT.yaml [--set key=value ...] [--run-dir DIR]
[--resume] [--eval-only].

Joins the paper packages' models into one registry, loads and checks the experiment file
(`common.experiment`), then trains, evaluates and exports (`common.training.run_experiment`). A
user's mistake ends with one line on stderr and exit status 2.
"""

import argparse
import os
import shlex
import sys

from common.errors import ConfigError, exit_status


def registry():
    """{model name: ModelSpec} of both papers."""
    from dpde.registry import MODELS as DPDE_MODELS
    from igde.registry import MODELS as IGDE_MODELS

    return {**IGDE_MODELS, **DPDE_MODELS}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="experiment YAML file")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key, e.g. --set train.epochs=2 (repeatable)",
    )
    parser.add_argument("--run-dir", help="run directory (default: runs/<experiment name>)")
    parser.add_argument(
        "--resume", action="store_true", help="continue from the newest checkpoint in the run directory"
    )
    parser.add_argument("--eval-only", action="store_true", help="evaluate the newest checkpoint without training")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    def work():
        from common.experiment import load_experiment
        from common.training.run_experiment import run_experiment

        models = registry()
        config, _, _ = load_experiment(args.experiment, args.overrides, models)
        run_dir = args.run_dir or os.path.join("runs", config.name)
        if os.path.exists(run_dir) and not os.path.isdir(run_dir):
            raise ConfigError(f"--run-dir {run_dir}: exists and is not a directory")
        command = shlex.join(["python", "train.py", *(sys.argv[1:] if argv is None else argv)])
        run_experiment(
            config, models, args.experiment, run_dir, resume=args.resume, eval_only=args.eval_only, command=command
        )

    try:
        return exit_status(work)
    except KeyboardInterrupt:
        print("interrupted: resume with --resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
