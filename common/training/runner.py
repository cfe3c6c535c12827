"""Trains, evaluates and exports one experiment.

One loop serves every `tf.distribute` strategy: a `tf.function` train step run with
`strategy.run`, and a `tf.train.CheckpointManager` (Keras 3 `model.fit` cannot take the
`PerReplica` batches of MultiWorkerMirroredStrategy). Checkpoints are written every
`train.checkpoint_every_steps` steps and at the end of every epoch; TensorFlow writes the data
files before it atomically updates the `checkpoint` index, so a kill at any moment leaves the last
good checkpoint. A restarted run in the same directory continues from the exact step: the training
order depends only on (seed, epoch), and the batches of the current epoch already trained on are
skipped.

Example:
    results = run(load_config("experiments/quickstart.yaml"), registry, "experiments/quickstart.yaml",
                  "runs/quickstart")
"""

import dataclasses
import math
import pathlib
import shutil
import time

import keras
import tensorflow as tf

from common.baselines import FILTERS, baseline_predictor
from common.config import ModelConfig, save_config
from common.data.pipeline import DataPipeline
from common.data.sources import DATASET_KINDS, make_source
from common.errors import ConfigError, TrainingError
from common.export import export_saved_model
from common.losses import LOSSES, loss_applies_to, loss_weights_for, weighted_loss
from common.models import build_model, model_arguments
from common.training.evaluation import BASELINE_TITLES, evaluate, format_table, labelled_rows, make_scorer
from common.training.logs import RunLogger, write_json_atomically
from common.training.optimization import build_optimizer, current_learning_rate
from common.training.precision import (LOSS_SCALED_POLICY, detect_devices, device_line, dtype_policy,
                                       resolve_policy, with_float32_outputs)
from common.training.strategy import is_chief, make_strategy, worker_id


