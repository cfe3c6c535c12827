import csv

import pytest

from common.errors import InputError
from common.training.curves import format_curve, leaves_input_at, read_curve

FIELDS = ["epoch", "step", "loss", "psnr", "psnr_t", "psnr_f", "input_psnr", "input_psnr_t", "input_psnr_f"]


def write_log(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows(rows)
    return path


def test_the_curve_holds_the_tested_epochs_and_where_psnr_f_leaves_the_input(tmp_path):
    path = write_log(
        tmp_path / "metrics.csv",
        [
            [1, 64, 0.02, "", "", "", "", "", ""],  # not tested
            [2, 128, 0.01, 35.0, 45.0, 21.2, 36.25, "", 21.0],
            [3, 192, 0.01, 36.5, 52.0, 21.6, 36.25, "", 21.0],
        ],
    )
    curve = read_curve(path)
    assert [row["step"] for row in curve] == [128, 192]
    assert curve[0]["input_psnr_t"] is None and curve[1]["psnr_f"] == 21.6
    assert leaves_input_at(curve) == 192
    assert leaves_input_at(curve[:1]) is None
    table = format_curve(curve).splitlines()
    assert table[0].startswith("| step | epoch | PSNR (dB)")
    assert table[2] == "| 128 | 2 | 35.00 | 45.00 | 21.20 | -1.25 | +0.20 |"
    assert table[3] == "| 192 | 3 | 36.50 | 52.00 | 21.60 | +0.25 | +0.60 |"


def test_an_unreadable_log_is_one_line(tmp_path):
    (tmp_path / "metrics.csv").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        read_curve(tmp_path / "metrics.csv")
