"""Nothing lost under faults and damaged input: damaged data files during training, damaged
checkpoints, two runs in one directory, kills between writes, full disks, a changed model on
resume, outputs that cannot be written, corrupt images and calibrations, and the textbook LiteRT
conversion of our SavedModel."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import cv2
import numpy as np
import pytest
import yaml

from commands.registry import load_experiment
from commands.train import main as train_main
from common import export
from common.data.middlebury import load_scene
from common.errors import ConfigError, DatasetError
from common.irls import IRLS_TOLERANCE
from common.outputs import hold_run_directory
from common.training.trainer import Trainer
from tests.conftest import (
    MOTORCYCLE_CALIBRATION,
    ROOT,
    TINY_EXPERIMENT,
    predict_in_fresh_process,
    run_python,
    run_train,
    user_error,
    write_experiment,
)


def _experiment(tmp_path, **sections):
    sections["eval"] = {"every_epochs": 0, **sections.get("eval", {})}
    return write_experiment(tmp_path / "tiny.yaml", TINY_EXPERIMENT, **sections)


def _trainer(path, run_dir):
    return Trainer(load_experiment(path), run_dir)


# Damaged data files: the reader's line, naming the file, in training and in testing.


@pytest.mark.slow
@pytest.mark.parametrize("split", ["TRAIN", "TEST"])
def test_a_damaged_data_file_stops_the_run_with_the_readers_line(tmp_path, split):
    from common.data.synthetic_sceneflow import write_sceneflow_tree

    root = tmp_path / "sceneflow"
    write_sceneflow_tree(root, train_views=3, test_views=1, height=32, width=48, distinct=1)
    damaged = sorted(root.glob(f"FlyingThings3D/frames_cleanpass/{split}/**/*.png"))[0]
    damaged.write_bytes(damaged.read_bytes()[:200])
    experiment = _experiment(
        tmp_path,
        data={
            "dataset": "sceneflow",
            "root": str(root),
            "image_size": [32, 48],
            "crop_size": [16, 16],
            "batch_size": 2,
            "val_size": 1,
        },
        train={"epochs": 1},
        eval={"every_epochs": 1, "batch_size": 1},
    )
    result = run_train(experiment, "--run-dir", tmp_path / "run")
    assert f"{damaged}: truncated PNG" in user_error(result)
    assert "terminate called" not in result.stderr


# Damaged checkpoints: the newest that reads, each skipped one named.


@pytest.fixture(scope="module")
def checkpointed_run(tmp_path_factory):
    """(experiment, run directory) of a tiny run with checkpoints at steps 2, 4, 6 and 8."""
    base = tmp_path_factory.mktemp("checkpointed")
    experiment = _experiment(base, train={"epochs": 2, "checkpoint_every_steps": 2, "keep_checkpoints": 4})
    trainer = _trainer(experiment, base / "run")
    trainer.train()
    trainer.close()
    return experiment, base / "run"


@pytest.fixture
def checkpointed(checkpointed_run, tmp_path):
    """A copy of `checkpointed_run` in this test's own directory."""
    experiment, run_dir = checkpointed_run
    shutil.copy(experiment, tmp_path / "tiny.yaml")
    shutil.copytree(run_dir, tmp_path / "run", ignore=shutil.ignore_patterns(".run.lock"))
    return tmp_path / "tiny.yaml", tmp_path / "run"


def _damage(directory, how):
    newest = directory / "ckpt-8"
    if how == "truncated data":
        data = newest.with_name("ckpt-8.data-00000-of-00001")
        data.write_bytes(data.read_bytes()[:100])
    elif how == "empty data":
        newest.with_name("ckpt-8.data-00000-of-00001").write_bytes(b"")
    elif how == "empty index":
        newest.with_name("ckpt-8.index").write_bytes(b"")
    elif how == "index names a missing file":
        (directory / "checkpoint").write_text(
            'model_checkpoint_path: "ckpt-99"\nall_model_checkpoint_paths: "ckpt-99"\n'
        )
    elif how == "garbled index":
        (directory / "checkpoint").write_bytes(b"\x00\xff{{ not a checkpoint state")


