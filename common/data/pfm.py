"""PFM (portable float map) files, as Scene Flow and Middlebury store disparity, through OpenCV.

`cv2.imread(path, cv2.IMREAD_UNCHANGED)` reads both byte orders (the sign of the scale line) and
the bottom-to-top row order; `cv2.imwrite` writes little-endian PFM. These wrappers return rows top
to bottom, colour as RGB, and turn a missing or broken file into one `DatasetError` line.

Example:
    write_pfm("disp.pfm", disparity)   # [H, W] or [H, W, 3] float32
    read_pfm("disp.pfm")               # the same array
"""

import pathlib

import cv2
import numpy as np

from common.atomic import write_image
from common.errors import DatasetError

HEADERS = (b"PF", b"Pf")  # colour, grey


def read_pfm(path):
    """[H, W] (grey) or [H, W, 3] (RGB) float32 array of a PFM file.

    Raises:
        DatasetError: the file is missing, is not PFM, or is cut short.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such PFM file")
    with path.open("rb") as handle:
        header = handle.readline().strip()
    if header not in HEADERS:
        raise DatasetError(f"{path}: not a PFM file (expected the header PF or Pf, got {header[:8]!r})")
    array = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise DatasetError(f"{path}: corrupt PFM file (OpenCV could not read its data)")
    return array[..., ::-1].copy() if array.ndim == 3 else array


def write_pfm(path, array):
    """Writes a [H, W] or [H, W, 3] (RGB) array as a float32 PFM file."""
    array = np.asarray(array, np.float32)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] != 3):
        raise ValueError(f"write_pfm: expected [H, W] or [H, W, 3], got shape {array.shape}")
    write_image(path, array[..., ::-1] if array.ndim == 3 else array)
