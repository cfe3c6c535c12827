"""Inference speed and memory of each export format, side by side in one run: the SavedModel
(TensorFlow), ONNX (ONNX Runtime) and LiteRT (ai-edge-litert), for IGDE and DPDE (with its IRLS
fusion) at their `paper` presets (DPDE's encoder randomly initialised: no weights are downloaded).

    pip install -e ".[dev]"   # tf2onnx, onnxruntime, ai-edge-litert
    python bench/inference.py [--sizes 240x320 480x640] [--repeats 3] [--batch 1]

Every model is exported once by `common.export.export_model` (as `export.formats: [onnx,
tflite]` does), then each (model, format, size) runs in a fresh process through
`common.inference.model.load_model`, the inference commands' own path, on a generated scene: one
warm-up call (graph tracing, allocation), then `--repeats` timed calls; the table gives images per
second over the timed calls and the process's peak resident memory (VmHWM: the runtime's import,
the model and its largest call). The ONNX and LiteRT processes never import TensorFlow.
Threads: every runtime's default for the machine's cores (LiteRT: `num_threads` = the cores).
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np

from common.data.synthetic import generate_scene, normalized_disparity

MODELS = {"igde": ("igde.registry", {}), "dpde": ("dpde.registry", {"depth": {"encoder_weights": "none"}})}
FORMATS = {"SavedModel (TF)": "export", "ONNX Runtime": "model.onnx", "LiteRT": "model.tflite"}


def scene_batch(model, height, width, batch):
    """{input name: [batch, H, W, C] float32} of one generated scene (IGDE: RGB and its 8-bit
    disparity in [0, 1], the training data's convention)."""
    scene = generate_scene(0, height, width)
    image = scene["image"].astype(np.float32) / 255.0
    inputs = {"image": np.repeat(image[None], batch, axis=0)}
    if model == "igde":
        depth = normalized_disparity(scene["depth"])
        inputs["depth"] = np.repeat(depth[None, ..., None], batch, axis=0)
    return inputs


def measure(model, path, height, width, batch, repeats):
    """Runs in the fresh process: {"images_per_second", "peak_rss_mib"}."""
    from common.inference.model import load_model

    loaded = load_model(path, MODELS[model][0])
    inputs = scene_batch(model, height, width, batch)
    loaded.predict(inputs)
    start = time.perf_counter()
    for _ in range(repeats):
        prediction = loaded.predict(inputs)
    seconds = time.perf_counter() - start
    assert prediction.shape == (batch, height, width, 1) and np.isfinite(prediction).all()
    return {"images_per_second": batch * repeats / seconds, "peak_rss_mib": peak_resident_mib()}


def peak_resident_mib():
    """This process's peak resident memory: VmHWM of /proc/self/status (`ru_maxrss` would count
    the parent's peak, which a forked child inherits)."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def export(model, directory):
    """Exports the model's paper preset in every format to `directory`."""
    import importlib

    from common.config.schema import ExportConfig
    from common.export import export_model

    registry = importlib.import_module(MODELS[model][0]).MODELS
    spec = registry[model]
    paper = spec.presets["paper"]
    network = spec.build(**{**paper, **{key: {**paper[key], **value} for key, value in MODELS[model][1].items()}})
    export_model(network, spec, ExportConfig(keras_file=False, formats=["onnx", "tflite"]), directory)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["240x320", "480x640"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--measure", nargs=4, metavar=("MODEL", "PATH", "HEIGHT", "WIDTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        model, path, height, width = args.measure
        if not path.endswith("export"):
            sys.modules["tensorflow"] = sys.modules["keras"] = None  # the runtime formats never need them
        print(json.dumps(measure(model, path, int(height), int(width), args.batch, args.repeats)))
        return
    print(f"{os.cpu_count()} cores; batch {args.batch}; {args.repeats} timed calls after one warm-up\n")
    print("| model | size | format | images/s | vs SavedModel | peak memory (MiB) |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as work:
        for model in MODELS:
            directory = pathlib.Path(work) / model
            export(model, directory)
            for size in args.sizes:
                height, width = size.split("x")
                reference = None
                for title, name in FORMATS.items():
                    command = [sys.executable, __file__, "--measure", model, str(directory / name), height, width]
                    command += ["--batch", str(args.batch), "--repeats", str(args.repeats)]
                    result = subprocess.run(command, capture_output=True, text=True, check=True)
                    row = json.loads(result.stdout.strip().splitlines()[-1])
                    reference = reference or row["images_per_second"]
                    print(
                        f"| {model.upper()} | {height} x {width} | {title} | {row['images_per_second']:.2f} | "
                        f"{row['images_per_second'] / reference:.2f}x | {row['peak_rss_mib']:.0f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
