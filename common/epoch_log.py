"""The one reader of a run's per-epoch log, `metrics.csv` (written by `common.training.logs`): the
trainer (which rewrites it each epoch), the curves, the figures and the campaign's summaries all
read it here, so a hand-edited or damaged file is one error naming its line and column, found
before an epoch trains.

Example:
    rows = read_epoch_log("runs/quickstart/metrics.csv")  # [{"epoch": 1, "step": 64, "loss": 0.02, ...}]
"""

import csv
import pathlib

from common.errors import InputError

INTEGER_COLUMNS = ("epoch", "step")


def _cell(path, line, column, text):
    if text in ("", None):
        if column in INTEGER_COLUMNS:
            raise InputError(f"{path}: line {line}: no {column}")
        return None
    try:
        value = int(text) if column in INTEGER_COLUMNS else float(text)
    except ValueError:
        expected = "a whole number" if column in INTEGER_COLUMNS else "a number"
        raise InputError(f"{path}: line {line}, column {column}: expected {expected}, got {text[:40]!r}") from None
    if column in INTEGER_COLUMNS and value < 0:
        raise InputError(f"{path}: line {line}, column {column}: expected a count >= 0, got {value}")
    return value


def read_epoch_log(path):
    """[{column: int (epoch, step), float or None (an empty cell)}] of the rows
    of a metrics.csv, in file order; an InputError names a file that is not one."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            columns = reader.fieldnames or []
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not a UTF-8 text file (byte {error.start}); expected the metrics.csv train.py writes"
        ) from error
    except (OSError, csv.Error) as error:
        raise InputError(f"{path}: cannot read the run's metrics.csv ({error})") from error
    missing = [column for column in INTEGER_COLUMNS if column not in columns]
    if missing:
        raise InputError(f"{path}: no {missing[0]} column; expected the metrics.csv train.py writes")
    parsed = []
    for line, row in enumerate(rows, start=2):
        if None in row:
            raise InputError(f"{path}: line {line}: more cells than the {len(columns)} columns")
        parsed.append({column: _cell(path, line, column, text) for column, text in row.items()})
    return parsed


def epoch_logs(run_dir):
    """[(label, metrics.csv path)]: the run's own log, labelled by the run's name, or those of its
    stages (DPDE), labelled `<run>/<stage>`; an InputError when there is none."""
    run_dir = pathlib.Path(run_dir)
    if (run_dir / "metrics.csv").is_file():
        return [(run_dir.name, run_dir / "metrics.csv")]
    stages = sorted(run_dir.glob("*/metrics.csv"))
    if not stages:
        raise InputError(f"{run_dir}: no metrics.csv (not a run directory, or no epoch finished yet)")
    return [(f"{run_dir.name}/{path.parent.name}", path) for path in stages]
