"""Which worker of a cluster writes the checkpoints, logs and exports."""

import types

import pytest
import tensorflow as tf

from common.training.strategy import is_chief, worker_id

WORKERS = {"worker": ["a:1", "b:1", "c:1"]}
WITH_CHIEF = {"chief": ["z:1"], "worker": ["a:1", "b:1"]}


def _strategy(cluster, task_type, task_id):
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        tf.train.ClusterSpec(cluster), task_type=task_type, task_id=task_id
    )
    return types.SimpleNamespace(cluster_resolver=resolver)


@pytest.mark.parametrize(
    "cluster, task_type, task_id, chief, name",
    [
        (WORKERS, "worker", 0, True, "worker_0"),  # no chief task: worker 0 is the chief
        (WORKERS, "worker", 2, False, "worker_2"),
        (WITH_CHIEF, "chief", 0, True, "chief_0"),
        (WITH_CHIEF, "worker", 0, False, "worker_0"),  # a chief task exists
    ],
)
def test_the_chief_is_the_chief_task_or_else_worker_0(cluster, task_type, task_id, chief, name):
    strategy = _strategy(cluster, task_type, task_id)
    assert is_chief(strategy) is chief
    assert worker_id(strategy) == name


def test_a_local_strategy_is_its_own_chief():
    strategy = tf.distribute.get_strategy()
    assert is_chief(strategy) is True
    assert worker_id(strategy) == "local"
