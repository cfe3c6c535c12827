"""FCRN, modified FCRN, gradient network and DPDE: parameter counts (Table 5), the shapes of
every preset, encoder weights and save/load."""

import pathlib
import urllib.error
import urllib.request

import keras
import numpy as np
import pytest

import dpde.registry
from common.errors import ArgumentError
from dpde.encoders import build_encoder
from dpde.fcrn import build_fcrn
from dpde.gradient_net import build_gradient_net
from dpde.parameters import parameter_counts
from dpde.presets import PRESETS
from tests.conftest import tiny_dpde_arguments


def test_paper_parameter_counts_match_laina_and_table_5():
    counts = parameter_counts("paper")
    # Laina et al. 2016 report 63.6M for ResNet-50 + up-projection (ours: 63,654,401).
    assert abs(counts["FCRN"] - 63.6e6) < 0.1e6
    assert counts["modified FCRN"] > counts["FCRN"]
    assert counts["gradient network"] == 845_642
    assert 70 < counts["FCRN"] / counts["gradient network"] < 80  # Table 5: 1/76


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_maps_an_image_to_depth_of_its_size(preset):
    args = {**PRESETS[preset], "depth": {**PRESETS[preset]["depth"], "encoder_weights": "none"}}
    model = dpde.registry.build_untrained_dpde(**args)
    image = np.random.default_rng(0).random((1, 50, 70, 3)).astype(np.float32)
    depth = model({"image": image})
    assert depth.shape == (1, 50, 70, 1)
    gradients = build_gradient_net(**PRESETS[preset]["gradient"])({"image": image})
    assert gradients.shape == (1, 50, 70, 2)


def test_fcrn_without_laterals_is_laina_shaped():
    model = build_fcrn(encoder="resnet_small", decoder_width=32)
    names = [layer.name for layer in model.layers]
    assert sum(name.endswith("_out") for name in names) == 4 and not any("lateral" in n for n in names)
    lateral = build_fcrn(encoder="resnet_small", decoder_width=32, lateral_connections=True)
    assert sum("lateral" in layer.name and layer.name.endswith("_fuse") for layer in lateral.layers) == 4


def test_fcrn_and_modified_fcrn_predict_on_the_same_grid():
    """Table 4 compares them: both decoders end on the stride-2 grid (24x40 for 48x80; the
    uncropped decoder, doubling from ceil(48 / 32) = 2 rows, would have 32), and the final resize
    maps that grid exactly onto the input."""
    image = np.random.default_rng(0).random((1, 48, 80, 3)).astype(np.float32)
    for lateral in (False, True):
        model = build_fcrn(encoder="resnet_small", decoder_width=32, lateral_connections=lateral)
        before_resize = keras.Model(model.input, model.get_layer("depth_conv").output)
        assert before_resize({"image": image}).shape == (1, 24, 40, 1)
        assert model({"image": image}).shape == (1, 48, 80, 1)


@pytest.mark.parametrize("encoder", ["resnet_small", "resnet50"])
def test_encoder_weights_load_from_a_local_file(tmp_path, encoder):
    original = build_encoder(encoder)
    path = tmp_path / f"{encoder}.weights.h5"
    (original.get_layer("resnet50") if encoder == "resnet50" else original).save_weights(path)
    loaded = build_encoder(encoder, str(path))
    for a, b in zip(original.get_weights()[:6], loaded.get_weights()[:6]):
        np.testing.assert_array_equal(a, b)


def test_encoder_weight_errors_say_what_to_do(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="no such file .*missing.h5"):
        build_encoder("resnet_small", str(tmp_path / "missing.h5"))
    wrong = tmp_path / "wrong.weights.h5"
    build_gradient_net(8).save_weights(wrong)
    with pytest.raises(ValueError, match="does not hold resnet_small weights"):
        build_encoder("resnet_small", str(wrong))

    def offline(url, filename):
        pathlib.Path(filename).write_bytes(b"partial")
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    with pytest.raises(ArgumentError, match="could not download .*set model.args.encoder_weights to its path"):
        build_encoder("resnet50", "imagenet")
    assert not list((tmp_path / "keras" / "models").iterdir())  # no partial file left behind


def test_dpde_model_round_trips_through_a_keras_file(tmp_path):
    model = dpde.registry.build_untrained_dpde(**tiny_dpde_arguments())
    image = np.random.default_rng(2).random((1, 32, 48, 3)).astype(np.float32)
    model.save(tmp_path / "dpde.keras")
    loaded = keras.models.load_model(tmp_path / "dpde.keras")
    np.testing.assert_allclose(loaded({"image": image}).numpy(), model({"image": image}).numpy(), atol=1e-5)
