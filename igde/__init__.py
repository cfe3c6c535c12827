"""IGDE: image-guided depth enhancement ("An image-guided network for depth
edge enhancement", EURASIP Journal on Image and Video Processing 2022; NOTES.md).

The models are registered in `igde.registry.MODELS`; importing it (or `igde.model`) registers the
custom Keras layers a saved `.keras` file needs. The package itself imports nothing, so
`igde-enhance` on an ONNX or LiteRT model runs without TensorFlow.
"""
