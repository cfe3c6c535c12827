"""igde-enhance: refine depth maps with an exported IGDE model (or one of its comparison networks).

    igde-enhance --model runs/quickstart/export --image rgb.png --depth depth.png --out refined.png
    igde-enhance --model runs/quickstart/model.keras --image rgb/ --depth depth/ --out refined/

Depth values are divided by --depth-scale (default 255 or 65535 for 8/16-bit PNG, 1 for PFM/NPY)
to get the model's [0, 1] units. Outputs: 16-bit PNG holds the refined depth in [0, 1] times 65535;
PFM and NPY hold it in the input's units (times --depth-scale), as does the PLY's z.
"""

import sys

from common.inference import command

UNITS = command.Units(
    png_scale=65535.0, png_unit="[0, 1] depth x 65535", depth_input=True, layers_module="igde.registry"
)


def main(argv=None):
    return command.main(__doc__.splitlines()[0], UNITS, argv)


if __name__ == "__main__":
    sys.exit(main())