def make_train_step(strategy, model, optimizer, loss_config, inputs, jit_compile=False):
    """The compiled train step: forward, weighted loss, backward and update on every replica.

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
        return {name: strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
                for name, value in values.items()}

    return train_step


BASELINES_BY_KIND = {"enhancement": ("input", *FILTERS), "monocular": ("mean_depth",)}


def make_pipeline(config, sample_kind, train=True):
    """The train and test data of an experiment (`train=False`: the test data only); the test
    ground truth at `eval.resolution`."""
    train_source = make_source(config.data, "train", sample_kind) if train else None
    resolution = config.eval.resolution if sample_kind == "monocular" else "input"
    return DataPipeline(config.data, train_source,
                        make_source(config.data, "test", sample_kind, resolution), sample_kind,
                        single_test_batches=resolution == "original")


class Runner:
    """Holds the strategy, data, model, optimizer and checkpoints of one run directory.

    Args:
        pipeline: the `DataPipeline` to use (the stages of one model share theirs); by default
            one is made from the config.
    """

    def __init__(self, config, registry, source, run_dir, strategy=None, pipeline=None):
        self.config = config
        self.source = source
        self.run_dir = pathlib.Path(run_dir)
        self.strategy = strategy or make_strategy(config.distribute, source)
        self.chief = is_chief(self.strategy)
        self.spec, _ = model_arguments(config.model, registry, source)
        self._check(config)
        self.pipeline = pipeline or make_pipeline(config, self.spec.sample_kind)
        self.scorer = make_scorer(self.spec.sample_kind, self.spec.output, config)
        self.global_batch = config.data.batch_size
        replicas = self.strategy.num_replicas_in_sync
        if self.global_batch % replicas:
            raise ConfigError(f"{source}: data.batch_size: expected a multiple of the {replicas} "
                              f"replicas, got {self.global_batch}")
        self.steps_per_epoch = (config.train.steps_per_epoch
                                or self.pipeline.steps_per_epoch(self.global_batch))
        if self.steps_per_epoch < 1:
            raise ConfigError(f"{source}: data.batch_size: {self.global_batch} is larger than the "
                              f"{self.pipeline.train_size} training samples")
        self.total_steps = config.train.epochs * self.steps_per_epoch

        self.run_dir.mkdir(parents=True, exist_ok=True)
        policy = resolve_policy(config.train.mixed_precision, detect_devices())
        with self.strategy.scope():
            keras.utils.set_random_seed(config.train.seed)
            with dtype_policy(policy):
                _, network = build_model(config.model, registry, source)
            self.model = with_float32_outputs(network) if policy else network
            self.optimizer = build_optimizer(config.optimizer, config.schedule, self.steps_per_epoch,
                                             loss_scaling=policy == LOSS_SCALED_POLICY)
            self.optimizer.build(self.model.trainable_variables)
        # Batches trained: the optimizer's own count stops on the steps loss scaling skips.
        self.trained_steps = tf.Variable(0, dtype=tf.int64, trainable=False, name="trained_steps")
        # The network, not its float32 wrapper: a run resumes whatever its precision.
        self.checkpoint = tf.train.Checkpoint(model=network, optimizer=self.optimizer,
                                              trained_steps=self.trained_steps)
        checkpoint_dir = self.run_dir / "checkpoints"
        if not self.chief:
            checkpoint_dir = self.run_dir / ".workers" / worker_id(self.strategy) / "checkpoints"
        self.manager = tf.train.CheckpointManager(self.checkpoint, str(checkpoint_dir),
                                                  max_to_keep=config.train.keep_checkpoints)
        self.predictor = make_predictor(self.model, self.spec.inputs)
        self._train_step = make_train_step(self.strategy, self.model, self.optimizer,
                                           config.loss, self.spec.inputs, config.train.jit_compile)
        metric_names = list(self.scorer.metrics)
        loss_names = ["loss"] + [f"loss_{name}" for name, w in config.loss.weights.items() if w > 0]
        self.logger = RunLogger(self.run_dir, ["epoch", "step", "learning_rate", *loss_names,
                                               *metric_names, "seconds"]) if self.chief else None

    def _check(self, config):
        check_experiment(config, self.spec, self.source)
        for name, weight in config.loss.weights.items():
            if weight > 0 and not loss_applies_to(name, self.spec.output):
                raise ConfigError(f"{self.source}: loss.weights.{name}: does not apply to a "
                                  f"network that predicts {self.spec.output}")
        data = config.data
        if data.dataset == "synthetic":
            for size, name in zip(data.image_size, ("height", "width")):
                if size % self.spec.stride:
                    raise ConfigError(f"{self.source}: data.image_size: {name} {size} is not a "
                                      f"multiple of the model's stride {self.spec.stride}")
            if data.crop_size and any(c > s for c, s in zip(data.crop_size, data.image_size)):
                raise ConfigError(f"{self.source}: data.crop_size: expected at most "
                                  f"data.image_size {data.image_size}, got {data.crop_size}")

    @property
    def step(self):
        return int(self.trained_steps.numpy())

    def restore(self, required):
        """Restores the newest checkpoint; returns its step (0 when there is none)."""
        latest = self.manager.latest_checkpoint
        if latest is None and self.chief is False:
            latest = tf.train.latest_checkpoint(str(self.run_dir / "checkpoints"))
        if latest is None:
            if required:
                raise ConfigError(f"no checkpoint to resume from in {self.run_dir / 'checkpoints'}")
            return 0
        self.trained_steps.assign(-1)
        self.checkpoint.restore(latest).expect_partial()
        if self.step < 0:  # written before trained_steps was checkpointed: no step was skipped
            self.trained_steps.assign(self.optimizer.iterations)
        return self.step

    def _distributed_epoch(self, epoch, skip_batches):
        dataset = self.pipeline.train_dataset(epoch, self.global_batch, skip_batches).repeat()
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        return iter(self.strategy.experimental_distribute_dataset(dataset.with_options(options)))

    def _save_checkpoint(self):
        """Saves the current step unless it is already the newest checkpoint."""
        latest = self.manager.latest_checkpoint
        if latest is None or int(latest.rsplit("-", 1)[1]) != self.step:
            self.manager.save(checkpoint_number=self.step)

    def train(self):
        """Trains to `train.epochs`, continuing from the newest checkpoint if there is one."""
        config = self.config
        start = self.step
        if start and self.chief:
            print(f"resumed from step {start} ({self.manager.latest_checkpoint})")
        if self.chief:
            save_config(config, self.run_dir / "config.yaml")
        log_every = config.train.log_every_steps
        for epoch in range(start // self.steps_per_epoch, config.train.epochs):
            skip = self.step - epoch * self.steps_per_epoch
            iterator = self._distributed_epoch(epoch, skip)
            progress = keras.utils.Progbar(self.steps_per_epoch, verbose=1 if self.chief else 0,
                                           stateful_metrics=["loss", "images/s"])
            progress.update(skip)
            sums, started = {}, time.perf_counter()
            for index in range(skip, self.steps_per_epoch):
                values = {k: float(v) for k, v in self._train_step(next(iterator)).items()}
                self.trained_steps.assign_add(1)
                if not math.isfinite(values["loss"]):
                    raise TrainingError(
                        f"loss is {values['loss']} at step {self.step}: training stopped; the last "
                        f"good checkpoint is {self.manager.latest_checkpoint or 'none (no checkpoint yet)'}")
                for name, value in values.items():
                    sums[name] = sums.get(name, 0.0) + value
                rate = (index + 1 - skip) * self.global_batch / (time.perf_counter() - started)
                progress.update(index + 1, [("loss", values["loss"]), ("images/s", rate)])
                step = self.step
                if self.chief and step % log_every == 0:
                    self.logger.scalars(step, {f"train/{k}": v for k, v in values.items()}
                                        | {"train/learning_rate": current_learning_rate(self.optimizer)})
                if step % config.train.checkpoint_every_steps == 0:
                    self._save_checkpoint()
            self._save_checkpoint()
            self._end_epoch(epoch, {k: v / max(1, self.steps_per_epoch - skip) for k, v in sums.items()},
                            time.perf_counter() - started)
        return self.step

    def _end_epoch(self, epoch, means, seconds):
        every = self.config.eval.every_epochs
        evaluated = {}
        if every and (epoch + 1) % every == 0:
            evaluated = self.evaluate(baselines=False)["model"]
        if self.chief:
            self.logger.scalars(self.step, {f"test/{k}": v for k, v in evaluated.items()})
            self.logger.epoch_row({"epoch": epoch + 1, "step": self.step,
                                   "learning_rate": current_learning_rate(self.optimizer),
                                   **means, **evaluated, "seconds": round(seconds, 2)})

    def evaluate(self, baselines=True):
        """Scores the model (and, if asked, the configured baselines) on the test split.

        Returns {method: {metric: value}}, with the method "model" for the network.
        """
        methods = {}
        if baselines:
            for name in self.config.eval.baselines:
                methods[name] = baseline_predictor(name, self.config.eval)
        methods["model"] = self.predictor
        results, predictions, batch = evaluate(
            methods, self.pipeline.test_dataset(self.config.eval.batch_size), self.scorer)
        if self.chief:
            self.logger.examples(self.step, batch, predictions["model"], self.config.eval.image_summaries)
        return results

    def report(self, results, command):
        """Prints the result table and writes `metrics.json` (chief only)."""
        if self.chief:
            titles = {**BASELINE_TITLES, "model": self.spec.title}
            write_report(self.run_dir, self.config, self.step, results, titles, self.scorer, command)

    def export(self):
        """The SavedModel under RUN_DIR/export/ and the Keras model as RUN_DIR/model.keras."""
        target = self.run_dir if self.chief else self.run_dir / ".workers" / worker_id(self.strategy)
        export_model(self.model, self.spec, self.config.export, target)

    def close(self):
        if not self.chief:
            shutil.rmtree(self.run_dir / ".workers" / worker_id(self.strategy), ignore_errors=True)


def make_predictor(model, inputs):
    """fn(batch of NumPy arrays) -> the model's prediction (compiled once) as a NumPy array."""
    predict = tf.function(lambda tensors: model(tensors, training=False), reduce_retracing=True)
    return lambda batch: predict({key: batch[key] for key in inputs}).numpy()


