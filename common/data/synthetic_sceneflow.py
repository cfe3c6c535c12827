"""Procedural scenes written as a Scene Flow tree: frames (PNG) and disparity (PFM) in the
published layout that `common.data.sceneflow.SceneFlow` reads, at Scene Flow's 540 x 960.

FlyingThings3D frames are cluttered with flying objects, so these scenes carry 30-60 objects
(`FLYINGTHINGS_OBJECTS`) instead of the 3-7 of the small synthetic scenes; at this density the
calibrated boundary corruption reaches the paper's 2.8 % of pixels (`python -m
commands.corruption`). The tree feeds the calibration, the streaming tests and
`bench/pipeline.py` where the real data set cannot be downloaded.

    python -m commands.sceneflow_like OUT_DIR [--train 6] [--test 16] [--distinct N]

Example:
    write_sceneflow_tree("data/sceneflow_like", train_views=6, test_views=16)
    SceneFlow("data/sceneflow_like").items("test")  # 16 (image, disparity) paths
"""

import pathlib

import numpy as np

from common.atomic import write_image
from common.data.pfm import write_pfm
from common.data.synthetic import generate_scene

HEIGHT, WIDTH = 540, 960
FLYINGTHINGS_OBJECTS = (30, 60)
FOCAL_BASELINE = 1050.0 * 0.1  # Scene Flow's focal length (px) times a 10 cm baseline
TRAIN_FOLDERS = (
    "FlyingThings3D/{kind}/TRAIN/A/{scene:04d}",
    "Monkaa/{kind}/scene_{scene:04d}",
    "Driving/{kind}/15mm_focallength/scene_forwards/fast",
)
TEST_FOLDER = "FlyingThings3D/{kind}/TEST/A/{scene:04d}"


def write_sceneflow_tree(
    root, train_views, test_views, height=HEIGHT, width=WIDTH, seed=0, distinct=None, objects=FLYINGTHINGS_OBJECTS
):
    """Writes `train_views` training views (spread over FlyingThings3D TRAIN, Monkaa and Driving)
    and `test_views` test views (FlyingThings3D TEST), left and right alternating.

    Args:
        root: the folder to write the three parts into.
        distinct: generate this many scenes and write them in turn (None: one per view); a large
            tree of few scenes is quick to write.
    Returns:
        The root as a `pathlib.Path`.
    """
    root = pathlib.Path(root)
    scenes = {}
    views = [("train", i) for i in range(train_views)] + [("test", i) for i in range(test_views)]
    for number, (split, index) in enumerate(views):
        key = number if distinct is None else number % distinct
        if key not in scenes:
            if distinct is None:  # every view its own scene: keep only the current one
                scenes.clear()
            scenes[key] = _frame_and_disparity(generate_scene((seed, key), height, width, objects))
        frame, disparity = scenes[key]
        pair, side = divmod(index, 2)
        folder = TRAIN_FOLDERS[pair % 3] if split == "train" else TEST_FOLDER
        relative = f"{folder}/{'left' if side == 0 else 'right'}/{pair:04d}"
        for kind, suffix, array, write in (
            ("frames_cleanpass", ".png", frame, _write_png),
            ("disparity", ".pfm", disparity, write_pfm),
        ):
            path = root / (relative.format(kind=kind, scene=pair // 3) + suffix)
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path, array)
    for part in (
        "FlyingThings3D/disparity/TRAIN",
        "FlyingThings3D/disparity/TEST",
        "Monkaa/disparity",
        "Driving/disparity",
    ):
        (root / part).mkdir(parents=True, exist_ok=True)
    return root


def _frame_and_disparity(scene):
    """(BGR frame for OpenCV, disparity in pixels = focal * baseline / depth)."""
    return scene["image"][..., ::-1], (FOCAL_BASELINE / scene["depth"]).astype(np.float32)


def _write_png(path, array):
    write_image(path, array)
