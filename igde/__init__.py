"""IGDE: image-guided depth enhancement (`../shared/papers/igde.txt`)."""

from common.models import ModelSpec
from igde.model import build_igde
from igde.presets import PRESETS

MODELS = {
    "igde": ModelSpec(build=build_igde, presets=PRESETS, inputs=("image", "depth"),
                      sample_kind="enhancement", title="IGDE"),
}
