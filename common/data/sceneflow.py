"""Scene Flow (Mayer et al. 2016; IGDE Sect. 4): FlyingThings3D, Monkaa and Driving in their
published layouts, `<part>/frames_cleanpass/...png` (or `frames_finalpass`) beside
`<part>/disparity/...pfm` with the same relative path.

Split as in the paper: training = left and right views of FlyingThings3D `TRAIN`, Monkaa and
Driving (22,390 + 8,664 + 4,400 pairs = 70,908 views); test = left and right views of
FlyingThings3D `TEST` (4,370 pairs = 8,740 views). Depth for IGDE is the 8-bit convention of
`eight_bit_disparity` (reconstruction; `depth_format="float"` keeps d / max d unrounded); frames
of 540x960 are centre-cropped to `data.image_size` (512x960 in the paper).

Example:
    sceneflow = SceneFlow("data/sceneflow", "clean")
    image, target = sceneflow.load(sceneflow.items("test")[0], (512, 960))
"""

import pathlib
import sys

import numpy as np

from common.data.images import read_colour_image
from common.data.pfm import read_pfm
from common.data.synthetic import eight_bit_disparity
from common.errors import DatasetError

PARTS = ("FlyingThings3D", "Monkaa", "Driving")
SPLIT_FOLDERS = {"train": {"FlyingThings3D": "TRAIN", "Monkaa": "", "Driving": ""}, "test": {"FlyingThings3D": "TEST"}}
PAPER_COUNTS = {"train": 70_908, "test": 8_740}
PASSES = ("clean", "final")


class SceneFlow:
    """The Scene Flow views under `root`; `render_pass` is "clean" or "final", `depth_format`
    "8bit" or "float"."""

    def __init__(self, root, render_pass="clean", depth_format="8bit"):
        self.root = pathlib.Path(root)
        missing = [part for part in PARTS if not (self.root / part).is_dir()]
        if missing:
            raise DatasetError(
                f"dataset not found at {self.root}: expected the Scene Flow folders "
                f"{', '.join(PARTS)} there (missing: {', '.join(missing)})"
            )
        self.frames = f"frames_{render_pass}pass"
        self.depth_format = depth_format

    def items(self, split):
        """[(frame path, disparity path)] of "train" or "test" (the split's folders are scanned
        on each call)."""
        views = []
        for part, folder in SPLIT_FOLDERS[split].items():
            disparity_root = self.root / part / "disparity" / folder
            if not disparity_root.is_dir():
                raise DatasetError(f"{disparity_root}: missing (Scene Flow {part} disparity)")
            for disparity in sorted(disparity_root.rglob("*.pfm")):
                relative = disparity.relative_to(self.root / part / "disparity")
                image = (self.root / part / self.frames / relative).with_suffix(".png")
                if not image.is_file():
                    raise DatasetError(f"{image}: missing (the frame of {disparity})")
                views.append((image, disparity))
        if len(views) != PAPER_COUNTS[split]:
            print(
                f"warning: {self.root}: {len(views)} Scene Flow {split} views, the paper's split "
                f"has {PAPER_COUNTS[split]}",
                file=sys.stderr,
            )
        return views

    def load(self, item, size):
        """(image [H, W, 3] float32 RGB in [0, 1], depth [H, W] in [0, 1], near = 1), centre-cropped."""
        image_path, disparity_path = item
        image = read_colour_image(image_path)
        disparity = read_pfm(disparity_path)
        if not (np.all(np.isfinite(disparity)) and disparity.max() > 0):
            raise DatasetError(f"{disparity_path}: expected finite disparity with a positive maximum")
        if disparity.shape != image.shape[:2]:
            raise DatasetError(
                f"{disparity_path}: disparity {disparity.shape} and frame {image.shape[:2]} differ in size"
            )
        height, width = size
        if height > image.shape[0] or width > image.shape[1]:
            raise DatasetError(f"{image_path}: frame {image.shape[:2]} is smaller than data.image_size {size}")
        top, left = (image.shape[0] - height) // 2, (image.shape[1] - width) // 2
        window = (slice(top, top + height), slice(left, left + width))
        image = image[window].astype(np.float32) / 255.0
        disparity = disparity[window]
        if self.depth_format == "float":
            return image, (disparity / disparity.max()).astype(np.float32)
        return image, eight_bit_disparity(disparity)
