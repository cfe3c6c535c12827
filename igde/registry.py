"""The IGDE models by name: IGDE and its comparison networks (Table 1), as `ModelSpec`s."""

from common.models import ModelSpec
from igde import baselines
from igde.model import build_igde, check_arguments
from igde.presets import PRESETS

MODELS = {
    "igde": ModelSpec(
        name="igde",
        build=build_igde,
        presets=PRESETS,
        inputs=("image", "depth"),
        sample_kind="enhancement",
        title="IGDE",
        check=check_arguments,
    ),
    **{
        name: ModelSpec(
            name=name,
            build=build,
            presets=baselines.PRESETS[name],
            inputs=("image", "depth"),
            sample_kind="enhancement",
            title=baselines.TITLES[name],
        )
        for name, build in baselines.BUILDERS.items()
    },
}
