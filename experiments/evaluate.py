"""Scores trained runs and the classical filters on one experiment's test set and prints the
papers' table layout (rows: methods, columns: metrics; IGDE Table 1, DPDE Tables 1-3).

    python -m experiments.evaluate EXPERIMENT.yaml RUN_DIR [RUN_DIR ...] [--baselines NAME ...]
        [--set key.path=value ...] [--out results.json]

Each RUN_DIR is a finished run (its `model.keras` and `config.yaml`); the test data, metrics and
baseline settings come from EXPERIMENT. Baselines default to the experiment's `eval.baselines`
that are not networks (DPDE's `fcrn` is a run of its own here).
"""

import argparse
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import yaml  # noqa: E402

from common.config import BASELINES, load_config  # noqa: E402
from common.errors import ConfigError, exit_status  # noqa: E402


def load_run(run_dir, registry):
    """(row title, model, ModelSpec) of a finished run directory."""
    import keras

    run_dir = pathlib.Path(run_dir)
    for name in ("model.keras", "config.yaml"):
        if not (run_dir / name).is_file():
            raise ConfigError(f"{run_dir}: no {name} (expected a finished run directory)")
    model_name = yaml.safe_load((run_dir / "config.yaml").read_text())["model"]["name"]
    spec = registry[model_name]
    return f"{spec.title} ({run_dir.name})", keras.models.load_model(run_dir / "model.keras"), spec


def compare(config, source, run_dirs, baselines, registry):
    """{row title: {metric: value}} of the baselines (None: from `eval.baselines`) and the runs on
    `config`'s test set; prints the table."""
    from common.baselines import baseline_predictor
    from common.training.evaluation import BASELINE_TITLES, evaluate, format_table, make_scorer
    from common.training.runner import BASELINES_BY_KIND, make_pipeline, make_predictor

    runs = [load_run(run_dir, registry) for run_dir in run_dirs]
    kinds = {spec.sample_kind for _, _, spec in runs}
    if len(kinds) != 1:
        raise ConfigError(f"{source}: the runs mix sample kinds {sorted(kinds)}; compare one paper at a time")
    kind = kinds.pop()
    allowed = BASELINES_BY_KIND[kind]
    if baselines is None:
        baselines = [name for name in config.eval.baselines if name in allowed]
    for name in baselines:
        if name not in allowed:
            raise ConfigError(f"--baselines: {name} does not apply to {kind} runs "
                              f"(expected names from: {', '.join(allowed)})")
    methods, titles = {}, {}
    for name in baselines:
        methods[name] = baseline_predictor(name, config.eval)
        titles[name] = BASELINE_TITLES[name]
    for title, model, spec in runs:
        methods[title] = make_predictor(model, spec.inputs)
        titles[title] = title
    scorer = make_scorer(kind, "depth", config.eval)
    pipeline = make_pipeline(config, kind, train=False)
    results, _, _ = evaluate(methods, pipeline.test_dataset(config.eval.batch_size), scorer)
    print(format_table(results, titles, scorer.metrics))
    return {titles[name]: values for name, values in results.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="experiment YAML whose test set and settings to use")
    parser.add_argument("runs", nargs="+", help="finished run directories")
    parser.add_argument("--baselines", nargs="*", choices=BASELINES, help="default: eval.baselines")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", help="also write the results as JSON here")
    args = parser.parse_args(argv)

    def work():
        import train
        from common.training.logs import write_json_atomically

        config = load_config(args.experiment, args.overrides)
        results = compare(config, args.experiment, args.runs, args.baselines, train.registry())
        if args.out:
            write_json_atomically(args.out, {"experiment": args.experiment, "runs": args.runs,
                                             "results": results})

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
