"""NYU Depth v2, labeled set (DPDE Sect. 4): `nyu_depth_v2_labeled.mat` and `splits.mat`.

The labeled file is MATLAB v7.3, i.e. HDF5, read with h5py. MATLAB writes arrays column-major,
so h5py sees `images` as [N, 3, W, H] uint8 and `depths` (metres, holes filled) as [N, W, H];
both are transposed back to [H, W(, 3)]. `splits.mat` (MATLAB v5, SciPy) holds the official
1-based `trainNdxs` (795) and `testNdxs` (654). Frames are 480x640; `common.data.loaders` resizes
them to `data.image_size` (240x320 in the paper).

Example:
    nyu = NYUDepthV2("data/nyu")
    image, depth = nyu.read(nyu.items("test")[0])   # uint8 [480, 640, 3], metres [480, 640]
"""

import pathlib
import sys

import h5py
import numpy as np
from scipy import io

from common.errors import DatasetError

LABELED_FILE = "nyu_depth_v2_labeled.mat"
SPLITS_FILE = "splits.mat"
SPLIT_KEYS = {"train": "trainNdxs", "test": "testNdxs"}
PAPER_COUNTS = {"train": 795, "test": 654}


class NYUDepthV2:
    """The labeled set under `root`; raises `DatasetError` naming the file that is wrong."""

    def __init__(self, root):
        root = pathlib.Path(root)
        self.labeled_path, splits_path = root / LABELED_FILE, root / SPLITS_FILE
        for path in (self.labeled_path, splits_path):
            if not path.is_file():
                raise DatasetError(
                    f"dataset not found at {path}: expected the NYU Depth v2 files "
                    f"{LABELED_FILE} and {SPLITS_FILE} in {root}"
                )
        try:
            self.file = h5py.File(self.labeled_path, "r")
        except OSError as error:
            raise DatasetError(f"{self.labeled_path}: not a MATLAB v7.3 (HDF5) file ({error})") from error
        for key in ("images", "depths"):
            if key not in self.file:
                raise DatasetError(f"{self.labeled_path}: no '{key}' array")
        images, depths = self.file["images"], self.file["depths"]
        if images.ndim != 4 or images.shape[1] != 3 or depths.shape != (images.shape[0], *images.shape[2:]):
            raise DatasetError(
                f"{self.labeled_path}: expected images [N, 3, W, H] and depths [N, W, H], "
                f"got {images.shape} and {depths.shape}"
            )
        self.count = images.shape[0]
        try:
            splits = io.loadmat(splits_path)
        except (ValueError, OSError) as error:
            raise DatasetError(f"{splits_path}: not a MATLAB file ({error})") from error
        self.splits = {}
        for split, key in SPLIT_KEYS.items():
            if key not in splits:
                raise DatasetError(f"{splits_path}: no '{key}' array")
            indices = np.asarray(splits[key]).ravel().astype(int) - 1
            if indices.size and (indices.min() < 0 or indices.max() >= self.count):
                raise DatasetError(f"{splits_path}: {key} has indices outside 1..{self.count}")
            if indices.size != PAPER_COUNTS[split]:
                print(
                    f"warning: {splits_path}: {indices.size} {split} images, the paper's split has "
                    f"{PAPER_COUNTS[split]}",
                    file=sys.stderr,
                )
            self.splits[split] = indices

    def items(self, split):
        """0-based indices into the labeled set of "train" or "test"."""
        return self.splits[split]

    def read(self, index):
        """(image [H, W, 3] uint8 RGB, depth [H, W] float32 metres) at the original size."""
        image = np.transpose(self.file["images"][index], (2, 1, 0))
        return image, np.transpose(self.file["depths"][index]).astype(np.float32)
