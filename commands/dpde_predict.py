"""dpde-predict: monocular depth in metres from RGB images with an exported DPDE (or FCRN) model.

    dpde-predict --model runs/dpde_quickstart/export --image rgb.png --out depth.png
    dpde-predict --model runs/dpde_quickstart/model.keras --image rgb/ --out depth/ --format npy

Outputs: 16-bit PNG holds millimetres; PFM, NPY and the PLY's z hold metres.
"""

import sys

from common.inference import command

UNITS = command.Units(png_scale=1000.0, png_unit="millimetres", depth_input=False, layers_module="dpde.registry")


def main(argv=None):
    return command.main(__doc__.splitlines()[0], UNITS, argv)


if __name__ == "__main__":
    sys.exit(main())
