"""A test split as files, and predictions read back from files: what lets anyone run their own
method on exactly our test inputs (`python -m commands.write_split`) and score its saved depth
maps with our code (`python -m commands.score`).

A written split holds, per sample `NNNNN` (its index in the split): `rgb/NNNNN.png` (8-bit RGB)
and, as float32 PFM files in the model's units, `input_depth/` (IGDE: the corrupted depth, [0, 1]),
`ground_truth/` (IGDE: [0, 1] normalised disparity; DPDE: metres, 0 where unknown), and the masks
as 8-bit PNG (0 / 255): `error_mask/` (IGDE: the pixels the corruption changed), `valid_mask/`
(DPDE: known depth); with a protocol at the original resolution, DPDE's `ground_truth_original/`
and `valid_mask_original/` at the data set's own size. Predictions are matched to samples by file
name stem: `NNNNN.png` (16-bit, divided by the stated PNG scale), `NNNNN.pfm` or `NNNNN.npy`
(model units).
"""

import numpy as np

from common.atomic import write_image
from common.data.depth_arrays import check_depth_map, load_npy
from common.data.images import read_image
from common.data.pfm import read_pfm, write_pfm
from common.errors import DatasetError

FOLDERS = {
    "enhancement": {"image": "rgb", "depth": "input_depth", "target": "ground_truth", "error_mask": "error_mask"},
    "monocular": {"image": "rgb", "target": "ground_truth", "valid": "valid_mask"},
}
ORIGINAL_FOLDERS = {"original_target": "ground_truth_original", "original_valid": "valid_mask_original"}
MASKS = ("error_mask", "valid", "original_valid")
PREDICTION_SUFFIXES = (".png", ".pfm", ".npy")


def sample_name(index):
    return f"{index:05d}"


def split_folders(sample_kind, original=False):
    """{sample key: folder} of a written split; `original`: with the original ground truth."""
    return {**FOLDERS[sample_kind], **(ORIGINAL_FOLDERS if original else {})}


def sample_files(sample_kind, name, original=False):
    """{sample key: path relative to the split's folder} of the sample `name`."""
    return {
        key: f"{folder}/{name}.{'png' if key == 'image' or key in MASKS else 'pfm'}"
        for key, folder in split_folders(sample_kind, original).items()
    }


def write_sample(root, sample_kind, name, sample):
    """Writes one sample ({key: [H, W, C] float32}) under `root` in the split's layout (with the
    original ground truth when the sample holds it)."""
    for key, relative in sample_files(sample_kind, name, "original_target" in sample).items():
        path = root / relative
        values = sample[key]
        # Each file complete or absent, its write checked (common.atomic).
        if key == "image":
            write_image(path, np.round(np.clip(values, 0, 1) * 255).astype(np.uint8)[..., ::-1])
        elif key in MASKS:
            write_image(path, (values[..., 0] > 0.5).astype(np.uint8) * 255)
        else:
            write_pfm(path, values[..., 0])


def read_prediction(path, png_scale):
    """[H, W] float32 depth of a prediction file: a 16-bit PNG divided by `png_scale`, a PFM or an
    NPY in the model's units; a DatasetError names a file that is not one."""
    suffix = path.suffix.lower()
    if suffix == ".png":
        raw = read_image(path)
        if raw.dtype != np.uint16 or raw.ndim != 2:
            raise DatasetError(f"{path}: expected a one-channel 16-bit PNG, got {raw.dtype} of shape {raw.shape}")
        values = raw.astype(np.float32) / png_scale
    elif suffix == ".pfm":
        values = read_pfm(path)
    else:
        values = load_npy(path, DatasetError)
    return check_depth_map(values, path, DatasetError)


def prediction_files(folder):
    """{sample name: prediction file} of a folder; a DatasetError names a name given twice."""
    files = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in PREDICTION_SUFFIXES and path.is_file():
            if path.stem in files:
                raise DatasetError(f"{path}: a second prediction for sample {path.stem} (also {files[path.stem].name})")
            files[path.stem] = path
    return files
