"""Depth as colour, without a plotting library (the inference commands run without matplotlib)."""

import cv2
import numpy as np


def colour_map(depth, low=0.0, high=1.0):
    """[B, H, W, 1] values in [low, high] -> [B, H, W, 3] uint8 RGB (OpenCV's TURBO map), for
    TensorBoard's examples and the inference commands' `_colour.png`."""
    scaled = np.clip((np.asarray(depth)[..., 0] - low) / (high - low), 0.0, 1.0)
    grey = np.round(scaled * 255).astype(np.uint8)
    return np.stack([cv2.cvtColor(cv2.applyColorMap(g, cv2.COLORMAP_TURBO), cv2.COLOR_BGR2RGB) for g in grey])
