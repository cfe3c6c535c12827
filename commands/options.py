"""The options and checks the commands share, declared once: `--scale` and `--set` overrides of
an experiment, `--run-dir`, and the guard of the commands that need IGDE's input depth."""

from common.errors import ConfigError


def add_overrides(parser):
    """`--scale NAME` into `args.scale` and `--set KEY=VALUE` (repeatable) into `args.overrides`."""
    parser.add_argument(
        "--scale",
        metavar="NAME",
        help="run the experiment at a scale: the overrides of experiments/scales/NAME.yaml for its data set "
        "(cpu: synthetic data and small networks for a 2-core machine); the run is named <name>_NAME",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a key of the experiment, the value read as YAML, e.g. --set train.epochs=2 (repeatable)",
    )


def add_run_dir(parser, default):
    """`--run-dir DIR` into `args.run_dir` (None: the command's `default`, named in the help)."""
    parser.add_argument("--run-dir", help=f"run directory (default: {default})")


def require_input_depth(experiment, what="an input depth"):
    """Raises ConfigError unless the experiment's model enhances an input depth (IGDE); `what` is
    what the command needs of it."""
    if experiment.model.spec.sample_kind != "enhancement":
        raise ConfigError(
            f"{experiment.path}: model {experiment.config.model.name} has no {what} (expected an IGDE experiment)"
        )
