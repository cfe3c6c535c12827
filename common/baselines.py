"""Non-learned baselines scored by the same evaluation as the networks.

`input`: the corrupted depth itself (IGDE Table 1, "Input depth"). `joint_bilateral`: the joint
bilateral filter (IGDE Sect. 1, refs. [11, 12]) from OpenCV's `cv2.ximgproc`, with the RGB image
as the guide. `mean_depth` (monocular): each test image's mean true depth everywhere, the
constant prediction a depth network must beat.
"""

import cv2
import numpy as np


def joint_bilateral_filter(image, depth, diameter=9, sigma_color=20.0, sigma_space=4.0):
    """Joint bilateral filtering of depth guided by colour.

    Args:
        image: [H, W, 3] RGB in [0, 1].
        depth: [H, W, 1] or [H, W] depth in [0, 1].
        diameter: filter window in pixels; sigma_color on the 0..255 colour scale; sigma_space in
            pixels.
    Returns:
        [H, W, 1] float32 filtered depth.
    """
    guide = np.ascontiguousarray(image, np.float32) * np.float32(255.0)
    source = np.ascontiguousarray(np.reshape(depth, guide.shape[:2]), np.float32)
    filtered = cv2.ximgproc.jointBilateralFilter(guide, source, diameter, sigma_color, sigma_space)
    return filtered[..., None]


def mean_depth_prediction(target, valid):
    """[B, H, W, 1]: each image's mean over its valid true depth, at every pixel."""
    means = np.sum(target * valid, axis=(1, 2, 3)) / np.maximum(np.sum(valid, axis=(1, 2, 3)), 1)
    return np.broadcast_to(means[:, None, None, None], target.shape).astype(np.float32)


def baseline_prediction(name, batch, eval_config):
    """The baseline `name`'s depth for a batch of samples (NumPy arrays)."""
    if name == "input":
        return batch["depth"]
    if name == "mean_depth":
        return mean_depth_prediction(batch["target"], batch["valid"])
    settings = eval_config.joint_bilateral
    return np.stack([joint_bilateral_filter(image, depth, settings.diameter, settings.sigma_color,
                                            settings.sigma_space)
                     for image, depth in zip(batch["image"], batch["depth"])])
