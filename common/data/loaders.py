"""Split loaders: a split of a data set as (length, load(index) -> dict of NumPy arrays).

An *enhancement* sample (IGDE) holds `image` [H, W, 3] RGB in [0, 1], `depth` [H, W, 1] the
corrupted input depth in [0, 1], `target` [H, W, 1] the true depth and `error_mask` [H, W, 1]
(1 where the corruption changed the depth), all float32. A *monocular* sample (DPDE) holds
`image`, `target` [H, W, 1] the true depth in metres and `valid` [H, W, 1] (1 where the truth is
known), all at `data.image_size`; a test sample for a protocol at the original resolution (FCRN's)
also holds `original_target` and `original_valid` at the data set's own ground-truth size.
"""

import pathlib

import numpy as np

from common.data.corruption import corrupt_boundaries
from common.data.images import resize_depth, resize_image
from common.data.make3d import Make3D
from common.data.middlebury import Middlebury
from common.data.nyu import NYUDepthV2
from common.data.sceneflow import SceneFlow
from common.data.synthetic import EIGHT_BIT_LEVELS, generate_scene, normalized_disparity
from common.errors import DatasetError

SAMPLE_CHANNELS = {
    "enhancement": {"image": 3, "depth": 1, "target": 1, "error_mask": 1},
    "monocular": {"image": 3, "target": 1, "valid": 1},
}
ORIGINAL_CHANNELS = {"original_target": 1, "original_valid": 1}  # make_loader(..., original=True)
SPLITS = {"train": 0, "test": 1, "val": 2}
READERS = {
    "sceneflow": lambda data: SceneFlow(data.root, data.sceneflow_pass, data.sceneflow_depth),
    "nyu": lambda data: NYUDepthV2(data.root),
    "make3d": lambda data: Make3D(data.root),
    "middlebury": lambda data: Middlebury(data.root),
}


def enhancement_sample(image, target, seed, corruption, levels):
    """Image and true depth (both in [0, 1]) -> an enhancement sample with corrupted depth.

    `levels`: 255 when the depth is 8-bit (the corrupted input is requantised like it), else None.
    """
    corrupted, error_mask = corrupt_boundaries(target, seed, corruption, levels)
    return {
        "image": image.astype(np.float32),
        "depth": corrupted[..., None],
        "target": target[..., None],
        "error_mask": error_mask[..., None].astype(np.float32),
    }


def depth_truth(depth):
    """Metric depth (NaN or <= 0 where unknown) -> (target, valid), [H, W, 1] float32 each: the
    depth with 0 where unknown, and 1 where known."""
    valid = np.isfinite(depth) & (np.nan_to_num(depth) > 0)
    return np.where(valid, depth, 0)[..., None].astype(np.float32), valid[..., None].astype(np.float32)


def monocular_sample(image, depth, original_depth=None):
    """Image in [0, 1] and metric depth at its size -> a monocular sample; with `original_depth`
    (the data set's own ground truth) also `original_target` and `original_valid`."""
    sample = {"image": image.astype(np.float32)}
    sample["target"], sample["valid"] = depth_truth(depth)
    if original_depth is not None:
        sample["original_target"], sample["original_valid"] = depth_truth(original_depth)
    return sample


def make_loader(data, split, sample_kind, original=False):
    """The `split` ("train", "val" or "test") of the data set named by `data.dataset`.

    The validation split ("val"), which training reads to choose and to watch, never the test
    split: generated scenes of its own seed stream for the synthetic set, and on a real data set
    `data.val_size` of its training files, evenly spaced over them (`validation_indices`) and left
    out of training.

    Args:
        original: monocular samples also hold the ground truth at the data set's own size
            (`ORIGINAL_CHANNELS`; a generated scene's is `data.image_size`); ignored for
            enhancement samples.
    Returns:
        (length, load) where load(index) returns a sample dict of `sample_kind`.
    Raises:
        DatasetError: the data set is not where `data.root` says.
    """
    if sample_kind not in SAMPLE_CHANNELS:
        raise ValueError(f"unknown sample kind {sample_kind!r}")
    if data.dataset == "synthetic":
        return _synthetic_loader(data, split, sample_kind, original)
    return _real_loader(data, split, sample_kind, original)


def _synthetic_loader(data, split, sample_kind, original):
    length = {"train": data.train_size, "val": data.val_size, "test": data.test_size}[split]
    height, width = data.image_size

    def load(index):
        seed = (data.seed, SPLITS[split], int(index))
        scene = generate_scene(seed, height, width)
        image = scene["image"] / np.float32(255.0)
        if sample_kind == "monocular":
            return monocular_sample(image, scene["depth"], scene["depth"] if original else None)
        return enhancement_sample(image, normalized_disparity(scene["depth"]), seed, data.corruption, EIGHT_BIT_LEVELS)

    return length, load


def validation_indices(train_length, val_size):
    """The training files a real data set holds out for validation: `val_size` indices evenly
    spaced over its `train_length` training files, i * train_length // val_size (all but one at
    most, so that training keeps a file)."""
    count = min(val_size, train_length - 1)
    return [i * train_length // count for i in range(count)] if count > 0 else []


def _real_loader(data, split, sample_kind, original):
    """A split of a data set on disk through its reader (`READERS`): monocular images resized to
    `data.image_size` with their depth (also kept at its own size when `original`), Scene Flow frames
    centre-cropped to it with the boundary corruption seeded by (seed, split, index)."""
    if not data.root:
        raise DatasetError(
            f"dataset not found at {pathlib.Path('.').resolve()}: set data.root to the {data.dataset} folder"
        )
    reader = READERS[data.dataset](data)
    items = reader.items("test" if split == "test" else "train")
    if split != "test":
        held_out = validation_indices(len(items), data.val_size)
        if split == "val":
            items = [items[i] for i in held_out]
        else:
            held = set(held_out)
            items = [item for i, item in enumerate(items) if i not in held]
    if not len(items):
        raise DatasetError(f"{data.root}: the {split} split of {data.dataset} is empty")

    def load(index):
        if sample_kind == "monocular":
            image, depth = reader.read(items[index])
            resized = resize_image(image, data.image_size), resize_depth(depth, data.image_size)
            return monocular_sample(*resized, depth if original else None)
        image, depth = reader.load(items[index], data.image_size)
        return enhancement_sample(
            image,
            depth,
            (data.seed, SPLITS[split], int(index)),
            data.corruption,
            EIGHT_BIT_LEVELS if data.sceneflow_depth == "8bit" else None,
        )

    return len(items), load
