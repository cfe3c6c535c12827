"""Trains one network of an experiment in one run directory: the loop, checkpoints, the per-epoch
logs and validation metrics, and the final test.

One loop serves every `tf.distribute` strategy: a `tf.function` train step run with
`strategy.run`, and a `tf.train.CheckpointManager` (Keras 3 `model.fit` cannot take the
`PerReplica` batches of MultiWorkerMirroredStrategy). Checkpoints are written every
`train.checkpoint_every_steps` steps and at the end of every epoch; TensorFlow writes the data
files before it atomically updates the `checkpoint` index, so a kill at any moment leaves the last
good checkpoint. A restarted run in the same directory continues from the exact step: the training
order depends only on (seed, epoch), and the batches of the current epoch already trained on are
skipped.

Example:
    trainer = Trainer(config, model, "experiments/quickstart.yaml", "runs/quickstart")
    trainer.restore(required=False)
    trainer.train()
    tables = trainer.evaluate()  # {protocol: {method: metrics}}
"""

import os
import pathlib
import shutil
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf
from google.protobuf import text_format

from common.config.schema import OWN_PROTOCOL
from common.data.pipeline import make_pipeline
from common.errors import ConfigError, SystemFault, TrainingError
from common.evaluation.scoring import make_scorers, score_split
from common.export import export_model
from common.outputs import hold_run_directory
from common.predictor import make_predictor
from common.training.learning import gain_line, not_learning_warning
from common.training.logs import RunLogger
from common.training.optimization import build_optimizer, current_learning_rate
from common.training.precision import (
    LOSS_SCALED_POLICY,
    detect_devices,
    dtype_policy,
    resolve_policy,
    with_float32_outputs,
)
from common.training.step import make_train_step, make_train_steps
from common.training.strategy import is_chief, make_strategy, worker_id


def checkpoint_prefixes(directory):
    """The checkpoints in `directory`, newest first, found by their `ckpt-N.index` files (the
    `checkpoint` index file may name a missing one or be damaged)."""
    steps = []
    for path in pathlib.Path(directory).glob("ckpt-*.index"):
        number = path.stem.removeprefix("ckpt-")
        if number.isascii() and number.isdigit():  # not "ckpt-²", which int() refuses
            steps.append(int(number))
    return [str(pathlib.Path(directory) / f"ckpt-{step}") for step in sorted(steps, reverse=True)]


def open_checkpoint_manager(checkpoint, directory, keep):
    """A `tf.train.CheckpointManager` of `directory`; an unreadable `checkpoint` index file is
    moved aside to `checkpoint.damaged` (`.2`, `.3`, ... beside an earlier one; one line says so),
    since the manager cannot start on it and the checkpoints are found by their own files. An
    index that names a checkpoint outside `directory` is a ConfigError: the manager's rotation
    deletes the checkpoints it names, and those would be another run's."""
    index = pathlib.Path(directory) / "checkpoint"
    try:
        manager = tf.train.CheckpointManager(checkpoint, str(directory), max_to_keep=keep)
    except (UnicodeDecodeError, ValueError, text_format.ParseError) as error:
        kept = next(
            index.with_name(name)
            for name in ("checkpoint.damaged", *(f"checkpoint.damaged.{n}" for n in range(2, 10**6)))
            if not os.path.lexists(index.with_name(name))
        )
        os.replace(index, kept)  # never over an earlier damaged index or a user's file
        print(f"{index}: unreadable ({str(error).splitlines()[0][:120]}); kept as {kept.name}")
        return tf.train.CheckpointManager(checkpoint, str(directory), max_to_keep=keep)
    own = pathlib.Path(directory).resolve()
    for prefix in [manager.latest_checkpoint, *manager.checkpoints]:
        if prefix and pathlib.Path(prefix).resolve().parent != own:
            raise ConfigError(
                f"{index}: names the checkpoint {prefix}, outside {directory}; a run's index names its own "
                "checkpoints only (fix or remove the index: the checkpoints are found by their files)"
            )
    return manager


def set_op_determinism(enabled):
    """TensorFlow's op determinism on or off for this process (`train.deterministic`): public
    TensorFlow only turns it on, so a process that trains two experiments (a test session, a
    notebook) switches it with the function TensorFlow's own tests use."""
    from tensorflow.python.framework import config as tf_config

    if enabled:
        tf.config.experimental.enable_op_determinism()
    else:
        tf_config.disable_op_determinism()


