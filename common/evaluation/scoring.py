"""Scores networks and the baselines on the test split with the same metrics, under every
protocol of the experiment, in one pass.

A scorer per kind of prediction: `EnhancementScorer` (IGDE's PSNR / PSNRt / PSNRf / SSIM /
RMSE, pooled over the set), `DepthScorer` (DPDE's depth metrics under one protocol:
`common.evaluation.protocol`) and `GradientScorer` (the gradient network's mean gradient error).
`score_split` is the one assembly of methods, scorers and scores that training, the stages,
the finished-run scorer and the commands use.

Example:
    scores = score_split(config, pipeline, {"model": ("IGDE", predictor)}, ["input"], scorers)
    scores.tables[OWN_PROTOCOL]["model"]["psnr"]
"""

import dataclasses

import numpy as np

from common.baselines import baseline_methods
from common.config.schema import OWN_PROTOCOL
from common.data.pipeline import make_pipeline
from common.depth_metrics import mean_gradient_error, valid_mask
from common.errors import ConfigError
from common.evaluation.protocol import DepthScorer, protocol_label
from common.metrics import make_enhancement_metrics, metric_results, update_enhancement_metrics


class EnhancementScorer:
    """IGDE's metrics under a protocol's `pooling` (`common.metrics`: squared errors pooled over
    the test pixels, or each image's PSNR and RMSE averaged); needs `target` and `error_mask` in
    the batch. IGDE's protocols have no other setting."""

    metrics = ("psnr", "psnr_t", "psnr_f", "ssim", "ssim_paper", "rmse")  # make_enhancement_metrics

    def __init__(self, protocol, config):
        height, width = config.data.image_size
        self.pooling = protocol.pooling
        pooled = "errors pooled over all test pixels" if self.pooling == "pixels" else "PSNR and RMSE per image"
        self.protocol = f"{pooled}; {height}x{width} frames"

    def start(self):
        return make_enhancement_metrics(self.pooling)

    def update(self, state, prediction, batch):
        update_enhancement_metrics(state, batch["target"], prediction, batch["error_mask"])

    def result(self, state):
        return metric_results(state)


class GradientScorer:
    """Mean gradient error of predicted [B, H, W, 2] gradients against the truth's, under the
    experiment's own protocol's cap and crop."""

    metrics = ("mge",)

    def __init__(self, config):
        protocol = config.eval.protocol
        self.options = {"max_depth": protocol.max_depth, "crop": protocol.crop}
        self.protocol = protocol_label(protocol, config.data.image_size)

    def start(self):
        return []

    def update(self, state, prediction, batch):
        masks = valid_mask(batch["target"][..., 0], batch["valid"][..., 0], **self.options)
        for gradients, target, mask in zip(prediction, batch["target"][..., 0], masks):
            state.append(mean_gradient_error(target, gradients[..., 0], gradients[..., 1], mask))

    def result(self, state):
        return {"mge": float(np.nanmean(state))}


def make_scorers(sample_kind, output, config, own_only=False):
    """{protocol name: scorer} of a model's predictions ("depth" or "gradients") on samples of
    `sample_kind`, with the data settings of the experiment `config`: its own protocol
    (`OWN_PROTOCOL`) first, then, for depth predictions, those of `eval.protocols` (unless
    `own_only`)."""
    protocols = {OWN_PROTOCOL: config.eval.protocol} if own_only else config.eval.all_protocols()
    if sample_kind == "enhancement":
        return {name: EnhancementScorer(protocol, config) for name, protocol in protocols.items()}
    if output != "depth":
        return {OWN_PROTOCOL: GradientScorer(config)}
    return {name: DepthScorer(protocol, config) for name, protocol in protocols.items()}


def score_methods(methods, dataset, scorers):
    """Runs every method once over the dataset and scores it under every protocol.

    Args:
        methods: {name: fn(batch of NumPy arrays) -> prediction [B, H, W, C]}.
        dataset: finite `tf.data.Dataset` of sample dicts.
        scorers: {protocol name: scorer} from `make_scorers`.
    Returns:
        ({protocol: {name: {metric: float or None}}}, {name: prediction of the first batch},
         first batch).
    """
    states = {protocol: {name: scorer.start() for name in methods} for protocol, scorer in scorers.items()}
    first_batch, first_predictions = None, {}
    for batch in dataset.as_numpy_iterator():
        for name, method in methods.items():
            prediction = np.asarray(method(batch))
            for protocol, scorer in scorers.items():
                scorer.update(states[protocol][name], prediction, batch)
            if first_batch is None:
                first_predictions[name] = prediction
        first_batch = batch if first_batch is None else first_batch
    tables = {
        protocol: {name: scorer.result(state) for name, state in states[protocol].items()}
        for protocol, scorer in scorers.items()
    }
    return tables, first_predictions, first_batch


@dataclasses.dataclass
class TestScores:
    """One pass over a test set.

    Attributes:
        tables: {protocol: {method: {metric: value}}}, the experiment's own protocol first.
        titles: {method: row title}.
        scorers: {protocol: scorer}.
        predictions: {method: its prediction of the first batch}.
        batch: the first batch.
    """

    tables: dict
    titles: dict
    scorers: dict
    predictions: dict
    batch: dict


def score_split(config, pipeline, networks, baselines, scorers, batch_size=None, split="test"):
    """Scores `networks` ({method: (row title, fn(batch) -> prediction)}) after the `baselines`
    (names, with `eval`'s settings) on the `split` ("test", or "val" during training) of
    `pipeline` under `scorers` (`make_scorers`), in batches of `eval.batch_size` (or
    `batch_size`). Returns `TestScores`."""
    methods, titles = baseline_methods(baselines, config.eval)
    for name, (title, predict) in networks.items():
        if title in titles.values():
            raise ConfigError(f"two result rows would share the title {title!r}; give the scored method another title")
        methods[name], titles[name] = predict, title
    batch_size = batch_size or config.eval.batch_size
    dataset = pipeline.val_dataset(batch_size) if split == "val" else pipeline.test_dataset(batch_size)
    tables, predictions, batch = score_methods(methods, dataset, scorers)
    return TestScores(tables, titles, scorers, predictions, batch)


def score_on_test_set(config, sample_kind, networks, baselines=(), own_only=False):
    """`score_split` of depth-predicting `networks` on the test data of the experiment
    `config` alone (no training data is opened), under its protocols (its own only with
    `own_only`)."""
    pipeline = make_pipeline(config, sample_kind, train=False)
    scorers = make_scorers(sample_kind, "depth", config, own_only)
    return score_split(config, pipeline, networks, baselines, scorers)
