"""The DPDE models by name. Three entries: `fcrn` (FCRN or, with `lateral_connections`, the modified
FCRN), `gradient_net`, and `dpde`, whose depth and gradient networks are trained as separate
stages (Sect. 4.1) and joined by IRLS fusion (`build_dpde`) for evaluation and export.

DPDE's recipe, as a run follows it: `model.args.depth` builds the depth network (`build_fcrn`),
trained as the stage `depth`; `model.args.gradient` the gradient network (`build_gradient_net`),
stage `gradient`; `model.args.fusion` joins them (`build_dpde`). The stage `fcrn`, trained only
when `train.stages` names it, is the depth network without the laterals: the plain FCRN of
Tables 1-2.
"""

from common.models import ModelSpec, Stage
from dpde import fcrn, gradient_net
from dpde.fcrn import build_fcrn
from dpde.gradient_net import build_gradient_net
from dpde.model import build_dpde
from dpde.presets import PRESETS


def without_laterals(depth):
    """The plain FCRN's arguments: the depth network's without the U-Net laterals."""
    return {**depth, "lateral_connections": False}


def depth_title(depth):
    return "modified FCRN" if depth["lateral_connections"] else "FCRN"


def check_dpde_arguments(args):
    """`ModelSpec.check` of DPDE: its depth and gradient networks' checks."""
    fcrn.check_arguments(args["depth"])
    gradient_net.check_arguments(args["gradient"])


def assemble_dpde(networks, args):
    """The DPDE model from its trained depth and gradient networks."""
    return build_dpde(networks["depth"], networks["gradient"], **args["fusion"])


def build_untrained_dpde(**args):
    """The DPDE model with freshly initialised networks (shapes, parameter counts, tests)."""
    return assemble_dpde(
        {"depth": build_fcrn(**args["depth"]), "gradient": build_gradient_net(**args["gradient"])}, args
    )


def network_spec(name, module, build, key, title, output="depth"):
    """The `ModelSpec` of one of DPDE's networks, its presets those under `key` of DPDE's."""
    presets = {preset: arguments[key] for preset, arguments in PRESETS.items()}
    return ModelSpec(name, build, presets, ("image",), "monocular", title, module.check_arguments, output)


FCRN = network_spec("fcrn", fcrn, build_fcrn, "depth", "FCRN")
GRADIENT_NET = network_spec(
    "gradient_net", gradient_net, build_gradient_net, "gradient", "gradient network", "gradients"
)
DPDE = ModelSpec(
    name="dpde",
    build=build_untrained_dpde,
    presets=PRESETS,
    inputs=("image",),
    sample_kind="monocular",
    title="DPDE",
    check=check_dpde_arguments,
    stages=(
        Stage("depth", FCRN, depth_title),
        Stage("gradient", GRADIENT_NET, lambda args: "gradient network"),
    ),
    assemble=assemble_dpde,
    comparisons={"fcrn": Stage("fcrn", FCRN, lambda args: "FCRN", source="depth", arguments=without_laterals)},
)
MODELS = {spec.name: spec for spec in (FCRN, GRADIENT_NET, DPDE)}