class Trainer:
    """Holds the strategy, data, model, optimizer and checkpoints of one run directory.

    Args:
        experiment: the `Experiment` of the network (`common.experiment`; a stage's own for a
            model of separately trained networks).
        run_dir: where checkpoints, logs and exports go.
        strategy, pipeline: shared by the stages of one model; by default made from the config.
    """

    def __init__(self, experiment, run_dir, strategy=None, pipeline=None):
        config, model, experiment_path = experiment.config, experiment.model, experiment.path
        self.config = config
        self.experiment_path = experiment_path
        self.run_dir = pathlib.Path(run_dir)
        self.strategy = strategy or make_strategy(config.distribute, experiment_path)
        self.chief = is_chief(self.strategy)
        self.spec = model.spec
        self.pipeline = pipeline or make_pipeline(config, self.spec.sample_kind)
        # Every protocol of the experiment; the own protocol's scorer is the one used during training.
        self.scorers = make_scorers(self.spec.sample_kind, self.spec.output, config)
        self.scorer = self.scorers[OWN_PROTOCOL]
        self.global_batch = config.data.batch_size
        replicas = self.strategy.num_replicas_in_sync
        if self.global_batch % replicas:
            raise ConfigError(
                f"{experiment_path}: data.batch_size: expected a multiple of the "
                f"{replicas} replicas, got {self.global_batch}"
            )
        if self.pipeline.steps_per_epoch(self.global_batch) < 1:  # also with train.steps_per_epoch set
            raise ConfigError(
                f"{experiment_path}: data.batch_size: {self.global_batch} is larger "
                f"than the {self.pipeline.train_size} training samples (data.val_size of them validate)"
            )
        self.steps_per_epoch = config.train.steps_per_epoch or self.pipeline.steps_per_epoch(self.global_batch)

        self.lock = hold_run_directory(self.run_dir) if self.chief else None
        # A worker other than the chief writes its copies of the checkpoints and exports (which
        # MultiWorkerMirroredStrategy needs every worker to write) to a folder of its own outside
        # the run, removed when it ends: only the chief writes in the run directory.
        self.worker_dir = (
            None if self.chief else pathlib.Path(tempfile.mkdtemp(prefix=f"depthrepro-{worker_id(self.strategy)}-"))
        )
        self.restored_from = None
        policy = resolve_policy(config.train.mixed_precision, detect_devices())
        set_op_determinism(config.train.deterministic)
        with self.strategy.scope():
            keras.utils.set_random_seed(config.train.seed)
            with dtype_policy(policy):
                network = model.build(experiment_path)
            self.model = with_float32_outputs(network) if policy else network
            self.optimizer = build_optimizer(
                config.optimizer, config.schedule, self.steps_per_epoch, loss_scaling=policy == LOSS_SCALED_POLICY
            )
            self.optimizer.build(self.model.trainable_variables)
        # Batches trained: the optimizer's own count stops on the steps loss scaling skips.
        self.trained_steps = tf.Variable(0, dtype=tf.int64, trainable=False, name="trained_steps")
        # The network, not its float32 wrapper: a run resumes whatever its precision.
        self.checkpoint = tf.train.Checkpoint(model=network, optimizer=self.optimizer, trained_steps=self.trained_steps)
        checkpoint_dir = (self.run_dir if self.chief else self.worker_dir) / "checkpoints"
        self.manager = open_checkpoint_manager(self.checkpoint, checkpoint_dir, config.train.keep_checkpoints)
        self.predictor = make_predictor(self.model, self.spec.inputs)
        self._train_step = make_train_step(
            self.strategy, self.model, self.optimizer, config.loss, self.spec.inputs, config.train.jit_compile
        )
        loss_names = ["loss"] + [f"loss_{name}" for name, w in config.loss.weights.items() if w > 0]
        self._train_steps = make_train_steps(self._train_step, self.trained_steps, self.optimizer, loss_names)
        # An enhancement network is compared with its input at every validation during training.
        self.compares_with_input = self.spec.sample_kind == "enhancement"
        self.input_scores = None
        self.warned_not_learning = False
        input_levels = [f"input_{name}" for name in self.scorer.metrics] if self.compares_with_input else []
        self.logger = (
            RunLogger(
                self.run_dir,
                ["epoch", "step", "learning_rate", *loss_names, *self.scorer.metrics, *input_levels, "seconds"],
            )
            if self.chief
            else None
        )

    @property
    def step(self):
        return int(self.trained_steps.numpy())

    def restore(self, required):
        """Restores the newest checkpoint that reads; returns its step (0 when there is none).

        A damaged checkpoint (a truncated or empty data or index file) is skipped with one line
        naming it and the reason, and the next older one is tried; a checkpoint of a model of
        other sizes, or none that reads, is a ConfigError."""
        directories = [pathlib.Path(self.manager.directory)]
        if not self.chief:  # a worker joining a run starts from the chief's checkpoints
            directories.append(self.run_dir / "checkpoints")
        candidates = [prefix for directory in directories for prefix in checkpoint_prefixes(directory)]
        if not candidates:
            if required:
                raise ConfigError(f"no checkpoint to resume from in {self.run_dir / 'checkpoints'}")
            return 0
        for prefix in candidates:
            try:
                self.checkpoint.restore(prefix).expect_partial()
            except ValueError as error:
                if "shape" in str(error):
                    # The half-restored checkpoint would log ~190 warnings of unrestored values
                    # when the process ends, after the one error line.
                    tf.get_logger().setLevel("ERROR")
                    raise ConfigError(
                        f"{prefix}: saved from a model of other sizes than {self.experiment_path} builds "
                        f"({str(error).splitlines()[0][:200]}); resume with the run's own settings"
                    ) from error
                reason = error
            except (tf.errors.OpError, IndexError) as error:
                reason = error
            else:
                self.restored_from = prefix
                return self.step
            if self.chief:
                print(f"skipped checkpoint {prefix}: unreadable ({str(reason).splitlines()[0][:200]})")
        raise ConfigError(f"{self.run_dir / 'checkpoints'}: no checkpoint reads (tried {len(candidates)}, see above)")

    def _distributed_epoch(self, epoch, skip_batches):
        dataset = self.pipeline.train_dataset(epoch, self.global_batch, skip_batches).repeat()
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        return iter(self.strategy.experimental_distribute_dataset(dataset.with_options(options)))

    def _save_checkpoint(self):
        """Saves the current step unless it is already the newest checkpoint."""
        latest = self.manager.latest_checkpoint
        if latest is None or pathlib.Path(latest).name != f"ckpt-{self.step}":
            try:
                self.manager.save(checkpoint_number=self.step)
            except tf.errors.OpError as error:
                raise SystemFault(
                    f"{self.manager.directory}: could not write the checkpoint of step {self.step} "
                    f"({str(error).splitlines()[0][:200]})"
                ) from error

    def train(self):
        """Trains to `train.epochs`, continuing from the newest checkpoint if there is one.

        Each compiled call runs up to `train.steps_per_execution` steps, never past the end of the
        epoch or the next checkpoint, and returns every step's values: the host logs them at
        their own steps and stops at the first call holding a non-finite loss, naming its step."""
        config = self.config
        start = self.step
        if start and self.chief:
            print(f"resumed from step {start} ({self.restored_from})")
        every = config.train.checkpoint_every_steps
        for epoch in range(start // self.steps_per_epoch, config.train.epochs):
            skip = self.step - epoch * self.steps_per_epoch
            iterator = self._distributed_epoch(epoch, skip)
            progress = keras.utils.Progbar(
                self.steps_per_epoch, verbose=1 if self.chief else 0, stateful_metrics=["loss", "images/s"]
            )
            progress.update(skip)
            sums, started = {}, time.perf_counter()
            index = skip
            while index < self.steps_per_epoch:
                first = self.step
                steps = min(config.train.steps_per_execution, self.steps_per_epoch - index, every - first % every)
                values = {k: v.numpy() for k, v in self._train_steps(iterator, tf.constant(steps)).items()}
                self._record_steps(first, values, sums)
                index += steps
                rate = (index - skip) * self.global_batch / (time.perf_counter() - started)
                progress.update(index, [("loss", float(values["loss"][-1])), ("images/s", rate)])
                if self.step % every == 0 and index < self.steps_per_epoch:
                    self._save_checkpoint()
            # The epoch's checkpoint comes after its test and its metrics.csv row: a run killed
            # in between resumes before the epoch's end and writes them again.
            self._end_epoch(
                epoch,
                {k: v / max(1, self.steps_per_epoch - skip) for k, v in sums.items()},
                time.perf_counter() - started,
            )
            self._save_checkpoint()
        return self.step

    def _record_steps(self, first, values, sums):
        """Adds one call's per-step `values` ({name: [steps]}, the steps after step `first`) to
        the epoch's `sums` and logs those at `train.log_every_steps`; a non-finite loss stops
        training, naming its step."""
        losses = values["loss"]
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            raise TrainingError(
                f"loss is {losses[bad[0]]} at step {first + bad[0] + 1}: training stopped; the last "
                f"good checkpoint is {self.manager.latest_checkpoint or 'none (no checkpoint yet)'}"
            )
        losses_only = {name: series for name, series in values.items() if name != "learning_rate"}
        for name, series in losses_only.items():
            sums[name] = sums.get(name, 0.0) + float(np.sum(series, dtype=np.float64))
        if not self.chief:
            return
        log_every = self.config.train.log_every_steps
        for offset in range(len(losses)):
            step = first + offset + 1
            if step % log_every == 0:
                self.logger.scalars(
                    step,
                    {f"train/{name}": float(series[offset]) for name, series in losses_only.items()}
                    | {"train/learning_rate": float(values["learning_rate"][offset])},
                )

    def _end_epoch(self, epoch, means, seconds):
        every = self.config.eval.every_epochs
        tested = {}
        if every and (epoch + 1) % every == 0:
            tested = self._validate(epoch + 1)
        if self.chief:
            self.logger.scalars(self.step, {f"val/{k}": v for k, v in tested.items()})
            self.logger.epoch_row(
                {
                    "epoch": epoch + 1,
                    "step": self.step,
                    "learning_rate": current_learning_rate(self.optimizer),
                    **means,
                    **tested,
                    "seconds": round(seconds, 2),
                }
            )

    def _validate(self, epoch):
        """The model's metrics on the validation split after `epoch` (training never reads the
        test split); for an enhancement network also the input's levels there (scored once), a
        line with the gains over them and, once, a not-learning warning."""
        first = self.compares_with_input and self.input_scores is None
        results = self.validation_scores(baselines=["input"] if first else [])
        if first:
            self.input_scores = results["input"]
        tested = results["model"]
        if not self.compares_with_input:
            return tested
        if self.chief:
            print(gain_line(tested, self.input_scores, epoch))
            warning = not_learning_warning(tested, self.input_scores, epoch, self.config.train.epochs)
            if warning and not self.warned_not_learning:
                print(warning)
                self.warned_not_learning = True
        return tested | {f"input_{name}": self.input_scores.get(name) for name in self.scorer.metrics}

    def validation_scores(self, baselines):
        """Scores the model and the baselines named in `baselines` on the validation split under
        the experiment's own protocol. Returns {method: {metric: value}}, "model" the network's."""
        return self._score(baselines, {OWN_PROTOCOL: self.scorer}, "val").tables[OWN_PROTOCOL]

    def evaluate(self):
        """The final evaluation, the only one on the test split: the model and `eval.baselines`
        under every protocol of the experiment, in one pass. Returns `TestScores`."""
        return self._score(self.config.eval.baselines, self.scorers, "test")

    def _score(self, baselines, scorers, split):
        networks = {"model": (self.spec.title, self.predictor)}
        scores = score_split(self.config, self.pipeline, networks, baselines, scorers, split=split)
        if self.chief:
            self.logger.examples(self.step, scores.batch, scores.predictions["model"], self.config.eval.image_summaries)
        return scores

    def export(self):
        """The SavedModel under RUN_DIR/export/ and the Keras model as RUN_DIR/model.keras."""
        export_model(self.model, self.spec, self.config.export, self.run_dir if self.chief else self.worker_dir)

    def close(self):
        if not self.chief:
            shutil.rmtree(self.worker_dir, ignore_errors=True)
        if self.lock:
            self.lock.release()
