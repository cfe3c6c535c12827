"""The one reader of metrics.csv against rows written here by hand with the csv module."""

import csv

import pytest

from common.epoch_log import epoch_logs, read_epoch_log
from common.errors import InputError


def _write(path, rows, fields=("epoch", "step", "loss", "psnr")):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        writer.writerows(rows)
    return path


def test_rows_are_numbers_and_empty_cells_none(tmp_path):
    path = _write(tmp_path / "metrics.csv", [[1, 64, "0.5", ""], [2, 128, "nan", "30.25"]])
    rows = read_epoch_log(path)
    assert rows[0] == {"epoch": 1, "step": 64, "loss": 0.5, "psnr": None}
    assert rows[1]["psnr"] == 30.25 and rows[1]["loss"] != rows[1]["loss"]  # NaN kept: a diverged loss
    assert isinstance(rows[1]["epoch"], int)


@pytest.mark.parametrize(
    "rows, fields, message",
    [
        ([["one", 64, "0.5", ""]], None, "line 2, column epoch: expected a whole number, got 'one'"),
        ([[1, 64, "x", ""]], None, "line 2, column loss: expected a number, got 'x'"),
        ([[1, -3, "0.5", ""]], None, "line 2, column step: expected a count >= 0, got -3"),
        ([[1, "", "0.5", ""]], None, "line 2: no step"),
        ([[1, 64, "0.5", "", "extra"]], None, "line 2: more cells than the 4 columns"),
        ([[1, "0.5"]], ("epoch", "loss"), "no step column"),
    ],
)
def test_a_damaged_log_is_one_error_naming_line_and_column(tmp_path, rows, fields, message):
    path = _write(tmp_path / "metrics.csv", rows, *([fields] if fields else []))
    with pytest.raises(InputError, match="^" + str(path).replace(".", r"\.")) as raised:
        read_epoch_log(path)
    assert message in str(raised.value)


def test_a_log_that_is_not_text_is_one_error(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        read_epoch_log(path)


def test_a_run_is_its_own_log_or_its_stages_logs(tmp_path):
    single, staged = tmp_path / "single", tmp_path / "staged"
    for path in (single / "metrics.csv", staged / "fcrn" / "metrics.csv", staged / "dpde" / "metrics.csv"):
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, [])
    assert epoch_logs(single) == [("single", single / "metrics.csv")]
    assert [label for label, _ in epoch_logs(staged)] == ["staged/dpde", "staged/fcrn"]
    with pytest.raises(InputError, match="no metrics.csv"):
        epoch_logs(tmp_path / "empty")