def write_report(run_dir, config, step, results, titles, scorer, command):
    """Prints the result table and writes RUN_DIR/metrics.json (with the command, the kind of
    device and the evaluation protocol, for the reproduction report)."""
    print(format_table(results, titles, scorer.metrics, scorer.protocol))
    write_json_atomically(pathlib.Path(run_dir) / "metrics.json", {
        "experiment": config.name, "step": step, "model": config.model.name, "command": command,
        "device": "GPU" if tf.config.list_logical_devices("GPU") else "CPU",
        "protocol": scorer.protocol, "results": labelled_rows(results, titles, scorer.protocol)})


def export_model(model, spec, export_config, target):
    """Writes `target/export/` (SavedModel) and `target/model.keras`, as `export_config` asks."""
    target = pathlib.Path(target)
    target.mkdir(parents=True, exist_ok=True)
    if export_config.saved_model:
        export_saved_model(model, spec, target / "export")
    if export_config.keras_file:
        staging = target / "model.tmp.keras"
        model.save(staging)
        staging.replace(target / "model.keras")


def check_experiment(config, spec, source):
    """Loss names, the data set's kind of sample and the baselines against the model."""
    for name in config.loss.weights:
        if name not in LOSSES:
            raise ConfigError(f"{source}: unknown key 'loss.weights.{name}' "
                              f"(expected one of: {', '.join(LOSSES)})")
    kind = DATASET_KINDS.get(config.data.dataset, spec.sample_kind)
    if kind != spec.sample_kind:
        raise ConfigError(f"{source}: data.dataset: {config.data.dataset} holds {kind} samples, "
                          f"but model {config.model.name} needs {spec.sample_kind} samples")
    allowed = (*BASELINES_BY_KIND[spec.sample_kind], *spec.comparisons)
    for name in config.eval.baselines:
        if name not in allowed:
            raise ConfigError(f"{source}: eval.baselines: {name} does not apply to model "
                              f"{config.model.name} (expected names from: {', '.join(allowed)})")


