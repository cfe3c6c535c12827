"""Why IGDE's loss is slow to leave the input: the edge mask, what tells a corrupted pixel apart,
and each loss term's pull from the correct and the corrupted pixels, on an experiment's data.

    python -m commands.loss_anatomy EXPERIMENT.yaml [--split train] [--samples N] [--set key=value ...]

Three measurements, pooled over the samples (RESULTS.md, "The paper's loss"):
- The depth edge mask M of eq. 9 (Sobel of the *input* depth, dilated, Otsu): the share of the
  pixels it covers, of the corrupted pixels inside it (recall) and of corrupted pixels among
  its pixels (precision).
- Detectability: the share of corrupted pixels among those where the input depth has an edge
  (inside M) but the colour image has none (outside the same mask of the grey image): a pixel
  an L1-type loss corrects only once the network can single out a set of pixels of which more
  than half (by loss weight) are wrong, the conditional median.
- Each loss term's pull near the end of the first phase of training: the prediction equals the
  truth plus Gaussian noise of `--noise` grey levels (0.8: PSNRt 50 dB, what the trained
  networks reach) on the correct pixels and keeps the input's error on the corrupted ones; for
  each term, its value and the share of the total |dL/dd| that the corrupted pixels carry. A
  term whose pull comes mostly from the correct pixels holds the network at "no change".
"""

import argparse
import sys

import numpy as np

from commands.options import add_overrides, require_input_depth
from common.errors import ConfigError, exit_status

GREY_LEVEL = 1.0 / 255.0
TERMS = ("l1", "depth_focal", "sobel", "l2")


def mask_statistics(corrupted, depth_edges, colour_edges):
    """{fraction, recall, precision, mismatch_fraction, mismatch_precision, mismatch_recall} of
    boolean arrays: M's coverage, recall and precision of the corrupted pixels, and the same for
    depth edges without a colour edge."""
    mismatch = depth_edges & ~colour_edges
    count = max(np.count_nonzero(corrupted), 1)
    return {
        "fraction": np.count_nonzero(depth_edges) / corrupted.size,
        "recall": np.count_nonzero(corrupted & depth_edges) / count,
        "precision": np.count_nonzero(corrupted & depth_edges) / max(np.count_nonzero(depth_edges), 1),
        "mismatch_fraction": np.count_nonzero(mismatch) / corrupted.size,
        "mismatch_recall": np.count_nonzero(corrupted & mismatch) / count,
        "mismatch_precision": np.count_nonzero(corrupted & mismatch) / max(np.count_nonzero(mismatch), 1),
    }


def term_pulls(batch, loss_config, noise, seed=0):
    """{term: (value, sum |dL/dd|, its share on the corrupted pixels)} at the prediction described
    in the module docstring, for each term of `TERMS` with weight 1 (L2 as the quickstart weighs
    it, x `loss_config.weights['l2']` when given, else x1)."""
    import tensorflow as tf

    from common.losses import LOSSES

    rng = np.random.default_rng(seed)
    target, depth = batch["target"], batch["depth"]
    corrupted = batch["error_mask"] > 0.5
    prediction = np.where(corrupted, depth, target + rng.normal(0.0, noise * GREY_LEVEL, target.shape)).astype(
        np.float32
    )
    tensors = {key: tf.constant(value) for key, value in batch.items()}
    pulls = {}
    for name in TERMS:
        weight = (loss_config.weights.get(name) or 1.0) if name == "l2" else 1.0
        variable = tf.Variable(prediction)
        with tf.GradientTape() as tape:
            value = weight * LOSSES[name](tensors["target"], variable, tensors, loss_config.args.get(name, {}))
        gradient = np.abs(tape.gradient(value, variable).numpy())
        pulls[name] = (
            float(value),
            float(gradient.sum()),
            float(gradient[corrupted].sum() / max(gradient.sum(), 1e-30)),
        )
    return pulls


def anatomy(samples, loss_config, noise):
    """The three measurements of the module docstring over `samples` (sample dicts)."""
    import tensorflow as tf

    from common.image_ops import depth_edge_mask

    batch = {key: np.stack([sample[key] for sample in samples]) for key in ("image", "depth", "target", "error_mask")}
    sobel = loss_config.args["sobel"]
    size, iterations = sobel["dilation_size"], sobel["dilation_iterations"]
    depth_edges = depth_edge_mask(tf.constant(batch["depth"]), size, iterations).numpy() > 0.5
    grey = tf.image.rgb_to_grayscale(tf.constant(batch["image"]))
    colour_edges = depth_edge_mask(grey, size, iterations).numpy() > 0.5
    statistics = mask_statistics(batch["error_mask"] > 0.5, depth_edges, colour_edges)
    return statistics, term_pulls(batch, loss_config, noise)


def report(statistics, pulls, label):
    lines = [
        f"{label}:",
        f"  edge mask M: {100 * statistics['fraction']:.1f} % of the pixels; holds {100 * statistics['recall']:.1f} % "
        f"of the corrupted pixels; {100 * statistics['precision']:.1f} % of its pixels are corrupted",
        f"  depth edge without a colour edge: {100 * statistics['mismatch_fraction']:.1f} % of the pixels; holds "
        f"{100 * statistics['mismatch_recall']:.1f} % of the corrupted pixels; "
        f"{100 * statistics['mismatch_precision']:.1f} % of its pixels are corrupted",
        "  loss terms near the identity (value; pull sum |dL/dd| relative to L1's; "
        "its share from the corrupted pixels):",
    ]
    l1_pull = pulls["l1"][1]
    for name, (value, pull, share) in pulls.items():
        lines.append(f"    {name:12s} {value:.3e}; {pull / l1_pull:.3g}; {100 * share:.1f} %")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help="an IGDE experiment YAML")
    parser.add_argument("--split", choices=("train", "test"), default="train")
    parser.add_argument("--samples", type=int, default=64, help="the first N samples of the split (default 64)")
    parser.add_argument("--noise", type=float, default=0.8, help="grey levels of noise on the correct pixels")
    add_overrides(parser)
    args = parser.parse_args(argv)

    def work():
        from commands.registry import load_experiment
        from common.data.loaders import make_loader

        experiment = load_experiment(args.experiment, args.overrides, args.scale)
        require_input_depth(experiment)
        config = experiment.config
        if args.samples < 1 or not np.isfinite(args.noise) or args.noise < 0:
            raise ConfigError(f"--samples {args.samples} --noise {args.noise}: expected >= 1 and a finite noise >= 0")
        length, load = make_loader(config.data, args.split, "enhancement")
        samples = [load(index) for index in range(min(args.samples, length))]
        statistics, pulls = anatomy(samples, config.loss, args.noise)
        height, width = config.data.image_size
        label = f"{config.data.dataset} {args.split}, {len(samples)} samples of {height}x{width}"
        print(report(statistics, pulls, label))

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
