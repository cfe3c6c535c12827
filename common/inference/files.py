"""The files the inference commands read and write.

Inputs: RGB images as 8- or 16-bit PNG or JPEG; depth maps as 8- or 16-bit one-channel PNG, PFM
or NPY. Outputs: depth as 16-bit PNG, PFM or NPY (chosen by the extension), a colour-mapped PNG,
and a coloured point cloud as binary little-endian PLY. Every problem with a file is an
`InputError` whose message starts with the file's path.
"""

import pathlib

import cv2
import numpy as np

from common.atomic import atomic_path, write_image
from common.colour import colour_map
from common.data.depth_arrays import check_depth_map, load_npy
from common.data.images import read_image
from common.data.pfm import read_pfm, write_pfm
from common.errors import InputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
DEPTH_SUFFIXES = (".png", ".pfm", ".npy")
INTEGER_RANGE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def read_rgb(path):
    """[H, W, 3] float32 RGB in [0, 1] of an 8- or 16-bit PNG or JPEG."""
    raw = read_image(path, error=InputError)
    channels = 1 if raw.ndim == 2 else raw.shape[2]
    if channels != 3:
        raise InputError(f"{path}: expected an RGB image with 3 channels, got {channels}")
    if raw.dtype not in INTEGER_RANGE:
        raise InputError(f"{path}: expected 8- or 16-bit colour, got {raw.dtype}")
    return cv2.cvtColor(raw, cv2.COLOR_BGR2RGB).astype(np.float32) / INTEGER_RANGE[raw.dtype]


def read_depth(path):
    """A depth map and its default scale.

    Returns:
        ([H, W] float32 values as stored, scale): 255 for an 8-bit PNG and 65535 for a 16-bit
        PNG (so that values / scale lie in [0, 1]), 1 for PFM and NPY.
    """
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        raw = read_image(path, error=InputError)
        if raw.dtype not in INTEGER_RANGE:
            raise InputError(f"{path}: expected an 8- or 16-bit PNG, got {raw.dtype}")
        values, scale = raw, INTEGER_RANGE[raw.dtype]
    elif suffix == ".pfm":
        values, scale = read_pfm(path), 1.0
    elif suffix == ".npy":
        values, scale = load_npy(path, InputError), 1.0
    else:
        raise InputError(f"{path}: expected a depth map ending in {', '.join(DEPTH_SUFFIXES)}")
    return check_depth_map(values, path, InputError), scale


def write_depth(path, depth, png_scale):
    """Writes [H, W] `depth` by the extension: .png as 16-bit round(depth * png_scale) (clipped to
    0..65535), .pfm as float32 PFM, .npy as float32 NPY."""
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    depth = np.asarray(depth, np.float32)
    if suffix == ".png":
        write_image(path, np.round(np.clip(depth * png_scale, 0, 65535)).astype(np.uint16))
    elif suffix == ".pfm":
        write_pfm(path, depth)
    elif suffix == ".npy":
        with atomic_path(path) as temporary:
            np.save(temporary, depth)
    else:
        raise InputError(f"{path}: expected an output ending in {', '.join(DEPTH_SUFFIXES)}")


def write_colour(path, depth):
    """Writes [H, W] `depth` as a TURBO colour-mapped PNG spanning its own minimum to maximum."""
    low, high = float(np.min(depth)), float(np.max(depth))
    rgb = colour_map(np.asarray(depth)[None, ..., None], low, max(high, low + 1e-6))[0]
    write_image(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def back_project(depth, intrinsics):
    """Pinhole back-projection: pixel (u, v) with depth Z > 0 -> (X, Y, Z) =
    ((u - cx) Z / fx, (v - cy) Z / fy, Z).

    Args:
        depth: [H, W] depth along the optical axis.
        intrinsics: (fx, fy, cx, cy) in pixels.
    Returns:
        ([N, 3] float32 points, [N] flat indices of the pixels they came from), row-major.
    """
    fx, fy, cx, cy = intrinsics
    v, u = np.indices(depth.shape, dtype=np.float32)
    index = np.flatnonzero(depth > 0)
    z = depth.ravel()[index]
    points = np.stack([(u.ravel()[index] - cx) * z / fx, (v.ravel()[index] - cy) * z / fy, z], axis=1)
    return points.astype(np.float32), index


def write_ply(path, depth, rgb, intrinsics):
    """Writes the coloured point cloud of [H, W] `depth` and [H, W, 3] `rgb` (in [0, 1]) as binary
    little-endian PLY (vertex x, y, z float32 and red, green, blue uint8)."""
    points, index = back_project(np.asarray(depth, np.float32), intrinsics)
    colours = np.round(np.clip(rgb.reshape(-1, 3)[index], 0, 1) * 255).astype(np.uint8)
    vertices = np.empty(
        len(points), dtype=[("x", "<f4"), ("y", "<f4"), ("z", "<f4"), ("red", "u1"), ("green", "u1"), ("blue", "u1")]
    )
    for axis, name in enumerate("xyz"):
        vertices[name] = points[:, axis]
    for channel, name in enumerate(("red", "green", "blue")):
        vertices[name] = colours[:, channel]
    header = (
        "ply\nformat binary_little_endian 1.0\ncomment depthrepro\n"
        f"element vertex {len(vertices)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        "property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n"
    )
    with atomic_path(path) as temporary:
        temporary.write_bytes(header.encode("ascii") + vertices.tobytes())
