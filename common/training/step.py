"""The compiled train step: forward, weighted loss, backward and update on every replica."""

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
            total, terms = weighted_loss(batch["target"], prediction, batch, loss_config)
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
