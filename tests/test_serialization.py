"""Every layer the paper packages register, and every model of the registry, round-trips through
its config and a `.keras` file (`tests.serialization.run_serialization_test`)."""

import keras
import numpy as np
import pytest

from commands.registry import MODELS
from common.data.loaders import SAMPLE_CHANNELS
from dpde.layers import CaffePreprocessing, CropToMatch, ResizeToMatch, UpConvolution
from dpde.model import IRLSFusion
from igde.baselines.drecnn import Luminance
from igde.rdn import ResidualDenseBlock
from tests.conftest import tiny_dpde_arguments
from tests.serialization import run_serialization_test

RNG = np.random.default_rng(0)


def _arrays(*shapes):
    return [RNG.random(shape).astype(np.float32) for shape in shapes]


LAYERS = {
    "igde>ResidualDenseBlock": (lambda: ResidualDenseBlock(8, 4, 2, fusion_activation="linear"), [(1, 8, 8, 8)]),
    "igde>Luminance": (Luminance, [(1, 8, 8, 3)]),
    "dpde>UpConvolution": (lambda: UpConvolution(4, fast=False), [(1, 4, 6, 3)]),
    "dpde>CropToMatch": (CropToMatch, [(1, 8, 8, 2), (1, 6, 7, 1)]),
    "dpde>ResizeToMatch": (ResizeToMatch, [(1, 4, 4, 2), (1, 8, 6, 1)]),
    "dpde>CaffePreprocessing": (CaffePreprocessing, [(1, 4, 4, 3)]),
    "dpde>IRLSFusion": (lambda: IRLSFusion(omega=3.0, iterations=4, jit_compile=False), [(1, 8, 8, 1), (1, 8, 8, 2)]),
}
TINY = {
    "igde": {"features": 8, "growth": 8, "block_layers": 2, "blocks": 1},
    "de_cnn": {"features": 8, "conv_layers": 2},
    "den_cbpn": {"features": 8, "branch_layers": 2, "fusion_layers": 2},
    "drecnn": {"features": 8, "branch_layers": 2, "fusion_layers": 2},
    "fcrn": {"decoder_width": 16},
    "gradient_net": {"width": 8},
}


def test_every_registered_layer_has_a_case():
    registered = {name for name in keras.saving.get_custom_objects() if name.split(">")[0] in ("igde", "dpde")}
    assert registered == set(LAYERS)


def test_every_model_of_the_registry_has_a_case():
    assert set(MODELS) == {*TINY, "dpde"}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_round_trips(name, tmp_path):
    build, shapes = LAYERS[name]
    run_serialization_test(build(), _arrays(*shapes), tmp_path)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_round_trips(name, tmp_path):
    spec = MODELS[name]
    arguments = tiny_dpde_arguments() if name == "dpde" else {**spec.presets["small"], **TINY[name]}
    channels = SAMPLE_CHANNELS[spec.sample_kind]
    inputs = {key: _arrays((1, 24, 32, channels[key]))[0] for key in spec.inputs}
    run_serialization_test(spec.build(**arguments), inputs, tmp_path, atol=1e-5)
