"""The parameter counts of FCRN, the modified FCRN and the gradient network (DPDE Table 5);
printed by `python -m commands.parameters`."""

from dpde.fcrn import build_fcrn
from dpde.gradient_net import build_gradient_net
from dpde.presets import PRESETS
from dpde.registry import without_laterals


def parameter_counts(preset):
    """{network: parameter count} of a preset's networks (random weights; nothing downloaded)."""
    depth = {**PRESETS[preset]["depth"], "encoder_weights": "none"}
    return {
        "FCRN": build_fcrn(**without_laterals(depth)).count_params(),
        "modified FCRN": build_fcrn(**{**depth, "lateral_connections": True}).count_params(),
        "gradient network": build_gradient_net(**PRESETS[preset]["gradient"]).count_params(),
    }
