"""DPDE's sensitivity to the fusion weight omega: the trained networks of one run fused with each
omega and scored beside the modified FCRN alone, on an experiment's test set.

    python -m commands.omega_sweep EXPERIMENT.yaml RUN_DIR [--omega 1 3 10 30 100]
        [--set key.path=value ...] [--out sweep.json]

The text sets "the parameter omega ... to 10" (Sect. 4.1) and gives no unit; `common.irls` says
why the unit matters and which one we read. The gain is the relative change of RMS against the
modified FCRN (positive: the fusion lowers the error).
"""

import argparse
import sys

from commands.options import add_overrides
from common.config.schema import OWN_PROTOCOL
from common.errors import exit_status, require_number

PAPER_OMEGAS = (1.0, 3.0, 10.0, 30.0, 100.0)


def omega_sweep(config, run, omegas):
    """{"modified FCRN": metrics, "omega=<w>": metrics, ...} of a DPDE run (a `TrainedRun`) on
    `config`'s test set, and the scorer's protocol."""
    from common.evaluation.scoring import score_on_test_set
    from common.evaluation.trained_runs import first_network_row, omega_rows
    from common.predictor import make_predictor

    fused = omega_rows(run, omegas)  # a ConfigError first when the run has no fusion
    rows = [first_network_row(run), *fused]
    methods = {title: (title, make_predictor(network, row_spec.inputs)) for title, network, row_spec in rows}
    scores = score_on_test_set(config, run.model.spec.sample_kind, methods, own_only=True)
    return scores.tables[OWN_PROTOCOL], scores.scorers[OWN_PROTOCOL].protocol


def format_sweep(results, protocol):
    """omega | RMS | Rel | log10 | delta1 | RMS gain over the first row, one line each."""
    (reference_name, reference), *fused = results.items()
    lines = [
        f"protocol: {protocol}",
        f"{'':>18} |      RMS |      Rel |    log10 |  d<1.25 | RMS gain",
        f"{reference_name:>18} | {reference['rms']:8.4f} | {reference['rel']:8.4f} | "
        f"{reference['log10']:8.4f} | {reference['delta1']:7.4f} |",
    ]
    for name, values in fused:
        gain = 100 * (reference["rms"] - values["rms"]) / reference["rms"]
        lines.append(
            f"{name:>18} | {values['rms']:8.4f} | {values['rel']:8.4f} | {values['log10']:8.4f} | "
            f"{values['delta1']:7.4f} | {gain:+7.2f} %"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="experiment YAML whose test set and settings to use")
    parser.add_argument("run", help="a finished DPDE run directory")
    parser.add_argument("--omega", type=float, nargs="+", default=list(PAPER_OMEGAS))
    add_overrides(parser)
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args(argv)

    def work():
        from commands.registry import load_experiment, load_trained_run
        from common.atomic import write_json_atomically
        from common.outputs import check_output

        for omega in args.omega:
            require_number(omega, "--omega", low=0, low_open=True)
        if args.out:
            check_output(args.out, reads=[args.experiment, args.run])
        config = load_experiment(args.experiment, args.overrides, args.scale).config
        results, protocol = omega_sweep(config, load_trained_run(args.run), args.omega)
        print(format_sweep(results, protocol))
        if args.out:
            write_json_atomically(
                args.out, {"experiment": args.experiment, "run": args.run, "protocol": protocol, "results": results}
            )

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
