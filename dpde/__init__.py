"""DPDE: detail-preserving monocular depth estimation (Xu and Liu,
"Detail-preserving depth estimation from a single image based on modified fully convolutional
residual network and gradient network", SN Applied Sciences 2021; NOTES.md).

The models are registered in `dpde.registry.MODELS`; importing it (or `dpde.model`) registers the
custom Keras layers a saved `.keras` file needs. The package itself imports nothing, so
`dpde-predict` on an ONNX or LiteRT model runs without TensorFlow.
"""
