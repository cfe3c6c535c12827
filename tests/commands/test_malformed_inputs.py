"""Every entry point answers a malformed input with exit status 2, one `error:` line naming the
problem, and nothing written: empty files, files that are not text, YAML of the wrong shape,
missing paths, directories where files are expected and the reverse."""

import pytest

from commands.dpde_predict import main as dpde_predict
from commands.evaluate import main as evaluate_main
from commands.export import main as export_main
from commands.figures import main as figures_main
from commands.igde_enhance import main as igde_enhance
from commands.report import main as report_main
from commands.train import main as train_main

COMMANDS = {
    "train": train_main,
    "igde-enhance": igde_enhance,
    "dpde-predict": dpde_predict,
    "evaluate": evaluate_main,
    "report": report_main,
    "figures": figures_main,
    "export": export_main,
}
GOOD_EXPERIMENT = "model: {name: igde, preset: small}\n"


def _layout(root):
    """The inputs the cases name, in a fresh directory."""
    (root / "empty.yaml").write_text("")
    (root / "binary.yaml").write_bytes(b"\xff\xfe\x00\x81 not text")
    (root / "list.yaml").write_text("- model\n- data\n")
    (root / "good.yaml").write_text(GOOD_EXPERIMENT)
    (root / "a_directory").mkdir()
    (root / "a_file").write_text("x")
    (root / "empty.png").write_bytes(b"")
    (root / "garbage.png").write_bytes(b"\x00\x01 not an image")
    (root / "garbage.onnx").write_bytes(b"\x00\x01 not a model")
    (root / "garbage.tflite").write_bytes(b"\x00\x01 not a model")
    (root / "run").mkdir()
    (root / "run" / "metrics.json").write_text("{not json")
    (root / "run" / "config.yaml").write_text(GOOD_EXPERIMENT)
    (root / "run" / "metrics.csv").write_bytes(b"\xff\xfe\x00")
    return root


CASES = [
    ("train", ["empty.yaml"], "empty.yaml: empty"),
    ("train", ["binary.yaml"], "binary.yaml: not a UTF-8 text file"),
    ("train", ["list.yaml"], "list.yaml: expected a mapping of sections at the top level"),
    ("train", ["missing.yaml"], "config file not found"),
    ("train", ["a_directory"], "a_directory: is a directory (expected an experiment YAML file)"),
    ("train", ["good.yaml", "--run-dir", "a_file"], "--run-dir a_file: exists and is not a directory"),
    (
        "igde-enhance",
        ["--model", "missing", "--image", "a_file", "--depth", "a_file", "--out", "o.png"],
        "missing: no such model",
    ),
    (
        "igde-enhance",
        ["--model", "a_directory", "--image", "a_file", "--depth", "a_file", "--out", "o.png"],
        "a_directory: not a SavedModel directory",
    ),
    (
        "igde-enhance",
        ["--model", "a_file", "--image", "a_file", "--depth", "a_file", "--out", "o.png"],
        "a_file: expected a SavedModel directory or a .keras, .onnx or .tflite file",
    ),
    (
        "dpde-predict",
        ["--model", "empty.png", "--image", "a_file", "--out", "o.png"],
        "empty.png: expected a SavedModel directory or a .keras, .onnx or .tflite file",
    ),
    (
        "igde-enhance",
        ["--model", "garbage.onnx", "--image", "a_file", "--depth", "a_file", "--out", "o.png"],
        "garbage.onnx: could not load the ONNX model",
    ),
    (
        "dpde-predict",
        ["--model", "garbage.tflite", "--image", "a_file", "--out", "o.png"],
        "garbage.tflite: could not load the LiteRT model",
    ),
    ("evaluate", ["empty.yaml", "run"], "empty.yaml: empty"),
    ("evaluate", ["list.yaml", "run"], "list.yaml: expected a mapping"),
    ("evaluate", ["good.yaml", "a_file"], "a_file: no model.keras"),
    ("evaluate", ["a_directory", "run"], "a_directory: is a directory (expected an experiment YAML file)"),
    ("report", ["missing_run"], "missing_run: no metrics.json"),
    ("report", ["a_file"], "a_file: no metrics.json"),
    ("report", ["run"], "metrics.json: not the JSON train.py writes"),
    ("figures", ["missing_run"], "missing_run: no such run directory"),
    ("figures", ["a_file"], "a_file: no such run directory"),
    ("figures", ["run"], "metrics.csv: not a UTF-8 text file"),
    ("export", ["missing_run"], "missing_run: no such run directory"),
    ("export", ["a_file", "--format", "onnx"], "a_file: no such run directory"),
    ("export", ["run", "--format", "tflite"], "run: no model.keras (expected a finished run directory)"),
    ("train", ["good.yaml", "--set", "export.formats=[pdf]"], "export.formats: expected names from onnx, tflite"),
]


@pytest.mark.parametrize("command, arguments, message", CASES, ids=[f"{c}-{' '.join(a)}" for c, a, _ in CASES])
def test_malformed_input_is_one_line_exit_2_and_writes_nothing(
    command, arguments, message, tmp_path, capsys, monkeypatch
):
    root = _layout(tmp_path)
    monkeypatch.chdir(root)
    before = sorted(root.rglob("*"))
    status = COMMANDS[command](arguments)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert status == 2
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert message in lines[0]
    assert sorted(root.rglob("*")) == before