def run(config, registry, source, run_dir, resume=False, eval_only=False, command=None):
    """Trains (unless `eval_only`), evaluates with baselines, reports and exports.

    Args:
        config: the `ExperimentConfig`.
        registry: {model name: ModelSpec}.
        source: the experiment file, named in error messages.
        run_dir: where checkpoints, logs, metrics and exports go.
        resume, eval_only: require a checkpoint in `run_dir` to continue from or to evaluate.
        command: the command line that ran it, recorded in metrics.json (default: the train.py
            command of `source`).
    Returns:
        {method: {metric: value}} of the final evaluation.
    """
    spec, arguments = model_arguments(config.model, registry, source)
    command = command or f"python train.py {source} --run-dir {run_dir}"
    if config.eval.trained_runs:
        return score_runs(config, registry, source, run_dir, command)
    if spec.stages:
        return run_stages(config, registry, source, run_dir, spec, arguments, resume, eval_only, command)
    if config.train.stages:
        raise ConfigError(f"{source}: train.stages: model {config.model.name} is one network; "
                          "expected null")
    runner = Runner(config, registry, source, run_dir)
    if runner.chief:
        print(device_line(detect_devices(), config.train))
    runner.restore(required=resume or eval_only)
    if not eval_only:
        runner.train()
    results = runner.evaluate(baselines=True)
    runner.report(results, command)
    if not eval_only:
        runner.export()
    runner.close()
    return results


def score_runs(config, registry, source, run_dir, command):
    """`run` for an experiment that trains nothing: scores `eval.trained_runs` and the baselines
    on its test set and writes the table to RUN_DIR/metrics.json."""
    from common.training.trained_runs import score_trained_runs

    results, titles, scorer = score_trained_runs(config, source, config.eval.trained_runs, None, registry)
    run_dir = pathlib.Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_config(config, run_dir / "config.yaml")
    write_report(run_dir, config, None, results, titles, scorer, command)
    return results


