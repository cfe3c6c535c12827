"""A model of separately trained networks (DPDE, Sect. 4.1: the depth and gradient networks are
trained apart, then joined by IRLS fusion): each network is a *stage* trained in its own
sub-directory of the run, with the experiment `common.experiment.resolve_experiment` built for it.

The networks of a run are the model's stages (`ModelSpec.stages`) and the comparison networks
(`ModelSpec.comparisons`, DPDE's plain FCRN) that `train.stages` names or that the run directory
already holds. `train.stages` names the networks to train (null: the model's stages); the others
are restored from their checkpoints.
"""

import dataclasses
import pathlib

from common.data.pipeline import make_pipeline
from common.errors import ConfigError
from common.evaluation.scoring import make_scorers, score_split
from common.export import export_model
from common.predictor import make_predictor
from common.training.trainer import Trainer


def run_stages(experiment, run_dir, strategy, chief, resume, eval_only):
    """Trains the stages to train (none when `eval_only`), restores the others, and scores the
    baselines, the comparison networks, the first stage alone and the assembled model.

    Returns:
        (`TestScores`, the assembled model, {stage name: its Trainer}).
    """
    run_dir = pathlib.Path(run_dir)
    config, model = experiment.config, experiment.model
    spec, arguments = model.spec, model.arguments
    trained = [] if eval_only else experiment.trained_stages
    comparisons = [
        stage
        for name, stage in spec.comparisons.items()
        if name not in experiment.twins and (name in trained or (run_dir / name / "checkpoints").is_dir())
    ]
    if chief:
        for name, twin in experiment.twins.items():
            print(f"stage {name}: the same network, loss and seed as stage {twin}; trained and scored once, as {twin}")
    pipeline = make_pipeline(config, spec.sample_kind)
    trainers, restored = {}, []
    for stage in (*spec.stages, *comparisons):
        trainer = Trainer(experiment.stages[stage.name], run_dir / stage.name, strategy=strategy, pipeline=pipeline)
        restored.append(trainer.restore(required=stage.name not in trained) > 0)
        trainers[stage.name] = trainer
    if resume and not any(restored):
        raise ConfigError(f"no checkpoint to resume from in {run_dir}/<stage>/checkpoints")
    for stage in (*spec.stages, *comparisons):
        if stage.name in trained:
            if chief:
                print(f"stage {stage.name}: training the {stage.row_title(arguments)}")
            trainers[stage.name].train()

    first = spec.stages[0]
    assembled = spec.assemble({stage.name: trainers[stage.name].model for stage in spec.stages}, arguments)
    networks = {stage.name: (stage.row_title(arguments), trainers[stage.name].predictor) for stage in comparisons}
    networks[first.name] = (first.row_title(arguments), trainers[first.name].predictor)
    networks["model"] = (spec.title, make_predictor(assembled, spec.inputs))
    scorers = make_scorers(spec.sample_kind, spec.output, config)
    scores = score_split(config, pipeline, networks, config.eval.baselines, scorers)
    return scores, assembled, trainers


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
