"""The compiled train step (forward, weighted loss, backward and update on every replica), and
the compiled loop of several steps that the trainer calls.

Example:
    step = make_train_step(strategy, model, optimizer, loss_config, ("image", "depth"))
    values = step(batch)                                   # {"loss": ..., "loss_l1": ...}
    steps = make_train_steps(step, counter, optimizer, names)
    per_step = steps(iterator, tf.constant(8))             # {"loss": [8], ..., "learning_rate": [8]}
"""

import tensorflow as tf

from common.losses import weighted_loss


def make_train_step(strategy, model, optimizer, loss_config, inputs, jit_compile=False):
    """The train step of `model` under `strategy`.

    Args:
        strategy: the `tf.distribute` strategy the model and optimizer were built in.
        loss_config: the `LossConfig`.
        inputs: the batch keys the model takes.
        jit_compile: compile the forward and backward pass with XLA (the update, which may
            all-reduce across replicas, stays outside).
    Returns:
        A `tf.function` of a (distributed) batch returning {"loss": total, "loss_<term>": ...},
        each the mean over replicas.
    """
    replicas = strategy.num_replicas_in_sync

    def gradients_of(batch):
        with tf.GradientTape() as tape:
            prediction = model({key: batch[key] for key in inputs}, training=True)
            total, terms = weighted_loss(batch["target"], prediction, batch, loss_config.weights, loss_config.args)
            scaled = optimizer.scale_loss(total / replicas)
        return tape.gradient(scaled, model.trainable_variables), total, terms

    if jit_compile:
        gradients_of = tf.function(gradients_of, jit_compile=True)

    def replica_step(batch):
        gradients, total, terms = gradients_of(batch)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return {"loss": total, **{f"loss_{name}": value for name, value in terms.items()}}

    @tf.function
    def train_step(batch):
        values = strategy.run(replica_step, args=(batch,))
        return {name: strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None) for name, value in values.items()}

    return train_step


def make_train_steps(train_step, counter, optimizer, names):
    """A compiled call of `steps` train steps on batches drawn from a (distributed) iterator.

    The host waits for the device once per call, not once per step, so on a GPU the dispatch of
    the next steps overlaps the current ones (`train.steps_per_execution`).

    Args:
        train_step: from `make_train_step`.
        counter: an int64 variable counting the batches trained, incremented on the device.
        optimizer: the optimizer, whose learning rate after each step is recorded.
        names: the keys of `train_step`'s values to record.
    Returns:
        A `tf.function` of (iterator, steps: int32 scalar tensor) returning {name: [steps]
        float32} for `names` and "learning_rate", one entry a step; a tensor `steps` does not
        retrace when the count changes.
    """

    @tf.function
    def train_steps(iterator, steps):
        keys = [*names, "learning_rate"]
        arrays = {name: tf.TensorArray(tf.float32, size=steps) for name in keys}
        for index in tf.range(steps):
            # One step in flight: ten (the default) cost 17 % on 2 cores (bench/README.md).
            tf.autograph.experimental.set_loop_options(parallel_iterations=1)
            values = train_step(next(iterator))
            counter.assign_add(1)
            values["learning_rate"] = optimizer.learning_rate
            arrays = {name: arrays[name].write(index, tf.cast(values[name], tf.float32)) for name in keys}
        return {name: array.stack() for name, array in arrays.items()}

    return train_steps