@pytest.mark.parametrize(
    "how, step",
    [
        ("truncated data", 6),
        ("empty data", 6),
        ("empty index", 6),
        ("index names a missing file", 8),
        ("garbled index", 8),
    ],
)
def test_resume_takes_the_newest_checkpoint_that_reads(checkpointed, how, step, capsys):
    experiment, run_dir = checkpointed
    _damage(run_dir / "checkpoints", how)
    capsys.readouterr()
    resumed = _trainer(experiment, run_dir)
    assert resumed.restore(required=True) == step
    out = capsys.readouterr().out
    if step == 6:
        assert f"skipped checkpoint {run_dir / 'checkpoints' / 'ckpt-8'}: unreadable" in out
    if how == "garbled index":
        assert "unreadable" in out and (run_dir / "checkpoints" / "checkpoint.damaged").is_file()


def test_no_readable_checkpoint_is_one_line(checkpointed):
    experiment, run_dir = checkpointed
    for index in (run_dir / "checkpoints").glob("ckpt-*.index"):
        index.write_bytes(b"")
    with pytest.raises(ConfigError, match="no checkpoint reads"):
        _trainer(experiment, run_dir).restore(required=True)


def test_an_index_naming_another_runs_checkpoints_is_refused_before_any_rotation(checkpointed, tmp_path):
    experiment, run_dir = checkpointed
    other = tmp_path / "other"
    shutil.copytree(run_dir / "checkpoints", other)
    (run_dir / "checkpoints" / "checkpoint").write_text(
        f'model_checkpoint_path: "{other}/ckpt-8"\nall_model_checkpoint_paths: "{other}/ckpt-2"\n'
    )
    before = sorted(path.name for path in other.iterdir())
    with pytest.raises(ConfigError, match=f"names the checkpoint {other}/ckpt-.*, outside"):
        _trainer(experiment, run_dir)
    assert sorted(path.name for path in other.iterdir()) == before


def test_stray_checkpoint_names_and_a_damaged_epoch_log_are_found_before_training(checkpointed, capsys):
    experiment, run_dir = checkpointed
    (run_dir / "checkpoints" / "ckpt-\u00b2.index").write_bytes(b"")  # a digit int() refuses
    (run_dir / "checkpoints" / "ckpt-latest.index").write_bytes(b"")
    resumed = _trainer(experiment, run_dir)
    assert resumed.restore(required=True) == 8
    resumed.close()
    log = run_dir / "metrics.csv"
    log.write_text(log.read_text().replace("\n1,", "\none,", 1))
    steps = (run_dir / "checkpoints" / "checkpoint").read_text()
    assert train_main([str(experiment), "--run-dir", str(run_dir), "--set", "train.epochs=3", "--resume"]) == 2
    (line,) = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert line == f"error: {log}: line 2, column epoch: expected a whole number, got 'one'"
    assert (run_dir / "checkpoints" / "checkpoint").read_text() == steps  # nothing trained


@pytest.mark.slow
def test_a_checkpoint_of_another_model_is_one_line_without_warnings_after_it(checkpointed, tmp_path):
    experiment, run_dir = checkpointed
    other = tmp_path / "other"
    other.mkdir()
    shutil.copytree(run_dir / "checkpoints", other / "checkpoints")
    result = run_train(experiment, "--run-dir", other, "--set", "model.args.features=16", "--resume")
    assert "saved from a model of other sizes" in user_error(result)
    after = result.stderr.split("saved from a model of other sizes", 1)[1].splitlines()[1:]
    assert not [line for line in after if line.strip()]  # TensorFlow's unrestored-value warnings


