"""read_colour_image: RGB order, grey files expanded, one line for a bad file."""

import cv2
import numpy as np
import pytest

from common.data.images import read_colour_image
from common.errors import DatasetError


def test_reads_rgb_in_file_order_reversed_from_opencv(tmp_path):
    bgr = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "a.png"), bgr)
    np.testing.assert_array_equal(read_colour_image(tmp_path / "a.png"), bgr[..., ::-1])
    grey = bgr[..., 0]
    cv2.imwrite(str(tmp_path / "grey.png"), grey)
    np.testing.assert_array_equal(read_colour_image(tmp_path / "grey.png"), np.repeat(grey[..., None], 3, 2))


@pytest.mark.parametrize("content", [None, b"not an image"])
def test_missing_or_broken_file_is_one_line(tmp_path, content):
    path = tmp_path / "x.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DatasetError, match=r"x.png: missing or not a readable image$"):
        read_colour_image(path)
