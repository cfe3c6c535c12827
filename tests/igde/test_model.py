import keras
import numpy as np
import pytest

from common.training.precision import dtype_policy
from igde.model import build_igde
from igde.presets import PRESETS
from igde.rdn import ResidualDenseBlock


def inputs(batch=2, height=24, width=32):
    rng = np.random.default_rng(0)
    return {
        "image": rng.random((batch, height, width, 3), np.float32),
        "depth": rng.random((batch, height, width, 1), np.float32),
    }


@pytest.mark.parametrize("preset, blocks, layers", [("small", 2, 3), ("paper", 4, 2), ("rdn", 16, 8)])
def test_presets_build_with_the_right_shapes(preset, blocks, layers):
    model = build_igde(**PRESETS[preset])
    assert model.output_shape == (None, None, None, 1)
    assert model(inputs(1, 16, 20)).shape == (1, 16, 20, 1)
    rdbs = [layer for layer in model.layers if isinstance(layer, ResidualDenseBlock)]
    assert len(rdbs) == 3 * blocks and all(len(b.dense_convs) == layers for b in rdbs)
    if preset == "rdn":
        assert model.count_params() > 60_000_000


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_every_fusion_conv_takes_the_fusion_activation(activation):
    model = build_igde(**{**PRESETS["small"], "fusion_activation": activation})
    rdbs = [layer for layer in model.layers if isinstance(layer, ResidualDenseBlock)]
    global_fusions = [layer for layer in model.layers if "_global_fusion_" in layer.name]
    assert len(global_fusions) == 2 * 3
    for conv in [block.local_fusion for block in rdbs] + global_fusions:
        assert conv.activation.__name__ == activation
    others = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D) and layer not in global_fusions and layer.name != "output"
    ]
    assert others and all(conv.activation.__name__ == "relu" for conv in others)


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_image_features_enter_the_depth_branch_at_the_last_k_early_layers(k):
    model = build_igde(**{**PRESETS["small"], "image_concat_layers": k})
    guides = sorted(layer.name for layer in model.layers if layer.name.endswith("_guide_fuse"))
    early = ["depth_shallow_1_guide_fuse", "depth_shallow_2_guide_fuse", "depth_rdb_0_guide_fuse"]
    assert guides == sorted(early[3 - k :])


def test_presets_restore_depth_by_a_1x1_conv_and_the_residual_option_starts_as_the_identity():
    data = inputs()
    for preset in PRESETS.values():
        assert preset["residual_output"] is False  # "restored to a depth map by a 1 x 1 convolution"
    plain = build_igde(**PRESETS["small"])
    assert "output_residual" not in [layer.name for layer in plain.layers]
    assert not np.allclose(plain(data), data["depth"], atol=1e-3)
    residual = build_igde(**{**PRESETS["small"], "residual_output": True})
    np.testing.assert_array_equal(residual(data), data["depth"])  # zero correction, ReLU of depth >= 0
    assert plain(data).shape == residual(data).shape


def test_the_output_path_computes_in_float32_under_bfloat16():
    # 8-bit depth: a bfloat16 add would round 8 significant bits away (up to 0.5 grey levels).
    rng = np.random.default_rng(0)
    data = {
        "image": rng.random((2, 24, 32, 3), dtype=np.float32),
        "depth": (rng.integers(0, 256, (2, 24, 32, 1)) / 255.0).astype(np.float32),
    }
    with dtype_policy("mixed_bfloat16"):
        residual = build_igde(**{**PRESETS["small"], "residual_output": True})
        plain = build_igde(**PRESETS["small"])
    for model in (residual, plain):
        output_layers = [layer for layer in model.layers if layer.name.startswith("output")]
        assert output_layers and all(layer.dtype_policy.compute_dtype == "float32" for layer in output_layers)
        assert model(data).dtype == "float32"
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(residual(data)), data["depth"])


def test_saved_keras_file_reloads_with_the_same_output(tmp_path):
    model = build_igde(**{**PRESETS["small"], "blocks": 1})
    data = inputs()
    path = tmp_path / "igde.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(reloaded(data), model(data), atol=1e-6)
    block = ResidualDenseBlock(8, 4, 2, fusion_activation="linear")
    assert ResidualDenseBlock.from_config(block.get_config()).get_config() == block.get_config()


def test_invalid_k_is_refused():
    with pytest.raises(ValueError, match="image_concat_layers"):
        build_igde(**{**PRESETS["small"], "image_concat_layers": 4})


def test_without_image_fusion_and_concatenation_the_output_ignores_the_colour_image():
    model = build_igde(**{**PRESETS["small"], "image_concat_layers": 0, "fuse_image_features": False})
    data = inputs()
    other_colour = {**data, "image": 1.0 - data["image"]}
    np.testing.assert_array_equal(model(data), model(other_colour))
    fused = build_igde(**{**PRESETS["small"], "image_concat_layers": 0})
    assert not np.allclose(fused(data), fused(other_colour))


def test_the_direct_output_starts_alive_under_its_relu():
    # 8 channels and one block: with Keras's default output init this network starts at 0 at 88 %
    # of the pixels (seed 1).
    for seed in range(3):
        keras.utils.set_random_seed(seed)
        model = build_igde(**{**PRESETS["small"], "features": 8, "growth": 8, "block_layers": 2, "blocks": 1})
        assert np.all(keras.ops.convert_to_numpy(model(inputs())) > 0)