def test_an_export_or_a_lock_that_is_a_link_is_not_followed(finished_runs, tmp_path, capsys):
    from commands.export import main as export_main

    run = tmp_path / "run"
    shutil.copytree(finished_runs[0], run, ignore=shutil.ignore_patterns(".run.lock"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "mine.txt").write_text("kept")
    shutil.rmtree(run / "export", ignore_errors=True)
    (run / "export").symlink_to(outside)
    assert export_main([str(run)]) == 2
    assert f"{run / 'export'}: is a link inside the run directory" in capsys.readouterr().err
    assert [path.name for path in outside.iterdir()] == ["mine.txt"]
    (run / "export").unlink()
    (run / ".run.lock").unlink()  # the first export's own
    (run / ".run.lock").symlink_to(outside / "mine.txt")
    assert export_main([str(run)]) == 2
    assert "is a link; a run's lock file is its own" in capsys.readouterr().err
    assert (outside / "mine.txt").read_text() == "kept"


def test_resume_with_a_changed_model_size_is_one_line(checkpointed, tmp_path, capsys):
    experiment, run_dir = checkpointed
    config = yaml.safe_load(experiment.read_text())
    config["model"]["args"]["features"] = 16
    experiment.write_text(yaml.safe_dump(config))
    assert train_main([str(experiment), "--run-dir", str(run_dir), "--resume"]) == 2
    (line,) = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert line.startswith("error: ") and "saved from a model of other sizes" in line
    # one short line: the bound the test had before pytest-xdist lengthened the temporary path (400
    # characters with a 61-character directory named twice), with the directory written as DIR
    assert len(line.replace(str(experiment.parent), "DIR")) < 400 - 2 * 61 + 2 * len("DIR")


# One live run per run directory.

HOLD = (
    "import sys, time; from common.outputs import hold_run_directory; "
    "hold_run_directory(sys.argv[1]); print('held', flush=True); time.sleep(120)"
)


def test_a_second_run_in_a_held_directory_is_refused_and_a_killed_holder_frees_it(tmp_path):
    run_dir = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ConfigError, match=f"another run is writing here \\(process {holder.pid}\\)"):
            hold_run_directory(run_dir)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    hold_run_directory(run_dir).release()  # the kernel dropped the killed holder's lock


@pytest.mark.slow
def test_train_refuses_a_directory_another_run_holds(tmp_path):
    run_dir = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(run_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        line = user_error(run_train(_experiment(tmp_path), "--run-dir", run_dir))
        assert "another run is writing here" in line
        assert not (run_dir / "checkpoints").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()


def test_score_keeps_out_of_a_training_run_and_of_a_held_folder(finished_runs, tmp_path, capsys):
    """`score` writes its own results run: never a training run's metrics.json, never a folder a
    live run holds; `igde_middlebury` writes inside a run only under that run's lock."""
    from commands.igde_middlebury import main as middlebury_main
    from commands.score import main as score_main
    from common.data.middlebury import write_motorcycle_scene

    igde_run = finished_runs[0]
    predictions = tmp_path / "predictions"
    predictions.mkdir()
    before = (igde_run / "metrics.json").read_bytes()
    experiment = str(igde_run.parent / "tiny.yaml")
    assert score_main([experiment, str(predictions), "--run-dir", str(igde_run)]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line == (
        f"error: {igde_run}: the folder of a training run (it holds checkpoints); "
        "its results are its own, choose another --run-dir"
    )
    assert (igde_run / "metrics.json").read_bytes() == before
    held = tmp_path / "held"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(held)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    scenes = tmp_path / "scenes"
    write_motorcycle_scene(scenes)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert score_main([experiment, str(predictions), "--run-dir", str(held)]) == 2
        assert "another run is writing here" in capsys.readouterr().err
        # A live run's lock stops igde_middlebury from writing into that run.
        shutil.copytree(igde_run, held, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".run.lock"))
        assert middlebury_main([str(held), str(scenes)]) == 2
        assert "another run is writing here" in capsys.readouterr().err
        assert not (held / "middlebury").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()


# Writes that are complete or absent, in an order a resumed run can finish.


@pytest.mark.slow
def test_a_run_killed_during_the_epoch_validation_writes_that_epoch_again(tmp_path):
    experiment = _experiment(tmp_path, train={"epochs": 2, "checkpoint_every_steps": 3}, eval={"every_epochs": 1})
    trainer = _trainer(experiment, tmp_path / "run")
    validate = trainer.validation_scores

    def killed_in_the_second_validation(baselines):
        if trainer.step == 8:
            raise KeyboardInterrupt
        return validate(baselines)

    trainer.validation_scores = killed_in_the_second_validation
    with pytest.raises(KeyboardInterrupt):
        trainer.train()
    lines = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines] == ["epoch", "1"]  # epoch 2's row was not written
    resumed = _trainer(experiment, tmp_path / "run")
    assert resumed.restore(required=True) == 6  # not 8: epoch 2's checkpoint follows its test
    resumed.train()
    lines = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines] == ["epoch", "1", "2"]
    assert not list((tmp_path / "run").glob(".*.tmp*"))


