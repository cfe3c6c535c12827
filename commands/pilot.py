"""A pilot before a long IGDE run: trains an experiment's exact settings for a few thousand steps
and prints PSNR, PSNRt and PSNRf against the input depth at a few points.

    python -m commands.pilot EXPERIMENT.yaml --steps N [--points K] [--run-dir DIR] [--set key=value ...]

Everything but the length is the experiment's: network, data, crop, batch, loss, optimizer. The
run trains N steps in K equal parts and tests after each (`eval.batch_size`, the whole test
split; `--set data.test_size=...` or a smaller split keeps that short). The learning rate is the
one the experiment starts with (the first piece of a `piecewise` schedule), since a pilot is the
start of the long run. A killed pilot resumes from its run directory (default
`runs/<name>_pilot`). A healthy curve (RESULTS.md, "The paper's loss", shows one) first rebuilds
the correct pixels (PSNRt rises towards 50 dB, PSNR towards the input's) and then leaves the
input: PSNRf climbs past the input's by more than 0.5 dB.
"""

import argparse
import dataclasses
import os
import shlex
import sys

from commands.options import add_overrides, add_run_dir, require_input_depth
from common.errors import ConfigError, exit_status


def pilot_config(config, steps, points):
    """The experiment `config` shortened to `steps` training steps tested at `points` even steps,
    at its starting learning rate, saving no export."""
    if points < 1 or steps < points:
        raise ConfigError(f"--steps {steps} --points {points}: expected --points >= 1 and --steps >= --points")
    schedule = config.schedule
    rate = config.optimizer.learning_rate * (schedule.multipliers[0] if schedule.name == "piecewise" else 1.0)
    return dataclasses.replace(
        config,
        name=f"{config.name}_pilot",
        optimizer=dataclasses.replace(config.optimizer, learning_rate=rate),
        schedule=dataclasses.replace(schedule, name="constant", boundaries=[], multipliers=[]),
        train=dataclasses.replace(
            config.train,
            epochs=points,
            steps_per_epoch=steps // points,
            checkpoint_every_steps=min(config.train.checkpoint_every_steps, steps // points),
        ),
        eval=dataclasses.replace(config.eval, every_epochs=1, baselines=[]),
    )


def run_pilot(experiment, run_dir):
    """Trains the pilot `experiment` (its config from `pilot_config`) in `run_dir`; returns its
    learning curve (`common.training.curves.read_curve`)."""
    from common.training.curves import read_curve
    from common.training.run_experiment import training_run
    from common.training.trainer import Trainer

    with training_run(experiment, run_dir) as (strategy, _):
        trainer = Trainer(experiment, run_dir, strategy=strategy)
        try:
            trainer.restore(required=False)
            trainer.train()
        finally:
            trainer.close()
    return read_curve(os.path.join(run_dir, "metrics.csv"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="an IGDE experiment YAML")
    parser.add_argument("--steps", type=int, required=True, help="training steps in all")
    parser.add_argument("--points", type=int, default=4, help="tests during the pilot (default 4)")
    add_run_dir(parser, "runs/<experiment name>_pilot")
    add_overrides(parser)
    args = parser.parse_args(argv)

    def work():
        from commands.registry import load_experiment
        from common.outputs import check_output
        from common.training.curves import format_curve, leaves_input_at

        experiment = load_experiment(args.experiment, args.overrides, args.scale)
        require_input_depth(experiment, "input depth to beat")
        experiment = dataclasses.replace(experiment, config=pilot_config(experiment.config, args.steps, args.points))
        run_dir = args.run_dir or os.path.join("runs", experiment.config.name)
        check_output(run_dir, reads=[args.experiment], folder=True, option="--run-dir")
        if os.path.exists(os.path.join(run_dir, "metrics.json")):
            raise ConfigError(f"--run-dir {run_dir}: holds a finished run; a pilot trains in a new run directory")
        curve = run_pilot(experiment, run_dir)
        print(f"pilot of {args.experiment}: {shlex.join(sys.argv[1:] if argv is None else argv)}")
        print(format_curve(curve))
        step = leaves_input_at(curve)
        print(
            f"PSNRf left the input (+0.5 dB) at step {step}"
            if step
            else "PSNRf has not left the input (+0.5 dB) yet: compare with the README's healthy curve"
        )

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
