"""IGDE's Table 1 comparison networks, rebuilt from their descriptions (NOTES.md): DE-CNN,
DRECNN and DEN+CBPN. Their sizes are not in the IGDE text; the `paper` presets use 64 channels
(a reconstruction), the `small` presets 16."""

from igde.baselines.de_cnn import build_de_cnn
from igde.baselines.den_cbpn import build_den_cbpn
from igde.baselines.drecnn import build_drecnn

PRESETS = {
    "de_cnn": {
        "paper": {"features": 64, "conv_layers": 10, "residual_output": False},
        "small": {"features": 16, "conv_layers": 6, "residual_output": False},
    },
    "drecnn": {
        "paper": {"features": 64, "branch_layers": 8, "fusion_layers": 11},
        "small": {"features": 16, "branch_layers": 3, "fusion_layers": 3},
    },
    "den_cbpn": {
        "paper": {"features": 64, "branch_layers": 5, "fusion_layers": 5, "residual_output": False},
        "small": {"features": 16, "branch_layers": 3, "fusion_layers": 2, "residual_output": False},
    },
}
BUILDERS = {"de_cnn": build_de_cnn, "drecnn": build_drecnn, "den_cbpn": build_den_cbpn}
TITLES = {"de_cnn": "DE-CNN", "drecnn": "DRECNN", "den_cbpn": "DEN+CBPN"}
