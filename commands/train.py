"""Runs one experiment: python train.py EXPERIMENT.yaml [--set key=value ...] [--run-dir DIR]
[--resume] [--eval-only].

Loads and checks the experiment file and resolves its model (`commands.registry`), then trains,
evaluates and exports (`common.training.run_experiment`); an experiment with `eval.trained_runs`
scores those finished runs instead. A user's mistake ends with one line on stderr and exit
status 2.
"""

import argparse
import os
import pathlib
import shlex
import sys

from commands.options import add_overrides, add_run_dir
from common.errors import exit_status


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="experiment YAML file")
    add_overrides(parser)
    add_run_dir(parser, "runs/<experiment name>")
    parser.add_argument(
        "--resume", action="store_true", help="continue from the newest checkpoint in the run directory"
    )
    parser.add_argument("--eval-only", action="store_true", help="evaluate the newest checkpoint without training")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    def work():
        from commands.registry import load_experiment, load_trained_run
        from common.evaluation.trained_runs import score_runs_experiment
        from common.outputs import check_output
        from common.training.run_experiment import run_experiment

        experiment = load_experiment(args.experiment, args.overrides, args.scale)
        config = experiment.config
        run_dir = pathlib.Path(args.run_dir or os.path.join("runs", config.name))
        check_output(run_dir, reads=[args.experiment], folder=True, option="--run-dir")
        command = shlex.join(["python", "train.py", *(sys.argv[1:] if argv is None else argv)])
        if config.eval.trained_runs:
            runs = [load_trained_run(path) for path in config.eval.trained_runs]
            score_runs_experiment(config, runs, args.experiment, run_dir, command)
            return
        run_experiment(experiment, run_dir, resume=args.resume, eval_only=args.eval_only, command=command)

    try:
        return exit_status(work)
    except KeyboardInterrupt:
        print("interrupted: resume with --resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
