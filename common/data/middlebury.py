"""Middlebury stereo scenes as RGB-D (DPDE Sect. 4): the 2014 layout (`im0.png`, `disp0.pfm`,
`calib.txt`) and the 2005/2006 layout (`view1.png`, `disp1.png`, optional `dmin.txt`).

2014: depth = baseline * f / (disp + doffs) in mm, with f, doffs and baseline from calib.txt;
unknown disparity is infinite. 2005/2006 (full size): disparity + dmin, 0 = unknown, depth =
160 mm * 3740 px / (disp + dmin), the published baseline and focal length of those sets.
Middlebury is a test set only: DPDE calls it "an indoor testing dataset" and shows "the test
results on the MID dataset, which uses NYU as the training set" (Sect. 4), so its test split is
all the scenes and it has no training split; `experiments/dpde/middlebury.yaml` scores the NYU run
on it.

Example:
    scene = load_scene("data/middlebury/Adirondack")
    scene["depth"][scene["valid"]].mean()   # mm
"""

import pathlib
import re
import sys

import cv2
import numpy as np

from common.atomic import write_image
from common.data.images import read_colour_image, read_image
from common.data.pfm import read_pfm, write_pfm
from common.errors import DatasetError, short_repr

FOCAL_2006, BASELINE_2006 = 3740.0, 160.0  # px, mm (full-size 2005/2006 images)
PAPER_COUNT = 35
MM_PER_M = 1000.0


def read_calibration(path):
    """{"focal", "cx", "cy", "doffs", "baseline"} of a 2014 calib.txt (pixels and mm)."""
    if not path.is_file():
        raise DatasetError(f"{path}: missing (the calibration of a 2014 scene)")
    try:
        values = dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
        cam0 = [float(v) for v in re.split(r"[\s;]+", values["cam0"].strip(" []")) if v]
        calibration = {
            "focal": cam0[0],
            "cx": cam0[2],
            "cy": cam0[5],
            "doffs": float(values["doffs"]),
            "baseline": float(values["baseline"]),
        }
    except (UnicodeDecodeError, KeyError, IndexError, ValueError) as error:
        raise DatasetError(
            f"{path}: expected cam0=[f 0 cx; 0 f cy; 0 0 1], doffs= and baseline= lines ({short_repr(error)})"
        ) from error
    if not all(np.isfinite(list(calibration.values()))) or min(calibration["focal"], calibration["baseline"]) <= 0:
        raise DatasetError(
            f"{path}: expected finite values and a positive focal length and baseline, got {calibration}"
        )
    return calibration


def load_scene(scene_dir):
    """One scene at full resolution.

    Returns:
        {"image": [H, W, 3] uint8 RGB, "disparity": [H, W] float32 (NaN unknown), "depth":
        [H, W] float32 mm (NaN unknown), "valid": [H, W] bool}.
    Raises:
        DatasetError: neither layout, a missing, corrupt or mis-sized file, or no known disparity.
    """
    scene_dir = pathlib.Path(scene_dir)
    if (scene_dir / "disp0.pfm").is_file():
        image = read_colour_image(scene_dir / "im0.png")
        disparity = read_pfm(scene_dir / "disp0.pfm").astype(np.float32)
        calibration = read_calibration(scene_dir / "calib.txt")
        valid = np.isfinite(disparity) & (disparity > 0)
        offset, numerator = calibration["doffs"], calibration["baseline"] * calibration["focal"]
    elif (scene_dir / "disp1.png").is_file():
        image = read_colour_image(scene_dir / "view1.png")
        raw = read_image(scene_dir / "disp1.png", cv2.IMREAD_GRAYSCALE)
        dmin_path = scene_dir / "dmin.txt"
        offset = _read_dmin(dmin_path) if dmin_path.is_file() else 0.0
        valid = raw > 0
        disparity = raw.astype(np.float32)
        numerator = BASELINE_2006 * FOCAL_2006
    else:
        raise DatasetError(
            f"{scene_dir}: not a Middlebury scene (expected disp0.pfm with im0.png and "
            "calib.txt, or disp1.png with view1.png)"
        )
    if disparity.shape != image.shape[:2]:
        raise DatasetError(f"{scene_dir}: disparity {disparity.shape} and image {image.shape[:2]} differ in size")
    if not valid.any():
        raise DatasetError(f"{scene_dir}: no known disparity (every pixel is unknown); nothing to enhance or score")
    disparity = np.where(valid, disparity, np.nan).astype(np.float32)
    behind = int(np.count_nonzero(valid & (disparity + offset <= 0)))
    if behind:
        source = "calib.txt's doffs" if (scene_dir / "disp0.pfm").is_file() else "dmin.txt"
        raise DatasetError(
            f"{scene_dir}: {behind} known disparities plus {source} ({offset:g}) are <= 0, which puts "
            "them at or behind the camera; check the calibration"
        )
    depth = np.where(valid, numerator / np.where(valid, disparity + offset, 1.0), np.nan).astype(np.float32)
    return {"image": image, "disparity": disparity, "depth": depth, "valid": valid}


