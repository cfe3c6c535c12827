"""IGDE's Table 1 networks: every preset builds with the right shapes, each trains a few steps
with the runner's train step (the loss falls), DRECNN's output is a * Y + b + D, and each
round-trips through a Keras file."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import igde.registry
from common.config.schema import LossConfig
from common.training.step import make_train_step
from igde.baselines import BUILDERS, PRESETS


def _batch(seed=0, size=(4, 24, 24)):
    rng = np.random.default_rng(seed)
    target = np.repeat(np.linspace(0.2, 0.8, size[2], dtype=np.float32)[None, None, :, None], size[1], 1)
    target = np.repeat(target, size[0], 0)
    depth = np.clip(target + rng.normal(0, 0.05, target.shape), 0, 1).astype(np.float32)
    image = rng.random((*size, 3)).astype(np.float32)
    return {"image": image, "depth": depth, "target": target, "error_mask": np.zeros_like(target)}


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("preset", ["paper", "small"])
def test_presets_build(name, preset):
    model = BUILDERS[name](**PRESETS[name][preset])
    out = model({"image": np.zeros((1, 20, 28, 3), np.float32), "depth": np.zeros((1, 20, 28, 1), np.float32)})
    assert out.shape == (1, 20, 28, 1)
    assert name in igde.registry.MODELS and igde.registry.MODELS[name].sample_kind == "enhancement"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_each_baseline_trains_a_few_steps(name):
    keras.utils.set_random_seed(0)
    model = BUILDERS[name](**PRESETS[name]["small"])
    optimizer = keras.optimizers.Adam(1e-3)
    step = make_train_step(
        tf.distribute.get_strategy(), model, optimizer, LossConfig(weights={"l1": 1.0, "l2": 10.0}), ("image", "depth")
    )
    batch = _batch()
    losses = [float(step(batch)["loss"]) for _ in range(15)]
    assert np.isfinite(losses).all() and np.mean(losses[-3:]) < np.mean(losses[:3])


def test_drecnn_output_is_a_times_luminance_plus_b_plus_depth(tmp_path):
    model = BUILDERS["drecnn"](**PRESETS["drecnn"]["small"])
    layer = model.get_layer("coefficients")
    kernel, _ = layer.get_weights()
    layer.set_weights([np.zeros_like(kernel), np.array([2.0, 0.5], np.float32)])
    batch = _batch(1)
    luminance = batch["image"] @ np.array([0.299, 0.587, 0.114], np.float32)
    out = model({"image": batch["image"], "depth": batch["depth"]}).numpy()
    np.testing.assert_allclose(out[..., 0], 2.0 * luminance + 0.5 + batch["depth"][..., 0], atol=1e-5)
    model.save(tmp_path / "drecnn.keras")
    loaded = keras.models.load_model(tmp_path / "drecnn.keras")
    np.testing.assert_allclose(loaded({"image": batch["image"], "depth": batch["depth"]}).numpy(), out, atol=1e-6)
