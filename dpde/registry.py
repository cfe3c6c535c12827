"""The DPDE models by name. Three entries: `fcrn` (FCRN or, with `lateral_connections`, the modified
FCRN), `gradient_net`, and `dpde`, whose depth and gradient networks are trained as separate
stages (Sect. 4.1) and joined by IRLS fusion (`build_dpde`) for evaluation and export.

DPDE's recipe, as a run follows it: `model.args.depth` builds the depth network (`build_fcrn`),
trained as the stage `depth`; `model.args.gradient` the gradient network (`build_gradient_net`),
stage `gradient`; `model.args.fusion` joins them (`build_dpde`). The stage `fcrn`, trained only
when `train.stages` names it, is the depth network without the laterals: the plain FCRN of
Tables 1-2.
"""

from common.errors import ArgumentError
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
    """`ModelSpec.check` of DPDE: its depth and gradient networks' checks and the fusion's, each
    error under the key of its network (`gradient.conv_layers: ...`)."""
    for key, check in (("depth", fcrn.check_arguments), ("gradient", gradient_net.check_arguments)):
        try:
            check(args[key])
        except ArgumentError as error:
            raise ArgumentError(f"{key}.{error}") from error
    check_fusion_arguments(args["fusion"])


def check_fusion_arguments(fusion):
    """The IRLS fusion's settings (`build_dpde`, eq. 9-11 of NOTES.md): omega >= 0 (0: the depth
    network alone), eps > 0, at least one iteration (at most 1000)."""
    omega, eps, iterations = fusion["omega"], fusion["eps"], fusion["iterations"]
    if not omega >= 0:
        raise ArgumentError(f"fusion.omega: expected a number >= 0, got {omega}")
    if not eps > 0:
        raise ArgumentError(f"fusion.eps: expected a number > 0, got {eps}")
    if not 1 <= iterations <= 1000:
        raise ArgumentError(f"fusion.iterations: expected an integer in [1, 1000], got {iterations}")


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
