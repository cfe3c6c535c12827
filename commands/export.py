"""Exports a finished run again from its `model.keras` (`common.export`).

    python -m commands.export RUN_DIR [--format onnx tflite]

Writes RUN_DIR/export/ (SavedModel) and each format asked for (RUN_DIR/model.onnx,
RUN_DIR/model.tflite).
"""

import argparse
import dataclasses
import pathlib
import sys

from common.errors import InputError, exit_status


def export_run(run_dir, formats):
    """Exports a finished run again from its `model.keras`: RUN_DIR/export/ and `formats`."""
    from commands.registry import load_trained_run
    from common.export import check_converters, export_model
    from common.outputs import hold_run_directory

    check_converters(formats, "--format")
    run = load_trained_run(run_dir)
    lock = hold_run_directory(run_dir)
    try:
        export_config = dataclasses.replace(
            run.config.export, saved_model=True, keras_file=False, formats=list(formats)
        )
        export_model(run.network, run.model.spec, export_config, run_dir)
    finally:
        lock.release()


def main(argv=None):
    from common.export import FORMAT_FILES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=pathlib.Path, help="a finished run directory (config.yaml, model.keras)")
    parser.add_argument(
        "--format",
        nargs="*",
        choices=list(FORMAT_FILES),
        default=[],
        help="also convert the SavedModel to these formats (RUN_DIR/model.onnx, RUN_DIR/model.tflite)",
    )
    args = parser.parse_args(argv)

    def work():
        if not args.run_dir.is_dir():
            raise InputError(f"{args.run_dir}: no such run directory")
        formats = list(dict.fromkeys(args.format))  # each once, in the order given
        export_run(args.run_dir, formats)
        for name in ("export", *(FORMAT_FILES[name] for name in formats)):
            print(args.run_dir / name)

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
