"""IGDE applied to Middlebury (Sect. 4.1, Fig. 11): "The trained network is directly applied to
Middlebury dataset ... ground-truth depth maps with unknown holes, which are treated as noisy
depth maps. After simple extension of known depth values from the bottom vertically and the
enhanced process by the proposed IGDE system, Figure 11c and d show the enhanced depth maps and
the error depth maps".

A scene's disparity has its holes filled from below (`common.data.middlebury.fill_from_below`),
is turned into IGDE's 8-bit convention (round(255 d / max d) / 255, near = bright, as the
training data), and is enhanced with the colour image as the guide. Fig. 11d is "the absolute
difference between the original and refinement depth maps": |enhanced - filled|.

Example:
    result = enhance_scene(predict, load_scene("data/middlebury/Motorcycle"))
    result["mean_change"]  # grey levels
"""

import numpy as np

from common.data.middlebury import fill_from_below
from common.data.synthetic import EIGHT_BIT_LEVELS, eight_bit_disparity


def enhance_scene(predict, scene):
    """Fills, converts and enhances one scene.

    Args:
        predict: fn({"image": [1, H, W, 3] in [0, 1], "depth": [1, H, W, 1] in [0, 1]}) -> [1, H, W, 1].
        scene: `common.data.middlebury.load_scene`'s dict (uint8 RGB image, disparity NaN unknown).
    Returns:
        {"filled", "enhanced", "difference": [H, W] in [0, 1]; "mean_change", "mean_change_known",
        "mean_change_filled": the mean |enhanced - filled| in grey levels (0..255) over all pixels,
        the known ones and the filled holes (None when the scene has none); "holes": their share}.
    """
    known = np.isfinite(scene["disparity"])
    filled = eight_bit_disparity(fill_from_below(scene["disparity"]))
    image = scene["image"].astype(np.float32) / np.float32(255.0)
    enhanced = np.clip(np.asarray(predict({"image": image[None], "depth": filled[None, ..., None]}))[0, ..., 0], 0, 1)
    difference = np.abs(enhanced - filled)
    levels = difference * EIGHT_BIT_LEVELS
    return {
        "filled": filled,
        "enhanced": enhanced,
        "difference": difference,
        "mean_change": float(levels.mean()),
        "mean_change_known": float(levels[known].mean()),
        "mean_change_filled": float(levels[~known].mean()) if (~known).any() else None,
        "holes": float(np.mean(~known)),
    }
