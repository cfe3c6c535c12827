"""Make3D (Saxena et al.; DPDE Sect. 4): `Train400Img/`, `Train400Depth/`, `Test134Img/`,
`Test134Depth/` as published. Image `img-NAME.jpg` pairs with `depth_sph_corr-NAME.mat`, whose
`Position3DGrid` [55, 305, 4] holds the laser depth (metres) in channel 4, at a lower resolution
than the 2272x1704 image; `common.data.loaders` resizes both to `data.image_size` (460x345, height
x width, in the paper).

Example:
    make3d = Make3D("data/make3d")
    image, depth = make3d.read(make3d.items("test")[0])   # uint8 RGB, metres [55, 305]
"""

import pathlib
import sys

import numpy as np
from scipy import io

from common.data.images import read_colour_image
from common.errors import DatasetError

FOLDERS = {"train": ("Train400Img", "Train400Depth"), "test": ("Test134Img", "Test134Depth")}
PAPER_COUNTS = {"train": 400, "test": 134}
IMAGE_PREFIX, DEPTH_PREFIX = "img-", "depth_sph_corr-"
GRID_KEY, DEPTH_CHANNEL = "Position3DGrid", 3


class Make3D:
    """The Make3D splits under `root`; raises `DatasetError` naming what is missing or wrong."""

    def __init__(self, root):
        self.root = pathlib.Path(root)

    def items(self, split):
        """[(image path, depth path)] of "train" or "test", sorted by name (the split's folders
        are scanned on each call)."""
        image_dir, depth_dir = (self.root / name for name in FOLDERS[split])
        for folder in (image_dir, depth_dir):
            if not folder.is_dir():
                raise DatasetError(
                    f"dataset not found at {folder}: expected the Make3D folders "
                    f"{', '.join(n for pair in FOLDERS.values() for n in pair)} in {self.root}"
                )
        pairs = []
        for image in sorted(image_dir.glob(f"{IMAGE_PREFIX}*.jpg")):
            depth = depth_dir / f"{DEPTH_PREFIX}{image.stem[len(IMAGE_PREFIX) :]}.mat"
            if not depth.is_file():
                raise DatasetError(f"{depth}: missing (the depth of {image})")
            pairs.append((image, depth))
        if len(pairs) != PAPER_COUNTS[split]:
            print(
                f"warning: {image_dir}: {len(pairs)} {split} images, the paper's split has {PAPER_COUNTS[split]}",
                file=sys.stderr,
            )
        return pairs

    def read(self, item):
        """(image [H, W, 3] uint8 RGB, depth [h, w] float32 metres), each at its original size."""
        image_path, depth_path = item
        image = read_colour_image(image_path)
        try:
            grid = io.loadmat(depth_path)[GRID_KEY]
        except (ValueError, OSError, KeyError) as error:
            raise DatasetError(f"{depth_path}: expected a MATLAB file with {GRID_KEY} ({error})") from error
        if grid.ndim != 3 or grid.shape[2] <= DEPTH_CHANNEL:
            raise DatasetError(f"{depth_path}: {GRID_KEY} has shape {grid.shape}, expected [H, W, 4]")
        return image, grid[..., DEPTH_CHANNEL].astype(np.float32)
