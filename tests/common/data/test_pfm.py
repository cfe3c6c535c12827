"""PFM round trip, both byte orders and the bottom-to-top row order, against files written byte by
byte from the format's definition; bad files give one clear error."""

import numpy as np
import pytest

from common.data.pfm import read_pfm, write_pfm
from common.errors import DatasetError


def _write_by_hand(path, array, big_endian):
    colour = array.ndim == 3
    height, width = array.shape[:2]
    scale = b"1.0" if big_endian else b"-1.0"
    header = (b"PF" if colour else b"Pf") + b"\n%d %d\n" % (width, height) + scale + b"\n"
    path.write_bytes(header + np.flipud(array).astype(">f4" if big_endian else "<f4").tobytes())


@pytest.mark.parametrize("big_endian", [True, False])
@pytest.mark.parametrize("shape", [(3, 5), (4, 2, 3)])
def test_read_pfm_follows_the_format(tmp_path, big_endian, shape):
    array = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    _write_by_hand(tmp_path / "a.pfm", array, big_endian)
    np.testing.assert_array_equal(read_pfm(tmp_path / "a.pfm"), array)


@pytest.mark.parametrize("shape", [(6, 7), (5, 4, 3)])
def test_write_then_read_round_trips(tmp_path, shape):
    array = np.random.default_rng(1).uniform(0, 200, shape).astype(np.float32)
    array[0, 0] = np.inf  # Middlebury marks unknown disparity so
    write_pfm(tmp_path / "b.pfm", array)
    np.testing.assert_array_equal(read_pfm(tmp_path / "b.pfm"), array)


def test_bad_pfm_files_name_the_path(tmp_path):
    with pytest.raises(DatasetError, match="missing.pfm: no such PFM file"):
        read_pfm(tmp_path / "missing.pfm")
    (tmp_path / "text.pfm").write_text("hello\n")
    with pytest.raises(DatasetError, match="text.pfm: not a PFM file"):
        read_pfm(tmp_path / "text.pfm")
    (tmp_path / "short.pfm").write_bytes(b"Pf\n4 3\n-1.0\n\x00\x00")
    with pytest.raises(DatasetError, match="short.pfm: corrupt PFM file"):
        read_pfm(tmp_path / "short.pfm")
    with pytest.raises(ValueError, match="expected"):
        write_pfm(tmp_path / "c.pfm", np.zeros((2, 2, 2)))
