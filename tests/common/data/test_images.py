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


def test_resize_is_bilinear_for_the_image_and_nearest_for_the_depth():
    from skimage.transform import resize

    from common.data.images import resize_depth, resize_image

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (11, 13, 3), dtype=np.uint8)
    depth = rng.uniform(1, 10, (11, 13)).astype(np.float32)
    depth[0, 0] = np.nan
    resized, nearest = resize_image(image, (4, 5)), resize_depth(depth, (4, 5))
    bilinear = resize(image / 255.0, (4, 5), order=1, mode="edge", anti_aliasing=False)
    np.testing.assert_allclose(resized, bilinear, atol=1 / 255)  # OpenCV interpolates uint8 in fixed point
    area = cv2.resize(image, (5, 4), interpolation=cv2.INTER_AREA) / 255.0
    assert np.abs(resized - area).max() > 0.1  # samples, does not average ~3x3 blocks
    assert set(np.unique(nearest[~np.isnan(nearest)])) <= set(np.unique(depth[~np.isnan(depth)]))
    assert np.isnan(nearest[0, 0]) and np.isnan(nearest).sum() == 1
