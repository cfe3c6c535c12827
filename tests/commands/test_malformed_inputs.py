"""Every entry point answers a malformed input with exit status 2, one `error:` line naming the
problem, and nothing written: empty files, files that are not text, YAML of the wrong shape,
missing paths, directories where files are expected and the reverse; outputs that would replace
an input; small files that would cost all the memory and names that are paths; numbers that are
not numbers; truncated and oversized images."""

import struct
import zlib

import cv2
import numpy as np
import pytest

from common.version import VERSION
from tests.commands.entry_points import COMMANDS

# A few hundred bytes that unfold into 9^8 strings: formatting the whole value would exhaust memory.
ALIAS_BOMB = (
    "name: [&l0 ["
    + ", ".join(["x"] * 9)
    + "], "
    + ", ".join(f"&l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 8))
    + "]\n"
)


def _png_claiming(height, width):
    """A PNG whose header claims `height` x `width` pixels, with one row of data."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 4)) + chunk(b"IEND", b"")
    )


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
    (root / "empty_model").mkdir()
    (root / "empty_model" / "config.yaml").write_text(GOOD_EXPERIMENT)
    (root / "empty_model" / "model.keras").write_bytes(b"")
    (root / "finished").mkdir()
    (root / "finished" / "metrics.json").write_text("{}")
    (root / "study" / "0").mkdir(parents=True)  # a finished variant of another study
    (root / "study" / "0" / "metrics.json").write_text("{}")
    (root / "study" / "0" / "config.yaml").write_text(f"version: '{VERSION}'\n" + GOOD_EXPERIMENT)
    (root / "scenes" / "s1").mkdir(parents=True)
    (root / "scenes" / "s1" / "disp0.pfm").write_bytes(b"")
    rng = np.random.default_rng(0)
    cv2.imwrite(str(root / "rgb.png"), rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
    cv2.imwrite(str(root / "d.png"), rng.integers(0, 255, (8, 8), dtype=np.uint8))
    (root / "inputs").mkdir()
    cv2.imwrite(str(root / "inputs" / "a.png"), rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
    jpeg = cv2.imencode(".jpg", rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))[1].tobytes()
    (root / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (root / "huge.png").write_bytes(_png_claiming(100_000, 100_000))
    (root / "tree" / "FlyingThings3D").mkdir(parents=True)
    (root / "bomb.yaml").write_text(ALIAS_BOMB)
    (root / "nan.yaml").write_text(GOOD_EXPERIMENT + "optimizer: {learning_rate: .nan}\n")
    (root / "nul_name.yaml").write_text(GOOD_EXPERIMENT + 'name: "a\\0b"\n')
    (root / "nul_root.yaml").write_text(GOOD_EXPERIMENT + 'data: {root: "a\\0b"}\n')
    return root


CASES = [
    ("train", ["empty.yaml"], "empty.yaml: empty"),
    ("train", ["binary.yaml"], "binary.yaml: not a UTF-8 text file"),
    ("train", ["list.yaml"], "list.yaml: expected a mapping of sections at the top level"),
    ("train", ["missing.yaml"], "config file not found"),
    ("train", ["a_directory"], "a_directory: is a directory (expected an experiment YAML file)"),
    ("train", ["good.yaml", "--run-dir", "a_file"], "a_file: a file or a dangling link is in the way"),
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
    # Outputs that would replace an input are refused before anything is written.
    (
        "igde-enhance",
        ["--model", "m.onnx", "--image", "rgb.png", "--depth", "d.png", "--out", "d.png"],
        "over an input",
    ),
    (
        "igde-enhance",
        ["--model", "m.onnx", "--image", "rgb.png", "--depth", "d.png", "--out", "rgb.png"],
        "over an input",
    ),
    ("dpde-predict", ["--model", "m.onnx", "--image", "rgb.png", "--out", "rgb.png"], "over an input"),
    ("dpde-predict", ["--model", "rgb.png", "--image", "d.png", "--out", "rgb.png"], "over an input"),
    ("dpde-predict", ["--model", "m.onnx", "--image", "inputs", "--out", "inputs"], "is the --image directory"),
    (
        "igde-enhance",
        ["--model", "m.onnx", "--image", "inputs", "--depth", "a_directory", "--out", "a_directory"],
        "is the --depth directory",
    ),
    # Small files that would cost all the memory, and names that are paths.
    ("train", ["bomb.yaml"], "name: expected str, got ["),
    ("evaluate", ["bomb.yaml", "run"], "name: expected str, got ["),
    ("train", ["good.yaml", "--set", "name=../../x"], "name: expected a plain name"),
    ("train", ["good.yaml", "--set", "name=/tmp/x"], "name: expected a plain name"),
    ("train", ["good.yaml", "--set", "name=''"], "name: expected a plain name"),
    ("train", ["nul_name.yaml"], "name: expected text without NUL bytes"),
    ("train", ["nul_root.yaml"], "data.root: expected text without NUL bytes"),
    # Numbers that are not numbers.
    ("train", ["nan.yaml"], "optimizer.learning_rate: expected a finite number, got nan"),
    (
        "train",
        ["good.yaml", "--set", "eval.protocol.max_depth=.inf"],
        "eval.protocol.max_depth: expected a finite number, got inf",
    ),
    (
        "igde-enhance",
        ["--model", "m.onnx", "--image", "rgb.png", "--depth", "d.png", "--out", "o.png", "--depth-scale", "nan"],
        "--depth-scale: expected a finite number > 0, got nan",
    ),
    (
        "dpde-predict",
        ["--model", "m.onnx", "--image", "rgb.png", "--out", "o.png", "--ply", "--intrinsics", "500", "inf", "1", "1"],
        "--intrinsics FY: expected a finite number > 0, got inf",
    ),
    ("omega-sweep", ["good.yaml", "run", "--omega", "10", "nan"], "--omega: expected a finite number > 0, got nan"),
    ("corruption", ["good.yaml", "--samples", "-1"], "--samples: expected an integer >= 1, got -1"),
    ("figures", ["run", "--samples", "-2"], "--samples: expected an integer from 1 to 64, got -2"),
    ("budget", ["--measure", "0", "0", "0"], "--measure 0 0 0: expected N in 1..64"),
    ("sceneflow-like", ["out", "--train", "-1"], "--train -1 --test 16 --distinct None: expected counts >= 0"),
    ("sceneflow-like", ["tree"], "tree/FlyingThings3D: exists; choose an empty folder"),
    ("pilot", ["good.yaml", "--steps", "0"], "--steps 0 --points 4: expected --points >= 1"),
    ("pilot", ["bomb.yaml", "--steps", "4"], "name: expected str, got ["),
    (
        "learning-curves",
        ["good.yaml", "--variant", "no label"],
        "--variant 'no label': expected 'LABEL: key=value ...'",
    ),
    ("loss-anatomy", ["good.yaml", "--noise", "nan"], "expected >= 1 and a finite noise >= 0"),
    ("igde-middlebury", ["run", "missing_scenes"], "missing_scenes: no such folder"),
    ("igde-middlebury", ["run", "a_directory"], "a_directory: no Middlebury scene"),
    # A finished run's saved model empty (a full disk, a killed copy).
    ("evaluate", ["good.yaml", "empty_model"], "empty_model/model.keras: could not load the Keras model"),
    ("export", ["empty_model"], "empty_model/model.keras: could not load the Keras model"),
    ("igde-middlebury", ["empty_model", "scenes"], "empty_model/model.keras: could not load the Keras model"),
    ("figures", ["empty_model"], "empty_model: no metrics.csv"),
    # Labels and runs that would be confused.
    (
        "learning-curves",
        ["good.yaml", "--variant", "a: train.epochs=1", "--variant", "a: train.epochs=2"],
        "--variant: the label 'a' is given twice",
    ),
    (
        "learning-curves",
        ["good.yaml", "--variant", "full: train.epochs=1", "--out", "study"],
        "study/0/config.yaml: this run was trained with ",
    ),
    ("pilot", ["good.yaml", "--steps", "4", "--run-dir", "finished"], "finished: holds a finished run"),
    # --run-dir below a file.
    ("train", ["good.yaml", "--run-dir", "a_file/run"], "a_file/run: a_file is in the way"),
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
