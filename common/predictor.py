"""A Keras model as a function of NumPy batches, for evaluation, pictures and inference."""

import tensorflow as tf


def make_predictor(model, inputs):
    """fn(batch of NumPy arrays) -> the model's prediction (compiled once) as a NumPy array;
    `inputs` are the batch keys the model takes."""
    predict = tf.function(lambda tensors: model(tensors, training=False), reduce_retracing=True)
    return lambda batch: predict({key: batch[key] for key in inputs}).numpy()
