"""End-to-end runs of train.py in fresh processes on the tiny synthetic experiment."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import yaml

from tests.conftest import ROOT, TINY_EXPERIMENT, predict_in_fresh_process, run_train, user_error


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("trained")
    experiment = base / "tiny.yaml"
    experiment.write_text(yaml.safe_dump({**TINY_EXPERIMENT, "train": {**TINY_EXPERIMENT["train"], "epochs": 4}}))
    run_dir = base / "run"
    result = run_train(experiment, "--run-dir", run_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return experiment, run_dir, result.stdout


@pytest.mark.slow
def test_training_lowers_the_loss_and_writes_the_logs(trained_run):
    _, run_dir, stdout = trained_run
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])
    assert all(rows[-1][key] for key in ("psnr", "ssim", "rmse", "loss_sobel"))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["steps"] == {"model": 4 * 4}
    assert set(metrics["results"]) == {"input", "joint bilateral filter", "IGDE"}
    assert set(metrics["results"]["IGDE"]) == {
        "psnr",
        "psnr_t",
        "psnr_f",
        "ssim",
        "ssim_paper",
        "rmse",
        "protocol",
        "loss_weights",
    }
    assert metrics["results"]["IGDE"]["loss_weights"] == {"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0}
    assert "loss_weights" not in metrics["results"]["input"]
    # every validation during training beside the input's level there (scored once), and a line with
    # the gains; the test split is scored once, at the end
    assert len({row["input_psnr_f"] for row in rows}) == 1 and rows[0]["input_psnr_f"]
    assert float(rows[-1]["psnr_f"]) != pytest.approx(metrics["results"]["IGDE"]["psnr_f"])
    for epoch in range(1, 5):
        assert f"validation after epoch {epoch}: PSNR " in stdout
    assert "(input " in stdout and ", gain " in stdout
    assert (
        metrics["results"]["IGDE"]["protocol"]
        == metrics["protocol"]
        == "errors pooled over all test pixels; 32x32 frames"
    )
    for label in ("input", "joint bilateral filter", "IGDE", "PSNRf (dB)", "protocol: errors pooled"):
        assert label in stdout
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["train"]["epochs"] == 4
    events = list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 1000


@pytest.mark.slow
def test_a_run_whose_output_stays_its_input_is_warned_once(tiny_experiment, tmp_path):
    # The residual option starts as the identity; at this rate it stays there.
    model = {**TINY_EXPERIMENT["model"], "args": {**TINY_EXPERIMENT["model"]["args"], "residual_output": True}}
    experiment = tiny_experiment(model=model, optimizer={"learning_rate": 1.0e-30}, train={"epochs": 2})
    result = run_train(experiment, "--run-dir", tmp_path / "run")
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: after epoch 1 the network's output equals its input (PSNRt None): it is not learning; "
        "see the README, 'Is a long run learning?' (python -m commands.pilot)"
    ]
    assert "validation after epoch 2: PSNR " in result.stdout


@pytest.mark.slow
def test_exported_saved_model_matches_in_fresh_process(trained_run, tmp_path):
    _, run_dir, _ = trained_run
    rng = np.random.default_rng(0)
    image = rng.random((2, 24, 40, 3), np.float32)
    depth = rng.random((2, 24, 40, 1), np.float32)
    (exported,) = predict_in_fresh_process(run_dir / "export", [{"image": image, "depth": depth}], tmp_path)
    import igde.registry  # noqa: F401  registers the custom layers

    model = keras.models.load_model(run_dir / "model.keras")
    expected = model({"image": image, "depth": depth}).numpy()
    assert exported.shape == (2, 24, 40, 1) and exported.dtype == np.float32
    np.testing.assert_allclose(exported, expected, atol=1e-5)


@pytest.mark.slow
def test_eval_only_reproduces_the_final_metrics(trained_run):
    experiment, run_dir, _ = trained_run
    before = json.loads((run_dir / "metrics.json").read_text())
    result = run_train(experiment, "--run-dir", run_dir, "--eval-only")
    assert result.returncode == 0, result.stderr[-3000:]
    after = json.loads((run_dir / "metrics.json").read_text())
    assert after["steps"] == before["steps"]
    assert after["results"]["IGDE"]["psnr"] == pytest.approx(before["results"]["IGDE"]["psnr"], abs=1e-4)


@pytest.mark.slow
def test_killed_run_resumes_from_its_last_checkpoint(tiny_experiment, tmp_path):
    experiment = tiny_experiment(
        data={"train_size": 64, "batch_size": 2},
        train={"epochs": 2, "checkpoint_every_steps": 5},
        eval={"every_epochs": 0},
    )
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "train.py"), str(experiment), "--run-dir", str(run_dir)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    index = run_dir / "checkpoints" / "checkpoint"
    deadline = time.time() + 240
    while time.time() < deadline and not index.exists() and process.poll() is None:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    import tensorflow as tf

    latest = tf.train.latest_checkpoint(str(run_dir / "checkpoints"))
    assert latest is not None
    killed_at = int(latest.rsplit("-", 1)[1])
    assert 0 < killed_at < 64
    result = run_train(experiment, "--run-dir", run_dir, "--resume")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"resumed from step {killed_at} " in result.stdout
    assert json.loads((run_dir / "metrics.json").read_text())["steps"] == {"model": 64}


def test_a_run_continues_only_with_its_own_training_settings(tiny_experiment, train_error, tmp_path):
    """A run may continue for more epochs; with another loss, learning rate or seed it would be
    one run of two experiments: one line, and config.yaml is left as it was."""
    from commands.train import main

    experiment = tiny_experiment(train={**TINY_EXPERIMENT["train"], "epochs": 1}, eval={"every_epochs": 0})
    run_dir = tmp_path / "run"
    assert main([str(experiment), "--run-dir", str(run_dir)]) == 0
    saved = (run_dir / "config.yaml").read_text()
    for override, message in (
        ("loss.weights.l1=2.0", "this run was trained with loss.weights.l1 = 1.0, not 2.0"),
        ("optimizer.learning_rate=0.01", "this run was trained with optimizer.learning_rate = 0.001, not 0.01"),
        ("train.seed=3", "this run was trained with train.seed = 0, not 3"),
    ):
        line = train_error(experiment, "--set", override, "--run-dir", run_dir)
        ending = "continue it with its own settings or choose another run directory"
        assert line == f"error: {run_dir / 'config.yaml'}: {message}; {ending}"
        assert (run_dir / "config.yaml").read_text() == saved
    assert main([str(experiment), "--set", "train.epochs=2", "--run-dir", str(run_dir)]) == 0
    assert json.loads((run_dir / "metrics.json").read_text())["steps"] == {"model": 8}


@pytest.mark.slow
def test_resume_without_checkpoint_is_a_clear_error(tiny_experiment, tmp_path):
    result = run_train(tiny_experiment(), "--run-dir", tmp_path / "empty", "--resume")
    assert user_error(result) == (f"error: no checkpoint to resume from in {tmp_path / 'empty' / 'checkpoints'}")


@pytest.mark.slow
def test_mirrored_strategy_over_two_logical_cpus(tiny_experiment, tmp_path):
    experiment = tiny_experiment(
        distribute={"strategy": "mirrored", "logical_cpus": 2}, train={"epochs": 1}, eval={"every_epochs": 0}
    )
    result = run_train(experiment, "--run-dir", tmp_path / "run")
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["steps"] == {"model": 4}


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_multi_worker_run_as_two_local_processes(tiny_experiment, tmp_path):
    experiment = tiny_experiment(
        distribute={"strategy": "multi_worker"},
        train={"epochs": 1, "steps_per_epoch": 3, "checkpoint_every_steps": 100},
        eval={"every_epochs": 0, "baselines": []},
        export={"saved_model": False, "keras_file": False},
    )
    workers = [f"127.0.0.1:{port}" for port in free_ports(2)]
    run_dir, scratch = tmp_path / "run", tmp_path / "scratch"
    scratch.mkdir()
    processes = []
    for index in range(2):
        tf_config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        processes.append(
            subprocess.Popen(
                [sys.executable, str(ROOT / "train.py"), str(experiment), "--run-dir", str(run_dir)],
                cwd=ROOT,
                env={**os.environ, "TF_CONFIG": tf_config, "TMPDIR": str(scratch)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [p.communicate(timeout=400) for p in processes]
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-3000:]
    import tensorflow as tf

    assert tf.train.latest_checkpoint(str(run_dir / "checkpoints")).endswith("ckpt-3")
    assert json.loads((run_dir / "metrics.json").read_text())["steps"] == {"model": 3}
    # The second worker wrote its copies outside the run and removed them.
    assert sorted(path.name for path in run_dir.iterdir() if path.name.startswith(".")) == [".run.lock"]
    assert not [path for path in scratch.iterdir() if path.name.startswith("depthrepro-")]


@pytest.mark.parametrize(
    "sections, args, message",
    [
        ({"train": {"epochz": 1}}, [], "unknown key 'train.epochz'"),
        ({"train": {"epochs": "many"}}, [], "train.epochs: expected int, got 'many'"),
        (
            {"model": {"name": "nonet"}},
            [],
            "model.name: unknown model 'nonet' (expected one of: "
            "de_cnn, den_cbpn, dpde, drecnn, fcrn, gradient_net, igde)",
        ),
        ({}, ["--set", "model.args.blocks=two"], "model.args.blocks: expected int, got 'two'"),
    ],
)
def test_config_errors_are_one_line_with_exit_code_2(tiny_experiment, train_error, tmp_path, sections, args, message):
    experiment = tiny_experiment(**sections)
    line = train_error(experiment, "--run-dir", tmp_path / "run", *args)
    assert message in line and str(experiment) in line


@pytest.mark.slow
def test_missing_experiment_file_is_one_line_with_exit_code_2(tmp_path):
    assert user_error(run_train(tmp_path / "missing.yaml")) == (
        f"error: config file not found: {tmp_path / 'missing.yaml'}"
    )


@pytest.mark.slow
def test_missing_dataset_names_the_path(tiny_experiment, tmp_path):
    experiment = tiny_experiment(data={"dataset": "sceneflow", "root": str(tmp_path / "sf")})
    line = user_error(run_train(experiment, "--run-dir", tmp_path / "run"))
    assert f"dataset not found at {tmp_path / 'sf'}" in line


@pytest.mark.slow
def test_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tiny_experiment, tmp_path):
    # A linear output: one step of lr 1e30 sends the ReLU output to zero everywhere (a finite loss)
    # instead of overflowing.
    model = {**TINY_EXPERIMENT["model"], "args": {**TINY_EXPERIMENT["model"]["args"], "output_activation": "linear"}}
    experiment = tiny_experiment(
        model=model, optimizer={"learning_rate": 1.0e30}, train={"epochs": 3}, eval={"every_epochs": 0}
    )
    line = user_error(run_train(experiment, "--run-dir", tmp_path / "run"))
    assert "training stopped; the last good checkpoint is" in line
