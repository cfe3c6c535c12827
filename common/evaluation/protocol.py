"""DPDE's evaluation protocols in one place, read top to bottom (as monodepth2 keeps its own in
`evaluate_depth.py`). A protocol is a `ProtocolConfig`: the experiment's own (`eval.protocol`)
and any further ones (`eval.protocols.<name>`), all scored in one pass over the test set.

1. The ground truth (`ground_truth`): `resolution: input` is the truth resized with the image to
   `data.image_size` (DPDE Sect. 4 rescales "all images"); `resolution: original` is the data
   set's own (FCRN's protocol: 480x640 on NYU). Test samples carry the original truth only when a
   protocol asks for it (`needs_original`).
2. The prediction at the truth's size (`resized_to`): bilinear, as FCRN does.
3. The pixels scored (`common.depth_metrics.valid_mask`): finite truth > 0, inside the sample's
   `valid` mask, at most `max_depth` (Make3D's C1 cap: 70 m) and inside the `crop` (`eigen`).
4. Each image's sums and structure scores (`common.depth_metrics.depth_statistics`).
5. Pooling: `pixels` pools the sums of every valid test pixel (DPDE: "1/T sum over T pixels"),
   `images` averages each image's metrics (`common.depth_metrics.pooled_metrics`).

Example:
    scorer = DepthScorer(config.eval.protocol, config)
    state = scorer.start(); scorer.update(state, prediction, batch); scorer.result(state)["rms"]
"""

import cv2
import numpy as np

from common.depth_metrics import DEPTH_METRICS, depth_statistics, pooled_metrics
from common.errors import DatasetError


def needs_original(evaluation, sample_kind):
    """Whether a protocol of the `EvalConfig` scores samples of `sample_kind` at the data set's own
    resolution (DPDE's monocular samples only: IGDE scores at the input's size)."""
    protocols = evaluation.all_protocols().values()
    return sample_kind == "monocular" and any(protocol.resolution == "original" for protocol in protocols)


def protocol_label(protocol, image_size):
    """The label of a protocol, printed above its table and written beside every row of
    metrics.json; `image_size` is the network input's (H, W)."""
    height, width = image_size
    pooling = {"pixels": "pixels pooled over the test set", "images": "per-image mean"}[protocol.pooling]
    resolution = {
        "input": f"{height}x{width} (network input)",
        "original": "original ground truth (prediction resized bilinearly)",
    }[protocol.resolution]
    cap = "none" if protocol.max_depth is None else f"{protocol.max_depth:g} m"
    return f"pooling: {pooling}; resolution: {resolution}; crop: {protocol.crop or 'full frame'}; depth cap: {cap}"


def ground_truth(batch, resolution):
    """Step 1: (target, valid) of a monocular batch at the protocol's `resolution`."""
    prefix = "original_" if resolution == "original" else ""
    return batch[f"{prefix}target"], batch[f"{prefix}valid"]


def resized_to(prediction, shape):
    """Step 2: a [H, W, C] prediction resized bilinearly to shape[:2]; unchanged when the size
    already matches."""
    if prediction.shape[:2] == tuple(shape[:2]):
        return prediction
    resized = cv2.resize(prediction.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return resized.reshape(*shape[:2], prediction.shape[-1])


class DepthScorer:
    """DPDE's depth metrics over the test images under one protocol (steps 1-5 above).

    Args:
        protocol: a `ProtocolConfig`.
        config: the experiment (its `data.image_size` and the GSM constants of `eval`).
    """

    metrics = DEPTH_METRICS

    def __init__(self, protocol, config):
        self.pooling = protocol.pooling
        self.resolution = protocol.resolution
        self.protocol = protocol_label(protocol, config.data.image_size)
        self.options = {
            "max_depth": protocol.max_depth,
            "crop": protocol.crop,
            "gsm_masking": config.eval.gsm_masking,
            "gsm_luminance_weight": config.eval.gsm_luminance_weight,
        }

    def start(self):
        return []

    def update(self, state, prediction, batch):
        targets, valid = ground_truth(batch, self.resolution)
        for index in range(len(prediction)):
            target = targets[index]
            try:
                state.append(
                    depth_statistics(target, resized_to(prediction[index], target.shape), valid[index], **self.options)
                )
            except ValueError as error:
                raise DatasetError(f"test image {len(state)}: {error}") from error

    def result(self, state):
        if self.pooling == "pixels":
            return pooled_metrics(state)
        per_image = [pooled_metrics([statistics]) for statistics in state]
        return {name: float(np.mean([values[name] for values in per_image])) for name in self.metrics}
