"""Reading the colour images of the data sets."""

import cv2

from common.errors import DatasetError


def read_colour_image(path):
    """[H, W, 3] uint8 RGB of an image file (grey files are expanded to three channels).

    Raises:
        DatasetError: the file is missing or not a readable image.
    """
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise DatasetError(f"{path}: missing or not a readable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
