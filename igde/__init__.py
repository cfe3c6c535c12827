"""IGDE: image-guided depth enhancement (`../shared/papers/igde.txt`).

The models are registered in `igde.registry.MODELS`; importing it (or `igde.model`) registers the
custom Keras layers a saved `.keras` file needs. The package itself imports nothing, so
`igde-enhance` on an ONNX or LiteRT model runs without TensorFlow.
"""
