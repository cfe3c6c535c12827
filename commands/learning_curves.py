"""Learning curves of variants of one IGDE experiment: PSNR, PSNRt and PSNRf against training steps,
beside the input's level, as a Markdown table and a plot.

    python -m commands.learning_curves EXPERIMENT.yaml [--variant "LABEL: key=value ..."]...
        [--out DIR] [--set key=value ...]

Each variant is the experiment with its `--set` overrides and then the variant's own; without
`--variant` the four of the loss study (RESULTS.md, "The paper's loss"): the paper's three
losses alone and with the quickstart's L2 x1000 term, each for the direct output (the text's) and
the residual output (our option). Each variant trains in OUT/<n>/ (tests every
`eval.every_epochs`, no export) and is skipped when its metrics.json is already there, so a killed
study resumes where it stopped. Writes OUT/curves.md (a table per variant and the step at which
each leaves its input: PSNRf at least 0.5 dB over the input's) and OUT/curves.png.
"""

import argparse
import os
import sys

from commands.options import add_overrides, require_input_depth
from common.errors import ConfigError, exit_status

LOSS_STUDY = (
    "paper loss, direct output: loss.weights.l2=0 model.args.residual_output=false",
    "paper loss + L2 x1000, direct output: loss.weights.l2=1000 model.args.residual_output=false",
    "paper loss, residual output: loss.weights.l2=0 model.args.residual_output=true",
    "paper loss + L2 x1000, residual output: loss.weights.l2=1000 model.args.residual_output=true",
)
STUDY_SETTINGS = ("export.saved_model=false", "export.keras_file=false", "eval.baselines=[input]")


def parse_variant(text):
    """'LABEL: key=value key=value' -> (label, [overrides])."""
    label, separator, overrides = text.partition(":")
    if not separator or not label.strip():
        raise ConfigError(f"--variant {text!r}: expected 'LABEL: key=value ...'")
    return label.strip(), overrides.split()


def study_markdown(command, curves):
    """The study page: the command, then per variant the step it leaves its input and its table."""
    from common.training.curves import format_curve, leaves_input_at

    lines = [f"`{command}`", ""]
    for label, curve in curves.items():
        step = leaves_input_at(curve)
        left = f"leaves its input (PSNRf +0.5 dB) at step {step}" if step else "does not leave its input"
        lines += [f"**{label}**: {left}", "", format_curve(curve), ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="an IGDE experiment YAML")
    parser.add_argument("--variant", action="append", default=[], help="'LABEL: key=value ...' (repeatable)")
    parser.add_argument("--out", default="runs/learning_curves", help="study directory (default: runs/learning_curves)")
    add_overrides(parser)
    args = parser.parse_args(argv)

    def work():
        import shlex

        from commands.registry import load_experiment
        from common.atomic import atomic_path
        from common.outputs import check_output
        from common.run_directory import check_same_training
        from common.training.curves import read_curve
        from common.training.run_experiment import run_experiment
        from common.viz import draw_learning_curves

        variants = [parse_variant(text) for text in (args.variant or LOSS_STUDY)]
        labels = [label for label, _ in variants]
        twice = next((label for label in labels if labels.count(label) > 1), None)
        if twice is not None:
            raise ConfigError(f"--variant: the label {twice!r} is given twice; each curve needs a label of its own")
        check_output(args.out, reads=[args.experiment], folder=True)
        experiments = []
        for label, overrides in variants:
            experiment = load_experiment(args.experiment, [*args.overrides, *overrides, *STUDY_SETTINGS], args.scale)
            require_input_depth(experiment)
            experiments.append((label, experiment))
        curves = {}
        for index, (label, experiment) in enumerate(experiments):
            run_dir = os.path.join(args.out, str(index))
            if os.path.isfile(os.path.join(run_dir, "metrics.json")):
                # A study run again reuses a finished variant only if it is this variant.
                check_same_training(experiment.config, run_dir)
            else:
                print(f"variant {index}: {label}")
                run_experiment(experiment, run_dir)
            curves[label] = read_curve(os.path.join(run_dir, "metrics.csv"))
        command = shlex.join(["python", "-m", "commands.learning_curves", *(sys.argv[1:] if argv is None else argv)])
        page = study_markdown(command, curves)
        with atomic_path(os.path.join(args.out, "curves.md")) as temporary:
            temporary.write_text(page, encoding="utf-8")
        draw_learning_curves(curves, os.path.join(args.out, "curves.png"))
        print(page)
        print(f"wrote {os.path.join(args.out, 'curves.md')}, {os.path.join(args.out, 'curves.png')}")

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
