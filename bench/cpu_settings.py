"""Where a CPU training step's time goes: the trainer's step of every CPU-scale network with
TensorFlow's oneDNN kernels on and off, and with op determinism on and off, side by side in one
run.

    python bench/cpu_settings.py [--steps 20] [--rounds 3]

TensorFlow turns oneDNN on by itself only on CPUs with AVX-512 VNNI, BF16 or AMX; elsewhere (an
AVX2-only laptop or server) its convolution gradients fall back to Eigen. `common` turns it on
unless `TF_ENABLE_ONEDNN_OPTS` is set (common/__init__.py). The variable is read when TensorFlow
loads, and op determinism (`train.deterministic`, on by default) holds for a whole process, so
each setting runs in its own process: (oneDNN, determinism) = (off, on), TensorFlow's default on
such a CPU with our determinism; (on, off); and (on, on), what the trainer runs. The settings
alternate `--rounds` times; the median rate of each is printed with the ratios, for IGDE's small
preset and each comparison network at the CPU scale's batch and crop (4 x 64 x 64), float32, the
full eq. 5 loss.
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
NETWORKS = ("igde", "de_cnn", "drecnn", "den_cbpn")


SETTINGS = {
    "oneDNN off, deterministic": ("0", True),
    "oneDNN on": ("1", False),
    "oneDNN on, deterministic": ("1", True),
}


def child(steps, deterministic):
    """Prints {network: images/s} as JSON, in this process's oneDNN setting."""
    import tensorflow as tf

    if deterministic:
        tf.config.experimental.enable_op_determinism()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from train_step import QUICKSTART, train_rate

    from commands.registry import MODELS
    from common.config.loader import load_config

    config = load_config(QUICKSTART)
    crop = config.data.crop_size
    rates = {
        name: train_rate(name, MODELS[name].presets["small"], config.data.batch_size, *crop, steps, config)[0]
        for name in NETWORKS
    }
    print(json.dumps(rates))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps of each network per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each setting")
    parser.add_argument("--child", choices=["deterministic", "free"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.steps, args.child == "deterministic")
        return
    rates = {name: [] for name in SETTINGS}
    for _ in range(args.rounds):
        for name, (onednn, deterministic) in SETTINGS.items():
            env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": onednn, "TF_CPP_MIN_LOG_LEVEL": "3"}
            mode = "deterministic" if deterministic else "free"
            command = [sys.executable, __file__, "--child", mode, "--steps", str(args.steps)]
            output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
            rates[name].append(json.loads(output.strip().splitlines()[-1]))
    print(f"threads: {os.cpu_count()}; median of {args.rounds} alternating runs of {args.steps} steps; images/s")
    print("| network (small preset, 4 x 64 x 64) | " + " | ".join(SETTINGS) + " | oneDNN gain | determinism cost |")
    print("|---" * (len(SETTINGS) + 3) + "|")
    for network in NETWORKS:
        off, free, on = (statistics.median(run[network] for run in rates[name]) for name in SETTINGS)
        print(f"| {network} | {off:.1f} | {free:.1f} | {on:.1f} | {on / off:.2f}x | {100 * (1 - on / free):+.1f} % |")


if __name__ == "__main__":
    main()
