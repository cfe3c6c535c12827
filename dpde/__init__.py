"""DPDE: detail-preserving monocular depth estimation (`../shared/papers/dpde.txt`).

The models are registered in `dpde.registry.MODELS`; importing it (or `dpde.model`) registers the
custom Keras layers a saved `.keras` file needs. The package itself imports nothing, so
`dpde-predict` on an ONNX or LiteRT model runs without TensorFlow.
"""
