"""Code both papers share: configuration, data, losses, metrics, training, export.

Importing `common` (every command and test does, before TensorFlow) turns on TensorFlow's oneDNN
kernels unless the environment says otherwise (`TF_ENABLE_ONEDNN_OPTS=0`). TensorFlow enables
them by itself only on CPUs with AVX-512 VNNI, BF16 or AMX; on an AVX2-only CPU it falls back to
Eigen's convolution gradients, and a training step of IGDE's small preset runs 2.3x slower there
(bench/README.md, "Where a CPU step's time goes"). The variable is read when TensorFlow loads, so
it is set here, not in the commands.
"""

import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
