"""Scores any method's saved depth predictions against an experiment's test split, with the
metrics, protocol and baselines of a run, and writes the same table and metrics.json.

    python -m commands.score EXPERIMENT.yaml PREDICTIONS_DIR [--png-scale S] [--title NAME]
        [--run-dir DIR] [--set key.path=value ...]

PREDICTIONS_DIR holds one file per test sample, named by its index as `commands.write_split`
names it (`00000.png`, `00001.pfm`, ...; `common.data.split_files`): 16-bit PNG divided by
`--png-scale` (default: 65535 for IGDE's [0, 1] depth, 1000 for DPDE's metres, i.e. millimetres),
or PFM / NPY in the model's units (IGDE: [0, 1]; DPDE: metres). IGDE: PSNR, PSNRt, PSNRf, SSIM and
RMSE with the split's error mask; each prediction must have its sample's size. DPDE: the ten depth
metrics under every protocol the experiment names (`eval.protocols`); a prediction of another size
is resized bilinearly to each protocol's ground truth, the rule of FCRN's protocol. A missing or
unreadable prediction is an error naming it; an extra file a warning.
"""

import argparse
import pathlib
import shlex
import sys

from commands.options import add_overrides, add_run_dir
from common.errors import DatasetError, exit_status

PNG_SCALES = {"enhancement": 65535.0, "monocular": 1000.0}


def saved_predictions(files, names, png_scale, sample_kind):
    """fn(batch of one sample) -> [1, H, W, 1] of the prediction files `files` ({name: path}) for
    the test samples `names`, in their order (the test set comes in index order) and at the
    file's own size (a DPDE scorer resizes it to its protocol's ground truth)."""
    from common.data.split_files import read_prediction

    queue = iter(names)

    def predict(batch):
        (target,) = batch["target"]
        path = files[next(queue)]
        values = read_prediction(path, png_scale)[None, ..., None]
        if sample_kind == "enhancement" and values.shape[1:3] != target.shape[:2]:
            raise DatasetError(
                f"{path}: {values.shape[1]}x{values.shape[2]}, but the sample is "
                f"{target.shape[0]}x{target.shape[1]} (IGDE scores predictions at the input's size)"
            )
        return values

    return predict


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="experiment YAML whose test split and protocol to use")
    parser.add_argument("predictions", type=pathlib.Path, help="folder of prediction files")
    parser.add_argument("--png-scale", type=float, help="16-bit PNG value per model unit")
    parser.add_argument("--title", help="the predictions' row title (default: the folder's name)")
    add_run_dir(parser, "runs/<experiment name>_scored")
    add_overrides(parser)
    args = parser.parse_args(argv)

    def work():
        from commands.registry import load_experiment
        from common.data.pipeline import make_pipeline
        from common.data.split_files import prediction_files, sample_name
        from common.errors import require_number
        from common.evaluation.results import write_metrics
        from common.evaluation.scoring import make_scorers, score_split
        from common.run_directory import results_run

        experiment = load_experiment(args.experiment, args.overrides, args.scale)
        config, model = experiment.config, experiment.model
        # The output is checked first: nothing is read or scored for a folder it may not write.
        with results_run(args.run_dir or f"runs/{config.name}_scored") as run_dir:
            kind = model.spec.sample_kind
            png_scale = args.png_scale if args.png_scale is not None else PNG_SCALES[kind]
            require_number(png_scale, "--png-scale", low=0, low_open=True)
            if not args.predictions.is_dir():
                raise DatasetError(f"{args.predictions}: no such folder of predictions")
            pipeline = make_pipeline(config, kind, train=False)
            names = [sample_name(index) for index in range(pipeline.test_size)]
            files = prediction_files(args.predictions)
            missing = [name for name in names if name not in files]
            if missing:
                raise DatasetError(
                    f"{args.predictions}: no prediction for {len(missing)} of the {len(names)} test samples, "
                    f"first {missing[0]} (expected {missing[0]}.png, .pfm or .npy)"
                )
            extra = sorted(set(files) - set(names))
            if extra:
                first = files[extra[0]].name
                print(f"warning: {args.predictions}: {len(extra)} files name no test sample, first {first}")
            title = args.title or args.predictions.resolve().name
            networks = {"predictions": (title, saved_predictions(files, names, png_scale, kind))}
            scorers = make_scorers(kind, "depth", config)
            scores = score_split(config, pipeline, networks, config.eval.baselines, scorers, batch_size=1)
            command = shlex.join(["python", "-m", "commands.score", *(sys.argv[1:] if argv is None else argv)])
            write_metrics(run_dir, config, {}, scores, command)

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
