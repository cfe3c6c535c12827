"""A model of separately trained networks (DPDE, Sect. 4.1: the depth and gradient networks are
trained apart, then joined by IRLS fusion): each network is a *stage* trained in its own
sub-directory of the run.

The networks of a run are the model's stages (`ModelSpec.stages`) and the comparison networks
(`ModelSpec.comparisons`, DPDE's plain FCRN) that `train.stages` names or that the run directory
already holds. `train.stages` names the networks to train (null: the model's stages); the others
are restored from their checkpoints.
"""

import dataclasses
import pathlib

from common.baselines import baseline_methods
from common.config import ModelConfig, save_config, stage_experiment
from common.data.pipeline import make_pipeline
from common.errors import ConfigError
from common.export import export_model
from common.losses import loss_weights_for
from common.predictor import make_predictor
from common.training.evaluation import make_scorers, score_methods
from common.training.precision import detect_devices, device_line
from common.training.run_lock import hold_run_directory
from common.training.strategy import is_chief, make_strategy
from common.training.trainer import Trainer


def stage_config(config, name, network):
    """The experiment of the stage `name` whose network is the `ResolvedModel` `network`: the
    experiment with the stage's own settings (`stage_settings.<name>`, checked with the rest of
    the file by `common.experiment.check_experiment`), its model, the loss terms that apply to it,
    no baselines."""
    staged = stage_experiment(config, name, "experiment")
    weights = loss_weights_for(network.spec.output, staged.loss.weights)
    return dataclasses.replace(
        staged,
        model=ModelConfig(network.spec.name, config.model.preset, network.arguments),
        loss=dataclasses.replace(staged.loss, weights=weights),
        eval=dataclasses.replace(config.eval, baselines=[]),
        train=dataclasses.replace(staged.train, stages=None),
    )


def twin_stages(config, model):
    """{comparison stage name: model stage name} of the comparison networks that would train
    exactly a model stage's network (DPDE's plain FCRN when the depth network has no laterals
    and the same loss): nothing is trained twice."""
    arguments = model.arguments
    return {
        name: stage.name
        for name, comparison in model.spec.comparisons.items()
        for stage in model.spec.stages
        if stage_config(config, name, comparison.resolve(arguments))
        == stage_config(config, stage.name, stage.resolve(arguments))
    }


def trained_stage_names(config, spec):
    """The stages `config` trains: `train.stages`, or the model's own stages when it is null."""
    if config.train.stages is None:
        return [stage.name for stage in spec.stages]
    return list(config.train.stages)


def run_stages(config, model, experiment_path, run_dir, resume, eval_only):
    """Trains the stages to train (none when `eval_only`), restores the others, and scores the
    baselines, the comparison networks, the first stage alone and the assembled model.

    Returns:
        (tables {protocol: {name: {metric: value}}}, row titles {name: title}, {protocol:
         scorer}, the assembled model, {stage name: its Trainer}, the run directory's `RunLock` (None off the chief),
         which the caller releases when it has written the run's files).
    """
    run_dir = pathlib.Path(run_dir)
    spec, arguments = model.spec, model.arguments
    trained = [] if eval_only else trained_stage_names(config, spec)
    twins = twin_stages(config, model)
    comparisons = [
        stage
        for name, stage in spec.comparisons.items()
        if name not in twins and (name in trained or (run_dir / name / "checkpoints").is_dir())
    ]
    strategy = make_strategy(config.distribute, experiment_path)
    chief = is_chief(strategy)
    if chief:
        for name, twin in twins.items():
            print(f"stage {name}: the same network, loss and seed as stage {twin}; trained and scored once, as {twin}")
    lock = hold_run_directory(run_dir) if chief else None
    if chief:
        print(device_line(detect_devices(), config.train))
    pipeline = make_pipeline(config, spec.sample_kind)
    trainers, restored = {}, []
    for stage in (*spec.stages, *comparisons):
        network = stage.resolve(arguments)
        trainer = Trainer(
            stage_config(config, stage.name, network),
            network,
            experiment_path,
            run_dir / stage.name,
            strategy=strategy,
            pipeline=pipeline,
        )
        restored.append(trainer.restore(required=stage.name not in trained) > 0)
        trainers[stage.name] = trainer
    if chief:
        run_dir.mkdir(parents=True, exist_ok=True)
        save_config(config, run_dir / "config.yaml")
    if resume and not any(restored):
        raise ConfigError(f"no checkpoint to resume from in {run_dir}/<stage>/checkpoints")
    for stage in (*spec.stages, *comparisons):
        if stage.name in trained:
            if chief:
                print(f"stage {stage.name}: training the {stage.row_title(arguments)}")
            trainers[stage.name].train()

    first = spec.stages[0]
    assembled = spec.assemble({stage.name: trainers[stage.name].model for stage in spec.stages}, arguments)
    methods, titles = baseline_methods(config.eval.baselines, config.eval)
    for stage in comparisons:
        methods[stage.name], titles[stage.name] = trainers[stage.name].predictor, stage.row_title(arguments)
    methods[first.name], titles[first.name] = trainers[first.name].predictor, first.row_title(arguments)
    methods["model"], titles["model"] = make_predictor(assembled, spec.inputs), spec.title
    scorers = make_scorers(spec.sample_kind, spec.output, config)
    tables, _, _ = score_methods(methods, pipeline.test_dataset(config.eval.batch_size), scorers)
    return tables, titles, scorers, assembled, trainers, lock


def export_stages(config, model, assembled, trainers, run_dir):
    """The assembled model as the run's export, and each comparison network's `.keras` file in
    its stage directory (for scoring it on other test sets)."""
    export_model(assembled, model.spec, config.export, run_dir)
    for name, stage in model.spec.comparisons.items():
        if name in trainers:
            export_model(
                trainers[name].model,
                stage.spec,
                dataclasses.replace(config.export, saved_model=False),
                pathlib.Path(run_dir) / name,
            )
