"""The output policy (`common.outputs`) on folders made here by hand: runs marked by their lock
file, links, files and folders in the way."""

import os

import pytest

from common.errors import ConfigError, OutputError, SystemFault
from common.outputs import (
    LOCK_NAME,
    check_output,
    enclosing_run,
    hold_run_directory,
    output_file,
    output_folder,
    require_not_an_input,
)


def _run(folder):
    folder.mkdir(parents=True)
    (folder / LOCK_NAME).write_text("")
    return folder


def test_the_enclosing_run_is_the_nearest_folder_with_a_lock_file(tmp_path):
    outer = _run(tmp_path / "outer")
    inner = _run(outer / "stage")
    assert enclosing_run(inner / "a" / "b.json") == inner
    assert enclosing_run(outer / "c.json") == outer
    assert enclosing_run(outer) is None and enclosing_run(tmp_path / "free.json") is None


def test_only_the_holder_of_a_run_writes_inside_it(tmp_path):
    run = _run(tmp_path / "run")
    with pytest.raises(OutputError, match=f"{run / 'x.json'}: inside the run directory {run}, whose files"):
        check_output(run / "x.json")
    lock = hold_run_directory(run)
    try:
        assert check_output(run / "x.json") == run / "x.json"
        assert (run / LOCK_NAME).read_text() == str(os.getpid())
    finally:
        lock.release()
    with pytest.raises(OutputError):
        check_output(run / "x.json")


def test_a_link_inside_a_held_run_is_refused_not_followed(tmp_path):
    run, outside = _run(tmp_path / "run"), tmp_path / "outside"
    outside.mkdir()
    (run / "export").symlink_to(outside)
    lock = hold_run_directory(run)
    try:
        with pytest.raises(OutputError, match=f"{run / 'export'}: is a link inside the run directory"):
            check_output(run / "export" / "saved_model.pb")
        with pytest.raises(OutputError, match="is a link inside the run directory"):
            output_folder(run / "export")
    finally:
        lock.release()
    assert not list(outside.iterdir())


def test_a_lock_file_that_is_a_link_is_refused(tmp_path):
    run, target = tmp_path / "run", tmp_path / "target.txt"
    run.mkdir()
    target.write_text("mine")
    (run / LOCK_NAME).symlink_to(target)
    with pytest.raises(OutputError, match="is a link; a run's lock file is its own"):
        hold_run_directory(run)
    assert target.read_text() == "mine"
    (run / LOCK_NAME).unlink()
    (run / LOCK_NAME).mkdir()
    with pytest.raises(OutputError, match="a folder is in the way of the run's lock file"):
        hold_run_directory(run)


def test_a_second_holder_in_another_process_is_refused(tmp_path):
    import subprocess
    import sys

    run = tmp_path / "run"
    lock = hold_run_directory(run)
    try:
        script = "import sys; from common.outputs import hold_run_directory; hold_run_directory(sys.argv[1])"
        result = subprocess.run([sys.executable, "-c", script, str(run)], capture_output=True, text=True)
        assert result.returncode == 1 and ConfigError.__name__ in result.stderr
        assert f"another run is writing here (process {os.getpid()})" in result.stderr
    finally:
        lock.release()


def test_paths_in_the_way_and_folders_made(tmp_path):
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError, match="a_file/out.json: .*a_file is in the way"):
        check_output(tmp_path / "a_file" / "out.json")
    with pytest.raises(OutputError, match="a_folder: a folder is in the way of the output file"):
        output_file(tmp_path / "a_folder")
    for path in (tmp_path / "a_file", tmp_path / "dangling"):
        with pytest.raises(OutputError, match="a file or a dangling link is in the way of the output folder"):
            output_folder(path)
    assert output_folder(tmp_path / "new" / "deeper").is_dir()
    assert output_file(tmp_path / "made" / "out.json") == tmp_path / "made" / "out.json"
    assert (tmp_path / "made").is_dir() and not (tmp_path / "made" / "out.json").exists()


def test_a_folder_the_machine_refuses_is_a_system_fault(tmp_path, monkeypatch):
    import common.outputs

    monkeypatch.setattr(common.outputs.os, "access", lambda path, mode: False)
    with pytest.raises(SystemFault, match=f"cannot write in {tmp_path} \\(read-only or no permission\\)"):
        check_output(tmp_path / "out.json")


def test_an_output_is_never_an_input_or_inside_one(tmp_path):
    experiment, run = tmp_path / "experiment.yaml", tmp_path / "run"
    experiment.write_text("name: x\n")
    run.mkdir()
    (run / "config.yaml").write_text("x")
    (tmp_path / "hard.yaml").hardlink_to(experiment)
    (tmp_path / "soft.yaml").symlink_to(experiment)
    for out in (experiment, tmp_path / "hard.yaml", tmp_path / "soft.yaml"):
        with pytest.raises(OutputError, match=f"--out {out}: is {experiment}, which this command reads"):
            require_not_an_input(out, [experiment, run])
    with pytest.raises(OutputError, match=f"--out {run / 'config.yaml'}: inside {run}"):
        require_not_an_input(run / "config.yaml", [experiment, run])
    require_not_an_input(tmp_path / "results.json", [experiment, run])
