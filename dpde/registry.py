"""The DPDE models by name. Three entries: `fcrn` (FCRN or, with `lateral_connections`, the modified FCRN),
`gradient_net`, and `dpde`, whose depth and gradient networks are trained as separate stages and
joined by IRLS fusion for evaluation and export.
"""

from common.models import ModelSpec, Stage
from dpde import fcrn, gradient_net
from dpde.fcrn import build_fcrn
from dpde.gradient_net import build_gradient_net
from dpde.model import build_dpde
from dpde.presets import PRESETS

DEPTH_KEYS = ("encoder", "encoder_weights", "decoder_width", "fast_upconvolution", "lateral_connections")


def depth_arguments(args):
    return {key: args[key] for key in DEPTH_KEYS}


def fcrn_arguments(args):
    return {**depth_arguments(args), "lateral_connections": False}


def gradient_arguments(args):
    return {"width": args["gradient_width"], "conv_layers": args["gradient_layers"]}


def depth_title(args):
    return "modified FCRN" if args["lateral_connections"] else "FCRN"


def check_dpde_arguments(args):
    """`ModelSpec.check` of DPDE: its depth and gradient networks' checks."""
    fcrn.check_arguments(depth_arguments(args))
    gradient_net.check_arguments(gradient_arguments(args))


def assemble_dpde(networks, args):
    """The DPDE model from its trained depth and gradient networks."""
    return build_dpde(
        networks["depth"],
        networks["gradient"],
        omega=args["irls_omega"],
        eps=args["irls_eps"],
        iterations=args["irls_iterations"],
    )


def build_untrained_dpde(**args):
    """The DPDE model with freshly initialised networks (shapes, parameter counts, tests)."""
    return assemble_dpde(
        {"depth": build_fcrn(**depth_arguments(args)), "gradient": build_gradient_net(**gradient_arguments(args))}, args
    )


MODELS = {
    "fcrn": ModelSpec(
        build=build_fcrn,
        presets={k: depth_arguments(p) for k, p in PRESETS.items()},
        inputs=("image",),
        sample_kind="monocular",
        title="FCRN",
        check=fcrn.check_arguments,
    ),
    "gradient_net": ModelSpec(
        build=build_gradient_net,
        presets={k: gradient_arguments(p) for k, p in PRESETS.items()},
        inputs=("image",),
        sample_kind="monocular",
        title="gradient network",
        check=gradient_net.check_arguments,
        output="gradients",
    ),
    "dpde": ModelSpec(
        build=build_untrained_dpde,
        presets=PRESETS,
        inputs=("image",),
        sample_kind="monocular",
        title="DPDE",
        check=check_dpde_arguments,
        stages=(
            Stage("depth", "fcrn", depth_arguments, depth_title),
            Stage("gradient", "gradient_net", gradient_arguments, lambda args: "gradient network"),
        ),
        assemble=assemble_dpde,
        comparisons={"fcrn": Stage("fcrn", "fcrn", fcrn_arguments, lambda args: "FCRN")},
    ),
}