def test_an_export_killed_between_its_two_moves_is_put_back(tmp_path, monkeypatch):
    target = tmp_path / "export"
    target.mkdir()
    (target / "saved_model.pb").write_text("old")
    (tmp_path / "export.old").mkdir()  # a user's folder: the export's own temporaries never take its name
    (tmp_path / "export.old" / "mine.txt").write_text("kept")
    staging = tmp_path / "export.tmp"
    staging.mkdir()
    (staging / "saved_model.pb").write_text("new")
    moves = []

    def replace_then_die(source, destination):
        if moves:
            raise KeyboardInterrupt
        moves.append(source)
        os.rename(source, destination)

    monkeypatch.setattr(export.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        export._replace_folder(staging, target)
    monkeypatch.undo()
    (old,) = tmp_path.glob(".export.*.old")
    assert not target.exists() and (old / "saved_model.pb").read_text() == "old"
    export._recover(target)
    assert (target / "saved_model.pb").read_text() == "old"
    export._replace_folder(staging, target)
    assert (target / "saved_model.pb").read_text() == "new" and not list(tmp_path.glob(".export.*"))
    assert (tmp_path / "export.old" / "mine.txt").read_text() == "kept"


# System faults: one line, exit 3, what was on disk kept.


def test_a_full_disk_is_one_line_with_exit_3(tmp_path, monkeypatch, capsys):
    import commands.registry

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "run" / "config.yaml"))

    monkeypatch.setattr(commands.registry, "load_experiment", full)
    assert train_main([str(_experiment(tmp_path)), "--run-dir", str(tmp_path / "run")]) == 3
    (line,) = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert line == f"error: {tmp_path / 'run' / 'config.yaml'}: No space left on device"


def test_a_checkpoint_that_cannot_be_written_is_a_system_fault(tmp_path, monkeypatch):
    import tensorflow as tf

    from common.errors import SystemFault

    trainer = _trainer(_experiment(tmp_path), tmp_path / "run")

    def refuse(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "No space left on device")

    monkeypatch.setattr(trainer.manager, "save", refuse)
    with pytest.raises(SystemFault, match="could not write the checkpoint of step 2 \\(No space left on device\\)"):
        trainer.train()


# Inference: outputs that cannot be written, corrupt images.


@pytest.mark.slow
def test_a_directory_run_reports_an_output_it_cannot_write_and_writes_the_others(dpde_model, tmp_path):
    _, paths = dpde_model
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a", "b", "c"):
        cv2.imwrite(str(images / f"{name}.png"), rng.integers(0, 255, (24, 32, 3), dtype=np.uint8))
    out = tmp_path / "out"
    (out / "b.png").mkdir(parents=True)  # cannot be written as a file
    result = run_python("-m", "commands.dpde_predict", "--model", paths["onnx"], "--image", images, "--out", out)
    assert result.returncode == 2
    assert "b.png" in result.stderr and "1 of 3 inputs failed" in result.stderr
    assert (out / "a.png").is_file() and (out / "c.png").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cut.jpg", "huge.png"])
def test_truncated_and_oversized_images_are_refused(dpde_model, tmp_path, name):
    from tests.commands.test_malformed_inputs import _layout

    _, paths = dpde_model
    root = _layout(tmp_path)
    line = user_error(
        run_python(
            "-m", "commands.dpde_predict", "--model", paths["onnx"], "--image", root / name, "--out", tmp_path / "o.png"
        )
    )
    assert (
        f"{name}: truncated JPEG" in line if name == "cut.jpg" else f"{name}: missing or not a readable image" in line
    )
    assert not (tmp_path / "o.png").exists()


