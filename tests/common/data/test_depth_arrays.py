"""The one check of depth maps read from files: every malformed case is one error naming the file."""

import numpy as np
import pytest

from common.data.depth_arrays import check_depth_map, load_npy
from common.errors import InputError


@pytest.mark.parametrize(
    "values, message",
    [
        (np.array([["a", "b"]]), "expected real numbers, got <U1"),
        (np.ones((2, 2), bool), "expected real numbers, got bool"),
        (np.ones((2, 2), np.complex64), "expected real numbers, got complex64"),
        (np.zeros((0, 0), np.float32), "an empty depth map (0x0)"),
        (np.zeros((2, 2, 3), np.float32), "expected a one-channel depth map, got shape (2, 2, 3) (3 channels)"),
        (np.zeros(4, np.float32), "expected a one-channel depth map, got shape (4,)"),
        (np.array([[1.0, np.nan], [np.inf, 0.0]]), "2 depth values are NaN or infinite"),
        (np.array([[1.0, -0.5]]), "1 depth values are negative"),
    ],
)
def test_a_malformed_depth_map_is_one_error_naming_the_file(values, message):
    with pytest.raises(InputError, match="^d.npy: ") as raised:
        check_depth_map(values, "d.npy", InputError)
    assert message in str(raised.value)


def test_a_depth_map_of_one_channel_is_float32_with_its_values():
    values = np.arange(6, dtype=np.uint16).reshape(2, 3, 1)
    checked = check_depth_map(values, "d.png", InputError)
    assert checked.dtype == np.float32 and checked.shape == (2, 3)
    np.testing.assert_array_equal(checked, values[..., 0].astype(np.float64))


@pytest.mark.parametrize("content, message", [(b"", "an empty file"), (b"\x93NUMPY\x01", "not a readable NPY file")])
def test_an_empty_or_truncated_npy_is_one_error(tmp_path, content, message):
    path = tmp_path / "d.npy"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_npy(path, InputError)


def test_an_npy_of_objects_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "d.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="not a readable NPY file"):
        load_npy(path, InputError)
