"""A run's results: the printed tables and RUN_DIR/metrics.json (`write_metrics`), the file that
`commands.report` and the campaign read."""

import pathlib

import tensorflow as tf

from common.atomic import write_json_atomically
from common.config.schema import OWN_PROTOCOL
from common.data.middlebury import scene_list
from common.evaluation.tables import format_tables, protocol_fields
from common.losses import describe_loss, loss_note
from common.version import VERSION


def write_metrics(run_dir, config, steps, scores, command, trained_with=None):
    """Prints the result tables and writes RUN_DIR/metrics.json: the experiment, the trained steps
    of each network ({} when the run trains nothing), the command, the kind of device and, for
    each evaluation protocol of `scores` (`TestScores`), its label and its rows
    (`protocol_fields`), each network's with the loss weights it was trained with
    (`trained_with`: {method: {term: weight}})."""
    trained_with = trained_with or {}
    titles = scores.titles
    notes = {name: loss_note(weights) for name, weights in trained_with.items()}
    printed = {name: f"{title} ({notes[name]})" if notes.get(name) else title for name, title in titles.items()}
    print(format_tables(scores, printed))
    for name, weights in trained_with.items():
        if name in scores.tables[OWN_PROTOCOL]:
            print(f"{titles[name]}: trained with {describe_loss(weights)}")
    write_json_atomically(
        pathlib.Path(run_dir) / "metrics.json",
        {
            "version": VERSION,
            "experiment": config.name,
            "model": config.model.name,
            "steps": steps,
            "command": command,
            "device": "GPU" if tf.config.list_logical_devices("GPU") else "CPU",
            **protocol_fields(scores, trained_with),
            **({"scenes": scene_list(config.data.root)} if config.data.dataset == "middlebury" else {}),
        },
    )