def test_a_calibration_that_puts_depth_behind_the_camera_is_refused(tmp_path):
    from skimage import data

    image, disparity = data.stereo_motorcycle()[0], data.stereo_motorcycle()[2]
    scene = tmp_path / "motorcycle"
    scene.mkdir()
    cv2.imwrite(str(scene / "im0.png"), image[..., ::-1])
    from common.data.pfm import write_pfm

    write_pfm(scene / "disp0.pfm", np.where(np.isfinite(disparity), disparity, np.inf))
    (scene / "calib.txt").write_text(MOTORCYCLE_CALIBRATION.replace("doffs=31.086", "doffs=-500"))
    with pytest.raises(DatasetError, match="disparities plus calib.txt's doffs \\(-500\\) are <= 0"):
        load_scene(scene)
    (scene / "calib.txt").write_text(MOTORCYCLE_CALIBRATION.replace("baseline=193.001", "baseline=nan"))
    with pytest.raises(DatasetError, match="calib.txt: expected finite values"):
        load_scene(scene)


# The textbook LiteRT route, by hand, in a fresh process.


@pytest.mark.slow
@pytest.mark.parametrize("model", ["igde_model", "dpde_model"])
def test_tflite_from_saved_model_converts_our_saved_model(model, request, tmp_path):
    _, paths = request.getfixturevalue(model)
    out = tmp_path / "by_hand.tflite"
    script = textwrap.dedent(f"""
        import tensorflow as tf
        converter = tf.lite.TFLiteConverter.from_saved_model({str(paths["saved_model"])!r})
        open({str(out)!r}, "wb").write(converter.convert())
    """)
    result = run_python("-c", script, timeout=None)
    assert result.returncode == 0, result.stderr[-3000:]
    rng = np.random.default_rng(0)
    batch = {"image": rng.random((1, 24, 32, 3), np.float32)}
    if model == "igde_model":
        batch["depth"] = rng.random((1, 24, 32, 1), np.float32)
    (by_hand,) = predict_in_fresh_process(out, [batch], tmp_path, without_tensorflow=True)
    (saved,) = predict_in_fresh_process(paths["saved_model"], [batch], tmp_path)
    assert np.isfinite(by_hand).all()
    if model == "igde_model":
        np.testing.assert_allclose(by_hand, saved, atol=1e-4)
    else:  # two IRLS runs, each within IRLS_TOLERANCE (relative, in norm) of the same minimiser
        assert np.linalg.norm(by_hand - saved) <= 2 * IRLS_TOLERANCE * np.linalg.norm(saved)


# A stack that installs the same way next year.


# CI installs with the constraints and asks this check to hold (.ci/run sets it); a user who
# installs the newest versions setup.cfg allows is told what differs, and the suite passes.
REQUIRE_PINNED = "DEPTHREPRO_REQUIRE_PINNED"


def test_constraints_pin_this_environment():
    from commands.constraints import constraints_text, pinned_versions

    pinned = pinned_versions()
    assert {"tensorflow", "keras", "numpy", "opencv-contrib-python-headless", "pytest", "tf2onnx"} <= set(pinned)
    assert f"{REQUIRE_PINNED}=1 pytest" in (ROOT / ".ci" / "run").read_text()
    assert "-c constraints.txt" in (ROOT / ".ci" / "run").read_text()
    assert "pip install -c constraints.txt -e ." in (ROOT / "README.md").read_text()
    for name in ("Dockerfile", "Dockerfile.cpu"):
        assert "-c constraints.txt" in (ROOT / "docker" / name).read_text()
    written = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()[1:])
    installed = dict(line.split("==") for line in constraints_text(pinned).splitlines()[1:])
    differences = sorted(
        f"{name} {written.get(name, 'unpinned')} -> {installed.get(name, 'not installed')}"
        for name in set(written) | set(installed)
        if written.get(name) != installed.get(name)
    )
    if differences and os.environ.get(REQUIRE_PINNED) != "1":
        pytest.skip(f"installed without -c constraints.txt; differs in: {', '.join(differences)}")
    assert not differences, f"regenerate with python -m commands.constraints; differs in: {', '.join(differences)}"


def test_the_lock_file_stays_inside_the_run_directory(tmp_path):
    lock = hold_run_directory(tmp_path / "run")
    assert (tmp_path / "run" / ".run.lock").read_text() == str(os.getpid())
    lock.release()
    shutil.rmtree(tmp_path / "run")
