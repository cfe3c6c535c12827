"""The DPDE model (Sect. 3): depth network + gradient network + IRLS fusion (Sect. 3.3), as one
Keras model for inference and export. The two networks are trained separately, as in the paper
(`common.training.stages` trains each as a stage of `dpde.registry.MODELS["dpde"]`), and joined
here with their trained weights.

Example:
    dpde = build_dpde(depth_net, gradient_net, omega=10.0)
    fused = dpde({"image": images})   # [B, H, W, 1]
"""

import keras
from keras import layers

from common.irls import (
    CG_STEPS_PER_ITERATION,
    CG_TOLERANCE,
    IRLS_MAX_ITERATIONS,
    IRLS_STOP_CHANGE,
    OMEGA,
    PHI_EPS,
    irls_fuse,
)
from dpde.layers import PACKAGE


@keras.saving.register_keras_serializable(package=PACKAGE)
class IRLSFusion(layers.Layer):
    """`common.irls.irls_fuse` of a depth map [B, H, W, 1] and gradients [B, H, W, 2]."""

    def __init__(
        self,
        omega=OMEGA,
        eps=PHI_EPS,
        iterations=IRLS_MAX_ITERATIONS,
        tol=IRLS_STOP_CHANGE,
        cg_iterations=CG_STEPS_PER_ITERATION,
        cg_tol=CG_TOLERANCE,
        jit_compile=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.settings = {
            "omega": omega,
            "eps": eps,
            "iterations": iterations,
            "tol": tol,
            "cg_iterations": cg_iterations,
            "cg_tol": cg_tol,
            "jit_compile": jit_compile,
        }

    def call(self, depth, gradients):
        return irls_fuse(depth, gradients[..., 0:1], gradients[..., 1:2], **self.settings)

    def compute_output_shape(self, depth_shape, gradients_shape):
        return depth_shape

    def get_config(self):
        return {**super().get_config(), **self.settings}


def build_dpde(depth_net, gradient_net, **fusion):
    """Joins a depth network and a gradient network (both {"image"} -> maps) by IRLS fusion;
    `fusion`: `IRLSFusion`'s settings (omega, eps, iterations, ...).

    Returns:
        `keras.Model` {"image": [B, H, W, 3] RGB in [0, 1]} -> [B, H, W, 1] fused depth.
    """
    image = keras.Input((None, None, 3), name="image")
    depth = depth_net({"image": image})
    gradients = gradient_net({"image": image})
    fused = IRLSFusion(name="irls_fusion", **fusion)(depth, gradients)
    return keras.Model({"image": image}, fused, name="dpde")
