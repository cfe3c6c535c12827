import keras
import numpy as np
import pytest

from igde.model import build_igde
from igde.presets import PRESETS
from igde.rdn import ResidualDenseBlock


def inputs(batch=2, height=24, width=32):
    rng = np.random.default_rng(0)
    return {"image": rng.random((batch, height, width, 3), np.float32),
            "depth": rng.random((batch, height, width, 1), np.float32)}


@pytest.mark.parametrize("preset", ["small", "paper"])
def test_presets_build_with_the_right_shapes(preset):
    model = build_igde(**PRESETS[preset])
    assert model.output_shape == (None, None, None, 1)
    assert model(inputs(1, 16, 20)).shape == (1, 16, 20, 1)
    if preset == "paper":
        rdbs = [layer for layer in model.layers if isinstance(layer, ResidualDenseBlock)]
        assert len(rdbs) == 3 * 16 and all(len(b.dense_convs) == 8 for b in rdbs)
        assert model.count_params() > 60_000_000


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_image_features_enter_the_depth_branch_at_the_last_k_early_layers(k):
    model = build_igde(**{**PRESETS["small"], "image_concat_layers": k})
    guides = sorted(layer.name for layer in model.layers if layer.name.endswith("_guide_fuse"))
    early = ["depth_shallow_1_guide_fuse", "depth_shallow_2_guide_fuse", "depth_rdb_0_guide_fuse"]
    assert guides == sorted(early[3 - k:])


def test_residual_output_starts_near_the_input_depth_and_can_be_switched_off():
    data = inputs()
    model = build_igde(**PRESETS["small"])
    assert model.get_layer("output_residual") is not None
    plain = build_igde(**{**PRESETS["small"], "residual_output": False})
    assert "output_residual" not in [layer.name for layer in plain.layers]
    assert plain(data).shape == model(data).shape


def test_saved_keras_file_reloads_with_the_same_output(tmp_path):
    model = build_igde(**{**PRESETS["small"], "blocks": 1})
    data = inputs()
    path = tmp_path / "igde.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(reloaded(data), model(data), atol=1e-6)
    block = ResidualDenseBlock(8, 4, 2)
    assert ResidualDenseBlock.from_config(block.get_config()).get_config() == block.get_config()


def test_invalid_k_is_refused():
    with pytest.raises(ValueError, match="image_concat_layers"):
        build_igde(**{**PRESETS["small"], "image_concat_layers": 4})
