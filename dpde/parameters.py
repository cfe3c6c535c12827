"""Prints the parameter counts of FCRN, the modified FCRN and the gradient network (DPDE Table 5).

python -m dpde.parameters [--preset paper|small]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dpde.fcrn import build_fcrn
from dpde.gradient_net import build_gradient_net
from dpde.presets import PRESETS
from dpde.registry import depth_arguments, fcrn_arguments, gradient_arguments


def parameter_counts(preset):
    """{network: parameter count} of a preset's networks (random weights; nothing downloaded)."""
    args = {**PRESETS[preset], "encoder_weights": "none"}
    return {
        "FCRN": build_fcrn(**fcrn_arguments(args)).count_params(),
        "modified FCRN": build_fcrn(**{**depth_arguments(args), "lateral_connections": True}).count_params(),
        "gradient network": build_gradient_net(**gradient_arguments(args)).count_params(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="paper")
    preset = parser.parse_args(argv).preset
    counts = parameter_counts(preset)
    print(f"DPDE Table 5, preset {preset}")
    for name, count in counts.items():
        print(f"{name:<17} {count:>12,d}  ({count / 1e6:.2f}M)")
    print(f"FCRN / gradient network: {counts['FCRN'] / counts['gradient network']:.1f} (paper: 76)")


if __name__ == "__main__":
    main()
