"""Scores trained runs and the classical filters on one experiment's test set and prints the
papers' table layout (rows: methods, columns: metrics; IGDE Table 1, DPDE Tables 1-3).

    python -m commands.evaluate EXPERIMENT.yaml RUN_DIR [RUN_DIR ...] [--baselines NAME ...]
        [--set key.path=value ...] [--out results.json]

Each RUN_DIR is a finished run (its `model.keras` and `config.yaml`; a DPDE run adds rows for
its networks, `common.evaluation.trained_runs`); the test data, metrics and baseline settings come
from EXPERIMENT. Baselines default to the experiment's `eval.baselines` that are not networks.
"""

import argparse
import sys

from commands.options import add_overrides
from common.config.schema import BASELINES
from common.errors import exit_status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="experiment YAML whose test set and settings to use")
    parser.add_argument("runs", nargs="+", help="finished run directories")
    parser.add_argument("--baselines", nargs="*", choices=BASELINES, help="default: eval.baselines")
    add_overrides(parser)
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args(argv)

    def work():
        from commands.registry import load_experiment, load_trained_run
        from common.atomic import write_json_atomically
        from common.evaluation.tables import format_tables, protocol_fields
        from common.evaluation.trained_runs import score_trained_runs
        from common.outputs import check_output

        if args.out:
            check_output(args.out, reads=[args.experiment, *args.runs])
        config = load_experiment(args.experiment, args.overrides, args.scale).config
        runs = [load_trained_run(path) for path in args.runs]
        scores = score_trained_runs(config, args.experiment, runs, args.baselines)
        print(format_tables(scores))
        if args.out:
            write_json_atomically(
                args.out, {"experiment": args.experiment, "runs": args.runs, **protocol_fields(scores)}
            )

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
