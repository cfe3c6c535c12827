"""Non-learned baselines scored by the same evaluation as the networks.

`input`: the corrupted depth itself (IGDE Table 1, "Input depth"). The classical colour-guided
filters the IGDE paper cites (Sect. 1), all from OpenCV's `cv2.ximgproc` with the RGB image as
the guide and their parameters in `eval.<name>`: `joint_bilateral` (Kopf et al. 2007),
`guided_filter` (He et al. 2013), `weighted_median` (Zhang et al. 2014) and
`fast_global_smoother` (Min et al. 2014). `mean_depth` (monocular): each test image's mean true
depth everywhere, the constant prediction a depth network must beat.
"""

import cv2
import numpy as np


def _guide(image):
    """[H, W, 3] RGB in [0, 1] -> float32 on 0..255, contiguous (OpenCV's guide)."""
    return np.ascontiguousarray(image, np.float32) * np.float32(255.0)


def _plane(depth, shape):
    return np.ascontiguousarray(np.reshape(depth, shape), np.float32)


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
    guide = _guide(image)
    filtered = cv2.ximgproc.jointBilateralFilter(
        guide, _plane(depth, guide.shape[:2]), diameter, sigma_color, sigma_space
    )
    return filtered[..., None]


def guided_filter(image, depth, radius=4, eps=1e-4):
    """He et al.'s guided filter of depth, guided by the RGB image; `eps` on the guide's [0, 1]
    scale (OpenCV is given the guide on 0..255 and eps * 255^2, the same filter); shapes as
    `joint_bilateral_filter`."""
    guide = _guide(image)
    return cv2.ximgproc.guidedFilter(guide, _plane(depth, guide.shape[:2]), radius, eps * 255.0**2)[..., None]


def _guide_8bit(image):
    return np.round(_guide(image)).astype(np.uint8)


def weighted_median_filter(image, depth, radius=7, sigma=25.5):
    """Weighted median of depth over a (2 radius + 1) window, weights exp(-|colour difference|^2 /
    (2 sigma^2)) on the 0..255 scale; shapes as `joint_bilateral_filter`."""
    guide = _guide_8bit(image)
    return cv2.ximgproc.weightedMedianFilter(guide, _plane(depth, guide.shape[:2]), radius, sigma)[..., None]


def fast_global_smoother(image, depth, lambda_=100.0, sigma_color=8.0):
    """Min et al.'s fast global smoother (edge-aware weighted least squares) of depth, guided by
    the 8-bit RGB image; shapes as `joint_bilateral_filter`."""
    guide = _guide_8bit(image)
    return cv2.ximgproc.fastGlobalSmootherFilter(guide, _plane(depth, guide.shape[:2]), lambda_, sigma_color)[..., None]


FILTERS = {
    "joint_bilateral": (joint_bilateral_filter, lambda c: (c.diameter, c.sigma_color, c.sigma_space)),
    "guided_filter": (guided_filter, lambda c: (c.radius, c.eps)),
    "weighted_median": (weighted_median_filter, lambda c: (c.radius, c.sigma)),
    "fast_global_smoother": (fast_global_smoother, lambda c: (c.lambda_, c.sigma_color)),
}


# The baselines that apply to each kind of sample: the one list of their names (`eval.baselines`).
BASELINES_BY_KIND = {"enhancement": ("input", *FILTERS), "monocular": ("mean_depth",)}
BASELINE_TITLES = {
    "input": "input",
    "joint_bilateral": "joint bilateral filter",
    "guided_filter": "guided filter",
    "weighted_median": "weighted median filter",
    "fast_global_smoother": "fast global smoother",
    # An oracle: it reads each test image's true depth. A floor no method is given, not a method.
    "mean_depth": "per-image true mean depth (oracle)",
}


def mean_depth_prediction(target, valid):
    """[B, H, W, 1]: each image's mean over its valid true depth, at every pixel."""
    means = np.sum(target * valid, axis=(1, 2, 3)) / np.maximum(np.sum(valid, axis=(1, 2, 3)), 1)
    return np.broadcast_to(means[:, None, None, None], target.shape).astype(np.float32)


def baseline_predictor(name, eval_config):
    """fn(batch) -> the baseline `name`'s depth, a method for `common.evaluation.scoring`."""
    return lambda batch: baseline_prediction(name, batch, eval_config)


def baseline_methods(names, eval_config):
    """({name: fn(batch) -> depth}, {name: row title}) of the baselines `names`: the methods and
    titles of a result table (`common.evaluation.scoring.score_split`)."""
    return {name: baseline_predictor(name, eval_config) for name in names}, {
        name: BASELINE_TITLES[name] for name in names
    }


def baseline_prediction(name, batch, eval_config):
    """The baseline `name`'s depth for a batch of samples (NumPy arrays)."""
    if name == "input":
        return batch["depth"]
    if name == "mean_depth":
        return mean_depth_prediction(batch["target"], batch["valid"])
    function, settings = FILTERS[name]
    arguments = settings(getattr(eval_config, name))
    return np.stack([function(image, depth, *arguments) for image, depth in zip(batch["image"], batch["depth"])])
