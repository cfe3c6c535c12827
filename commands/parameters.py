"""Prints the parameter counts of FCRN, the modified FCRN and the gradient network (DPDE Table 5).

python -m commands.parameters [--preset paper|small]
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dpde.parameters import parameter_counts
from dpde.presets import PRESETS


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
    sys.exit(main())
