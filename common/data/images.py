"""Reading the colour images of the data sets; resizing an image (bilinear) and a depth map
(nearest)."""

import cv2
import numpy as np

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


def resize_image(image, size):
    """uint8 RGB -> float32 RGB in [0, 1] at size (H, W), resized bilinearly, as DPDE resizes NYU
    Depth v2 ("rescaled to 240 x 320 pixels via bilinear interpolation") and Make3D ("a bilinear
    interpolation algorithm is used to adjust all the images"); Middlebury, of which the text says
    nothing, is treated alike."""
    height, width = size
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0


def resize_depth(depth, size):
    """Depth resized to size (H, W) by taking the nearest sample (reconstruction; FCRN's protocol
    for Make3D's ground truth): interpolating across an object boundary would invent depths that
    lie on no surface, and NaN (unknown) stays NaN without spreading."""
    height, width = size
    return cv2.resize(depth.astype(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
