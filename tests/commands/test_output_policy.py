"""Every command's entry point through the output policy (`common.outputs`): an output inside
another run's directory, a file in the way of an output, and a folder the machine will not let us
write in are each one `error:` line naming the path (exit 2, 2 and 3), with nothing written. A
command added to `commands/` without a row here fails `test_every_command_is_in_the_table`."""

import os
import pathlib

import cv2
import numpy as np
import pytest

from tests.commands.entry_points import COMMANDS, PRINT_ONLY

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXPERIMENT = "model: {name: igde, preset: small}\n"

# {command: arguments with {out}, the output, and whether that output is a folder}.
POLICY = {
    "train": (["good.yaml", "--run-dir", "{out}"], True),
    "pilot": (["good.yaml", "--steps", "4", "--run-dir", "{out}"], True),
    "score": (["good.yaml", "inputs", "--run-dir", "{out}"], True),
    "write-split": (["good.yaml", "{out}"], True),
    "evaluate": (["good.yaml", "run", "--out", "{out}"], False),
    "omega-sweep": (["good.yaml", "run", "--out", "{out}"], False),
    "report": (["run", "--out", "{out}"], False),
    "figures": (["run", "--out", "{out}"], True),
    "igde-middlebury": (["run", "scenes", "--out", "{out}"], True),
    "learning-curves": (["good.yaml", "--variant", "a: train.epochs=1", "--out", "{out}"], True),
    "igde-enhance": (["--model", "m.onnx", "--image", "rgb.png", "--depth", "d.png", "--out", "{out}.png"], False),
    "dpde-predict": (["--model", "m.onnx", "--image", "rgb.png", "--out", "{out}.png"], False),
    "sceneflow-like": (["{out}"], True),
    "constraints": (["--out", "{out}"], False),
    "reproduce": (["all", "--collect", "--out", "{out}"], False),
    # export writes into the run it reads: test_an_export_or_lock_that_is_a_link_is_not_followed.
    "export": None,
}


def _layout(root):
    (root / "good.yaml").write_text(EXPERIMENT)
    (root / "a_file").write_text("x")
    (root / "inputs").mkdir()
    (root / "run").mkdir()
    (root / "run" / "config.yaml").write_text(EXPERIMENT)
    (root / "scenes" / "s1").mkdir(parents=True)
    (root / "scenes" / "s1" / "disp0.pfm").write_bytes(b"")
    rng = np.random.default_rng(0)
    cv2.imwrite(str(root / "rgb.png"), rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
    cv2.imwrite(str(root / "d.png"), rng.integers(0, 255, (8, 8), dtype=np.uint8))
    foreign = root / "foreign"  # another run's directory: its lock file marks it
    foreign.mkdir()
    (foreign / ".run.lock").write_text("1")
    (foreign / "config.yaml").write_text(EXPERIMENT)
    (foreign / "metrics.json").write_text("{}")


def _snapshot(root):
    return {
        path.relative_to(root): (None if path.is_dir() else path.read_bytes())
        for path in sorted(root.rglob("*"))
        if ".pytest" not in path.parts
    }


def _run(command, out, root, capsys):
    arguments, _ = POLICY[command]
    before = _snapshot(root)
    status = COMMANDS[command]([argument.format(out=out) for argument in arguments])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert _snapshot(root) == before
    return status, lines[0]


def test_every_command_is_in_the_table():
    modules = {path.stem for path in (ROOT / "commands").glob("*.py") if "\ndef main(" in path.read_text()}
    tabled = {main.__module__.removeprefix("commands.") for main in COMMANDS.values()}
    assert modules == tabled
    assert set(POLICY) == set(COMMANDS) - PRINT_ONLY


WRITERS = [command for command, row in POLICY.items() if row is not None]


@pytest.mark.parametrize(
    "out, message",
    [
        ("foreign/out", "inside the run directory foreign, whose files are its own"),
        ("a_file/out", "a_file is in the way"),
    ],
    ids=["inside another run", "a file in the way"],
)
@pytest.mark.parametrize("command", WRITERS)
def test_an_output_inside_another_run_or_behind_a_file_is_exit_2(command, out, message, tmp_path, capsys, monkeypatch):
    _layout(tmp_path)
    monkeypatch.chdir(tmp_path)
    status, line = _run(command, out, tmp_path, capsys)
    assert status == 2 and message in line


@pytest.mark.parametrize("command", WRITERS)
def test_an_unwritable_output_folder_is_exit_3(command, tmp_path, capsys, monkeypatch):
    import common.outputs

    _layout(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "locked").mkdir()
    real_access = os.access
    refused = (tmp_path / "locked").resolve()

    def read_only(path, mode):
        if pathlib.Path(path).resolve() == refused and mode & os.W_OK:
            return False
        return real_access(path, mode)

    monkeypatch.setattr(common.outputs.os, "access", read_only)
    status, line = _run(command, "locked/out", tmp_path, capsys)
    assert status == 3 and line.startswith("error: locked/out") and "cannot write in locked (read-only" in line
