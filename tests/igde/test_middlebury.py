"""IGDE on Middlebury (Sect. 4.1, Fig. 11): hole filling from below and the command, on the real
Motorcycle scene that scikit-image ships."""

import json

import cv2
import numpy as np
import pytest

from common.data.middlebury import fill_from_below, load_scene
from common.data.synthetic import eight_bit_disparity
from tests.conftest import run_python, user_error, write_motorcycle_scene

NAN = np.nan


def test_holes_take_the_nearest_known_value_below_then_above():
    disparity = np.array(
        [
            [1.0, NAN, NAN, 7.0],
            [NAN, 5.0, NAN, np.inf],
            [3.0, NAN, NAN, np.inf],
            [NAN, NAN, NAN, 2.0],
        ]
    )
    # Column 0: row 1 takes row 2's 3 (below), row 3 has nothing below and takes row 2's 3 (above).
    # Column 1: row 0 takes 5 from below; rows 2-3 take 5 from above. Column 2 knows nothing: the
    # smallest known value, 1. Column 3: the infinite rows take 2 from the bottom row.
    expected = np.array([[1, 5, 1, 7], [3, 5, 1, 2], [3, 5, 1, 2], [3, 5, 1, 2]], np.float32)
    np.testing.assert_array_equal(fill_from_below(disparity), expected)
    with pytest.raises(ValueError, match="no known disparity"):
        fill_from_below(np.full((2, 2), np.inf))


def _scan_column_from_the_bottom(column):
    """The filling of one column by a plain loop: carry the last known value upwards from the
    bottom; the rows below the lowest known value take that value."""
    filled, carried = column.copy(), None
    for row in range(len(column) - 1, -1, -1):
        if np.isfinite(column[row]):
            carried = column[row]
        elif carried is not None:
            filled[row] = carried
    lowest = np.flatnonzero(np.isfinite(column)).max()
    filled[lowest + 1 :] = column[lowest]
    return filled


def test_the_motorcycle_holes_are_filled_column_by_column(tmp_path):
    scene_dir, disparity = write_motorcycle_scene(tmp_path)
    scene = load_scene(scene_dir)
    assert scene["image"].shape == (500, 741, 3)
    np.testing.assert_array_equal(np.isnan(scene["disparity"]), np.isinf(disparity))
    filled = fill_from_below(scene["disparity"])
    assert np.isfinite(filled).all()
    holes = ~np.isfinite(disparity)
    columns = [c for c in range(disparity.shape[1]) if holes[:, c].any() and np.isfinite(disparity[:, c]).any()]
    assert len(columns) > 100
    for column in columns[:: len(columns) // 20]:
        np.testing.assert_array_equal(filled[:, column], _scan_column_from_the_bottom(disparity[:, column]))


@pytest.mark.slow
def test_fig11_on_the_real_motorcycle_scene(finished_runs, tmp_path):
    igde_run, _ = finished_runs
    write_motorcycle_scene(tmp_path / "scenes")
    out = tmp_path / "fig11"
    result = run_python("-m", "commands.igde_middlebury", igde_run, tmp_path / "scenes", "--out", out)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((out / "middlebury.json").read_text())["scenes"]["Motorcycle"]
    assert summary["layout"] == "2014"
    assert summary["holes"] == pytest.approx(0.0735, abs=5e-4)  # the share of infinite disparities
    assert 0 < summary["mean_change_known"] and 0 < summary["mean_change_filled"] < 255
    figure = cv2.imread(str(out / "middlebury.png"))
    assert figure.shape[1] > 3 * figure.shape[0] and figure.std() > 10  # one row of four panels
    enhanced = cv2.imread(str(out / "Motorcycle_enhanced.png"), cv2.IMREAD_UNCHANGED)
    assert enhanced.shape == (500, 741) and enhanced.dtype == np.uint8
    filled = eight_bit_disparity(fill_from_below(load_scene(tmp_path / "scenes" / "Motorcycle")["disparity"]))
    change = np.abs(enhanced / 255.0 - filled) * 255
    assert np.mean(change) == pytest.approx(summary["mean_change"], abs=0.5)  # the PNG rounds to a grey level
    assert "Motorcycle | 2014 | 7.3 %" in result.stdout


@pytest.mark.slow
def test_fig11_refuses_a_dpde_run_and_a_missing_folder(finished_runs, tmp_path):
    _, dpde_run = finished_runs
    write_motorcycle_scene(tmp_path / "scenes")
    line = user_error(run_python("-m", "commands.igde_middlebury", dpde_run, tmp_path / "scenes"))
    assert "has no depth input to enhance (expected IGDE)" in line
    line = user_error(run_python("-m", "commands.igde_middlebury", dpde_run, tmp_path / "none"))
    assert f"{tmp_path / 'none'}: no such folder" in line
