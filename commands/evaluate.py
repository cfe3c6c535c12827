"""Scores trained runs and the classical filters on one experiment's test set and prints the
papers' table layout (rows: methods, columns: metrics; IGDE Table 1, DPDE Tables 1-3).

    python -m commands.evaluate EXPERIMENT.yaml RUN_DIR [RUN_DIR ...] [--baselines NAME ...]
        [--set key.path=value ...] [--out results.json]

Each RUN_DIR is a finished run (its `model.keras` and `config.yaml`; a DPDE run adds rows for
its networks, `common.training.trained_runs`); the test data, metrics and baseline settings come
from EXPERIMENT. Baselines default to the experiment's `eval.baselines` that are not networks.
"""

import argparse
import sys

from common.config import BASELINES
from common.errors import exit_status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="experiment YAML whose test set and settings to use")
    parser.add_argument("runs", nargs="+", help="finished run directories")
    parser.add_argument("--baselines", nargs="*", choices=BASELINES, help="default: eval.baselines")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args(argv)

    def work():
        from commands.registry import load_experiment, load_trained_run
        from common.training.evaluation import format_tables, protocol_fields
        from common.training.logs import write_json_atomically
        from common.training.trained_runs import score_trained_runs

        config, _ = load_experiment(args.experiment, args.overrides)
        runs = [load_trained_run(path) for path in args.runs]
        tables, titles, scorers = score_trained_runs(config, args.experiment, runs, args.baselines)
        print(format_tables(tables, titles, scorers))
        if args.out:
            write_json_atomically(
                args.out,
                {"experiment": args.experiment, "runs": args.runs, **protocol_fields(tables, titles, scorers)},
            )

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