def _read_dmin(path):
    """The 2005/2006 scenes' disparity offset: the first number of dmin.txt."""
    try:
        value = float(path.read_text(encoding="utf-8").split()[0])
    except (UnicodeDecodeError, IndexError, ValueError) as error:
        raise DatasetError(f"{path}: expected a number (the disparity offset)") from error
    if not np.isfinite(value):
        raise DatasetError(f"{path}: expected a finite number, got {value}")
    return value


def fill_from_below(disparity):
    """IGDE Sect. 4.1's hole filling of a Middlebury map before enhancement: "simple extension of
    known depth values from the bottom vertically". Each unknown (NaN or infinite) pixel takes the
    nearest known value below it in its column; those with none below (holes reaching the bottom
    row) take the nearest known value above. A column with no known value takes the map's
    smallest known value (the farthest depth).

    Args:
        disparity: [H, W] float array, unknown values NaN or infinite.
    Returns:
        [H, W] float32 with every value finite.
    Raises:
        ValueError: no value of the map is known.
    """
    values = np.asarray(disparity, np.float32)
    known = np.isfinite(values)
    if not known.any():
        raise ValueError("no known disparity to extend")
    rows = np.arange(values.shape[0])[:, None]
    # For each pixel, the row of the nearest known pixel at or below it (H: none) and at or above it (-1: none).
    below = np.where(known, rows, values.shape[0])
    below = np.minimum.accumulate(below[::-1], axis=0)[::-1]
    above = np.maximum.accumulate(np.where(known, rows, -1), axis=0)
    source = np.where(below < values.shape[0], below, above)
    columns = np.broadcast_to(np.arange(values.shape[1]), values.shape)
    filled = np.where(source >= 0, values[np.clip(source, 0, None), columns], np.nan)
    return np.where(np.isfinite(filled), filled, values[known].min()).astype(np.float32)


def scene_dirs(root):
    """The folders under `root` that hold a scene of either layout, sorted by name."""
    return sorted(p for p in pathlib.Path(root).iterdir() if (p / "disp0.pfm").is_file() or (p / "disp1.png").is_file())


def scene_layout(scene_dir):
    """ "2014" or "2005/2006": the layout of a scene folder."""
    return "2014" if (pathlib.Path(scene_dir) / "disp0.pfm").is_file() else "2005/2006"


def scene_list(root):
    """[{"scene": name, "layout": ...}] of the scenes under `root`, in the order they are scored."""
    return [{"scene": scene.name, "layout": scene_layout(scene)} for scene in scene_dirs(root)]


class Middlebury:
    """The scenes under `root` (any mix of layouts), all of them the test split."""

    def __init__(self, root):
        root = pathlib.Path(root)
        if not root.is_dir():
            raise DatasetError(f"dataset not found at {root}: expected one folder per Middlebury scene")
        scenes = scene_dirs(root)
        if not scenes:
            raise DatasetError(f"{root}: no Middlebury scene (folders with disp0.pfm or disp1.png)")
        if len(scenes) != PAPER_COUNT:
            print(f"warning: {root}: {len(scenes)} scenes, the paper used {PAPER_COUNT}", file=sys.stderr)
        self.root, self.scenes = root, scenes

    def items(self, split):
        """Every scene folder for "test"; "train" is a `DatasetError` (DPDE trains on NYU)."""
        if split != "test":
            raise DatasetError(
                f'{self.root}: Middlebury is a test set (DPDE Sect. 4: "uses NYU as '
                'the training set"); train on NYU and score the run on it with '
                "eval.trained_runs (experiments/dpde/middlebury.yaml)"
            )
        return self.scenes

    def read(self, scene_dir):
        """(image [H, W, 3] uint8 RGB, depth [H, W] float32 metres, NaN unknown), original size."""
        scene = load_scene(scene_dir)
        return scene["image"], scene["depth"] / MM_PER_M


# The calibration of scikit-image's quarter-size Middlebury 2014 Motorcycle (its docstring), as a
# calib.txt of the 2014 layout: cam1's cx is cam0's plus doffs.
MOTORCYCLE_CALIBRATION = """cam0=[994.978 0 311.193; 0 994.978 254.877; 0 0 1]
cam1=[994.978 0 342.279; 0 994.978 254.877; 0 0 1]
doffs=31.086
baseline=193.001
width=741
height=500
ndisp=70
"""


def write_motorcycle_scene(root):
    """Writes the real Middlebury 2014 Motorcycle scene that scikit-image ships (quarter size,
    500 x 741; unknown disparities infinite) as a 2014 scene folder ROOT/Motorcycle; returns
    (folder, disparity). The campaign's CPU scale scores DPDE on it (Table 3), the tests read it."""
    from skimage import data

    left, _, disparity = data.stereo_motorcycle()
    scene = pathlib.Path(root) / "Motorcycle"
    scene.mkdir(parents=True)
    write_image(scene / "im0.png", cv2.cvtColor(left, cv2.COLOR_RGB2BGR))
    write_pfm(scene / "disp0.pfm", disparity)
    (scene / "calib.txt").write_text(MOTORCYCLE_CALIBRATION)
    return scene, disparity
