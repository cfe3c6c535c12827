"""Pictures of a run: its training curves and a grid of test examples (`common.viz`).

    python -m commands.figures RUN_DIR [--out DIR] [--samples N]

Writes DIR/curves.png and, once the run has exported `model.keras`, DIR/examples.png (the first
test samples). DIR defaults to RUN_DIR.
"""

import argparse
import pathlib
import sys

from common.errors import InputError, exit_status


def draw_run_examples(run_dir, path, samples=3):
    """Draws the first `samples` test samples of a finished run and its predictions to `path`;
    returns the column titles."""
    from commands.registry import load_trained_run
    from common.data.pipeline import make_pipeline
    from common.predictor import make_predictor
    from common.viz import draw_examples

    run = load_trained_run(run_dir)
    spec = run.model.spec
    dataset = make_pipeline(run.config, spec.sample_kind, train=False).test_dataset(samples)
    batch = next(dataset.as_numpy_iterator())
    return draw_examples(batch, make_predictor(run.network, spec.inputs)(batch), path)


def draw(run_dir, out=None, samples=3):
    """Draws the curves and, if the run has exported its model, the examples; returns the paths."""
    from common.outputs import output_folder
    from common.run_directory import writing_into
    from common.viz import draw_curves

    run_dir = pathlib.Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(f"{run_dir}: no such run directory")
    out = pathlib.Path(out) if out else run_dir
    with writing_into(run_dir, out):
        output_folder(out)
        written = [draw_curves(run_dir, out / "curves.png")]
        if (run_dir / "model.keras").is_file() and (run_dir / "config.yaml").is_file():
            draw_run_examples(run_dir, out / "examples.png", samples)
            written.append(out / "examples.png")
        else:
            print(f"{run_dir}: no model.keras yet (training has not finished): drew the curves only")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="a run directory (train.py --run-dir)")
    parser.add_argument("--out", help="where to write the PNGs (default: RUN_DIR)")
    parser.add_argument("--samples", type=int, default=3, help="test samples in the example grid")
    args = parser.parse_args(argv)

    def work():
        if not 1 <= args.samples <= 64:
            raise InputError(f"--samples: expected an integer from 1 to 64, got {args.samples}")
        written = draw(args.run_dir, args.out, args.samples)
        print("wrote " + ", ".join(map(str, written)))

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