def stage_config(config, stage, spec, registry, arguments, source):
    """The experiment of one stage: its network, the loss terms that apply to it, no baselines."""
    network = registry[stage.model]
    weights = loss_weights_for(network.output, config.loss.weights)
    if not any(weight > 0 for weight in weights.values()):
        raise ConfigError(f"{source}: loss.weights: no term for the {stage.title(arguments)} "
                          f"(a network that predicts {network.output})")
    return dataclasses.replace(
        config, model=ModelConfig(stage.model, config.model.preset, stage.arguments(arguments)),
        loss=dataclasses.replace(config.loss, weights=weights),
        eval=dataclasses.replace(config.eval, baselines=[]),
        train=dataclasses.replace(config.train, stages=None))


def run_stages(config, registry, source, run_dir, spec, arguments, resume, eval_only, command):
    """`run` for a model of separately trained networks (DPDE): trains each stage in
    RUN_DIR/<stage>/ (those in `train.stages`, or all), restores the others, then evaluates the
    baselines, the comparison networks, the first stage alone and the assembled model, and
    exports the assembled model."""
    check_experiment(config, spec, source)
    stages = [*spec.stages] + [spec.comparisons[name] for name in config.eval.baselines
                               if name in spec.comparisons]
    names = [stage.name for stage in stages]
    selected = names if config.train.stages is None else config.train.stages
    for name in selected:
        if name not in names:
            raise ConfigError(f"{source}: train.stages: unknown stage '{name}' (expected names "
                              f"from: {', '.join(names)})")
    run_dir = pathlib.Path(run_dir)
    strategy = make_strategy(config.distribute, source)
    pipeline = make_pipeline(config, spec.sample_kind)
    if is_chief(strategy):
        print(device_line(detect_devices(), config.train))
        run_dir.mkdir(parents=True, exist_ok=True)
        save_config(config, run_dir / "config.yaml")
    runners, restored = {}, []
    for stage in stages:
        runner = Runner(stage_config(config, stage, spec, registry, arguments, source), registry,
                        source, run_dir / stage.name, strategy=strategy, pipeline=pipeline)
        training = not eval_only and stage.name in selected
        restored.append(runner.restore(required=not training) > 0)
        runners[stage.name] = runner
    if resume and not any(restored):
        raise ConfigError(f"no checkpoint to resume from in {run_dir}/<stage>/checkpoints")
    for stage in stages:
        if not eval_only and stage.name in selected:
            if runners[stage.name].chief:
                print(f"stage {stage.name}: training the {stage.title(arguments)}")
            runners[stage.name].train()

    first = spec.stages[0]
    assembled = spec.assemble({stage.name: runners[stage.name].model for stage in spec.stages},
                              arguments)
    methods, titles = {}, {"model": spec.title}
    for name in config.eval.baselines:
        if name in spec.comparisons:
            methods[name] = runners[name].predictor
            titles[name] = spec.comparisons[name].title(arguments)
        else:
            methods[name] = baseline_predictor(name, config.eval)
            titles[name] = BASELINE_TITLES[name]
    methods[first.name] = runners[first.name].predictor
    titles[first.name] = first.title(arguments)
    methods["model"] = make_predictor(assembled, spec.inputs)
    scorer = make_scorer(spec.sample_kind, spec.output, config)
    results, _, _ = evaluate(methods, pipeline.test_dataset(config.eval.batch_size), scorer)
    chief = runners[first.name].chief
    if chief:
        write_report(run_dir, config, {name: r.step for name, r in runners.items()}, results,
                     titles, scorer, command)
        if not eval_only:
            export_model(assembled, spec, config.export, run_dir)
            for name in spec.comparisons:  # beside the run, for scoring it on other test sets
                if name in runners:
                    export_model(runners[name].model, registry[spec.comparisons[name].model],
                                 dataclasses.replace(config.export, saved_model=False), run_dir / name)
    for runner in runners.values():
        runner.close()
    return results
