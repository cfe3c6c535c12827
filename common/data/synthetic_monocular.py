"""Procedural scenes written as the monocular data sets' own files: NYU Depth v2's labeled set
(`nyu_depth_v2_labeled.mat`, MATLAB v7.3 / HDF5, and `splits.mat`) and Make3D's folders (JPEG
images of 2272 x 1704, `depth_sph_corr-*.mat` with the laser grid `Position3DGrid` [55, 305, 4]),
as `common.data.nyu` and `common.data.make3d` read them. They feed `bench/pipeline.py` and the
reader tests where the real data sets cannot be downloaded.

Example:
    write_nyu_files("data/nyu_like", train=8, test=4)
    NYUDepthV2("data/nyu_like").items("test")   # [8, 9, 10, 11]
"""

import pathlib

import cv2
import h5py
import numpy as np
from scipy import io

from common.atomic import write_image
from common.data.images import resize_depth
from common.data.make3d import DEPTH_PREFIX, FOLDERS, GRID_KEY, IMAGE_PREFIX
from common.data.nyu import LABELED_FILE, SPLIT_KEYS, SPLITS_FILE
from common.data.synthetic import generate_scene

NYU_SIZE = (480, 640)
MAKE3D_IMAGE_SIZE = (2272, 1704)  # height x width, portrait
MAKE3D_GRID_SIZE = (55, 305)


def write_nyu_files(root, train, test, size=NYU_SIZE, seed=0):
    """Writes a labeled set of `train + test` scenes (train first) and its split file.

    Returns:
        The root as a `pathlib.Path`.
    """
    root = pathlib.Path(root)
    root.mkdir(parents=True, exist_ok=True)
    count = train + test
    with h5py.File(root / LABELED_FILE, "w") as handle:  # MATLAB's column-major order
        images = handle.create_dataset("images", (count, 3, size[1], size[0]), np.uint8)
        depths = handle.create_dataset("depths", (count, size[1], size[0]), np.float32)
        for index in range(count):
            scene = generate_scene((seed, index), *size)
            images[index] = np.transpose(scene["image"], (2, 1, 0))
            depths[index] = np.transpose(scene["depth"])
    indices = np.arange(1, count + 1)  # MATLAB's 1-based indices, [N, 1]
    io.savemat(
        root / SPLITS_FILE, {SPLIT_KEYS["train"]: indices[:train, None], SPLIT_KEYS["test"]: indices[train:, None]}
    )
    return root


def write_make3d_tree(root, train, test, image_size=MAKE3D_IMAGE_SIZE, grid_size=MAKE3D_GRID_SIZE, seed=0):
    """Writes `train` and `test` image / depth pairs into Make3D's four folders. Scenes are
    generated at a quarter of `image_size` and the image is enlarged bilinearly (a scene at the full
    2272 x 1704 takes seconds to generate; the files are what a reader is timed on); the depth grid
    is the scene's depth resized to `grid_size`, its other three channels the row, the column and
    a constant (they are not read).

    Returns:
        The root as a `pathlib.Path`.
    """
    root = pathlib.Path(root)
    for split, count in (("train", train), ("test", test)):
        image_dir, depth_dir = (root / name for name in FOLDERS[split])
        image_dir.mkdir(parents=True, exist_ok=True)
        depth_dir.mkdir(parents=True, exist_ok=True)
        for index in range(count):
            scene = generate_scene((seed, split == "test", index), image_size[0] // 4, image_size[1] // 4)
            image = cv2.resize(scene["image"][..., ::-1], image_size[::-1], interpolation=cv2.INTER_LINEAR)
            name = f"{split}{index:04d}"
            write_image(image_dir / f"{IMAGE_PREFIX}{name}.jpg", image)
            rows, cols = np.mgrid[0 : grid_size[0], 0 : grid_size[1]].astype(np.float64)
            depth = resize_depth(scene["depth"], grid_size).astype(np.float64)
            grid = np.stack([rows, cols, np.ones_like(rows), depth], axis=-1)
            io.savemat(depth_dir / f"{DEPTH_PREFIX}{name}.mat", {GRID_KEY: grid})
    return root
