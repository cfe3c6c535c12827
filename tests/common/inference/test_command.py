"""igde-enhance and dpde-predict on files the tests write: every input and output format, PLY
point clouds, directories with bad files and bad models, with every kind of model file (SavedModel,
.keras, ONNX, LiteRT); sizes that are multiples of nothing (30 x 42)."""

import shutil
import subprocess
import sys

import cv2
import numpy as np
import plyfile
import pytest

from commands.dpde_predict import main as dpde_predict
from commands.igde_enhance import main as igde_enhance
from common.data.pfm import read_pfm, write_pfm
from common.irls import IRLS_TOLERANCE

RNG = np.random.default_rng(0)
HEIGHT, WIDTH = 30, 42
INTRINSICS = (40.0, 42.0, 20.5, 14.0)


def _write_rgb(path, height=HEIGHT, width=WIDTH):
    rgb = RNG.integers(0, 256, (height, width, 3), dtype=np.uint8)
    flags = [cv2.IMWRITE_JPEG_QUALITY, 100] if path.suffix == ".jpg" else []
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), flags)
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB).astype(np.float32) / 255


def _write_depth(path, kind, height=HEIGHT, width=WIDTH):
    """Writes a depth map of `kind`; returns its values in [0, 1] model units."""
    unit = RNG.random((height, width)).astype(np.float32)
    if kind == "png8":
        cv2.imwrite(str(path), np.round(unit * 255).astype(np.uint8))
        return np.round(unit * 255) / 255
    if kind == "png16":
        cv2.imwrite(str(path), np.round(unit * 65535).astype(np.uint16))
        return np.round(unit * 65535) / 65535
    if kind == "pfm":
        write_pfm(path, unit)
    else:
        np.save(path, unit)
    return unit


def _read_output(path):
    if path.suffix == ".png":
        raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert raw.dtype == np.uint16
        return raw.astype(np.float32)
    return read_pfm(path) if path.suffix == ".pfm" else np.load(path)


def _errors(capsys):
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]


SUFFIX = {"png8": ".png", "png16": ".png", "pfm": ".pfm", "npy": ".npy"}


MODEL_KINDS = ("saved_model", "keras", "onnx", "tflite")
EXPORTED_KINDS = ("saved_model", "onnx", "tflite")  # what a user deploys


@pytest.mark.parametrize("model_kind", MODEL_KINDS)
@pytest.mark.parametrize(
    "depth_kind, out_suffix", [("png8", ".pfm"), ("png16", ".png"), ("pfm", ".npy"), ("npy", ".png")]
)
def test_igde_enhance_reads_and_writes_every_format(igde_model, model_kind, depth_kind, out_suffix, tmp_path):
    model, paths = igde_model
    image = _write_rgb(tmp_path / "rgb.jpg")
    depth = _write_depth(tmp_path / f"depth{SUFFIX[depth_kind]}", depth_kind)
    out = tmp_path / "out" / f"refined{out_suffix}"
    status = igde_enhance(
        [
            "--model",
            str(paths[model_kind]),
            "--image",
            str(tmp_path / "rgb.jpg"),
            "--depth",
            str(tmp_path / f"depth{SUFFIX[depth_kind]}"),
            "--out",
            str(out),
        ]
    )
    assert status == 0
    expected = model({"image": image[None], "depth": depth[None, ..., None]}).numpy()[0, ..., 0]
    # PNG holds [0, 1] x 65535; PFM/NPY hold the input's units (here [0, 1] x the default scale).
    scale = 65535 if out_suffix == ".png" else {"png8": 255, "png16": 65535}.get(depth_kind, 1)
    if out_suffix == ".png":
        expected = np.clip(expected, 0, 1)  # 16-bit PNG clips to its range
    written = _read_output(out)
    assert written.shape == (HEIGHT, WIDTH)
    np.testing.assert_allclose(written, expected * scale, atol=max(1e-4 * scale, 0.51))
    colour = cv2.imread(str(tmp_path / "out" / "refined_colour.png"))
    assert colour.shape == (HEIGHT, WIDTH, 3) and colour.std() > 0


def test_dpde_predict_writes_millimetre_png_and_a_ply_that_back_projects(dpde_model, tmp_path):
    model, paths = dpde_model
    image = _write_rgb(tmp_path / "rgb.png")
    status = dpde_predict(
        [
            "--model",
            str(paths["saved_model"]),
            "--image",
            str(tmp_path / "rgb.png"),
            "--out",
            str(tmp_path / "depth.npy"),
            "--ply",
            "--intrinsics",
            *map(str, INTRINSICS),
        ]
    )
    assert status == 0
    depth = np.load(tmp_path / "depth.npy")
    # IRLS's conjugate-gradient solve stops at a relative residual, so eager and graph runs differ
    # (with oneDNN's kernels by up to 0.09 % of the depth).
    np.testing.assert_allclose(depth, model({"image": image[None]}).numpy()[0, ..., 0], rtol=1e-3, atol=1e-3)

    vertices = plyfile.PlyData.read(str(tmp_path / "depth.ply"))["vertex"].data
    fx, fy, cx, cy = INTRINSICS
    rows, cols = np.nonzero(depth > 0)
    assert len(vertices) == len(rows) > 0
    z = depth[rows, cols]
    np.testing.assert_allclose(vertices["z"], z, rtol=1e-6)
    np.testing.assert_allclose(vertices["x"], (cols - cx) * z / fx, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vertices["y"], (rows - cy) * z / fy, rtol=1e-5, atol=1e-6)
    colours = np.stack([vertices["red"], vertices["green"], vertices["blue"]], axis=1)
    np.testing.assert_array_equal(colours, np.round(image[rows, cols] * 255).astype(np.uint8))

    assert (
        dpde_predict(
            ["--model", str(paths["keras"]), "--image", str(tmp_path / "rgb.png"), "--out", str(tmp_path / "depth.png")]
        )
        == 0
    )
    millimetres = cv2.imread(str(tmp_path / "depth.png"), cv2.IMREAD_UNCHANGED)
    np.testing.assert_allclose(millimetres, np.clip(depth * 1000, 0, 65535), atol=1.5)  # IRLS, as above

    for kind in ("onnx", "tflite"):
        out = tmp_path / f"depth_{kind}.npy"
        assert dpde_predict(["--model", str(paths[kind]), "--image", str(tmp_path / "rgb.png"), "--out", str(out)]) == 0
        # two IRLS runs, each within IRLS_TOLERANCE of the same minimiser
        assert np.linalg.norm(np.load(out) - depth) <= 2 * IRLS_TOLERANCE * np.linalg.norm(depth)


def _bad_inputs(images, depths):
    """Writes one input of each kind of problem; returns {stem: what the error must say}."""
    cv2.imwrite(str(images / "grey.png"), np.zeros((HEIGHT, WIDTH), np.uint8))
    (images / "broken.png").write_bytes(b"\x89PNG not really")
    _write_rgb(images / "small.png")
    _write_rgb(images / "nan.png")
    nan = np.ones((HEIGHT, WIDTH), np.float32)
    nan[3, 4] = np.nan
    write_pfm(depths / "nan.pfm", nan)
    _write_depth(depths / "small.npy", "npy", HEIGHT - 2, WIDTH)
    _write_rgb(images / "orphan.png")
    for stem in ("grey", "broken"):
        _write_depth(depths / f"{stem}.png", "png8")
    cv2.imwrite(str(depths / "rgbdepth.png"), np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    _write_rgb(images / "rgbdepth.png")
    return {
        "grey": "expected an RGB image with 3 channels, got 1",
        "broken": "truncated PNG (no IEND chunk)",
        "small": f"depth is {HEIGHT - 2}x{WIDTH} but the image small.png is {HEIGHT}x{WIDTH}",
        "nan": "1 depth values are NaN or infinite",
        "orphan": "missing or not a readable image",
        "rgbdepth": "expected a one-channel depth map, got shape (30, 42, 3) (3 channels)",
    }


@pytest.mark.parametrize("model_kind", EXPORTED_KINDS)
def test_igde_directory_run_reports_bad_files_and_finishes_the_rest(igde_model, model_kind, tmp_path, capsys):
    _, paths = igde_model
    images, depths = tmp_path / "rgb", tmp_path / "depth"
    images.mkdir()
    depths.mkdir()
    good = ["a", "b", "c", "d", "e"]
    for index, stem in enumerate(good):
        _write_rgb(images / f"{stem}.png", HEIGHT + 2 * (index % 2), WIDTH)  # two sizes
        _write_depth(
            depths / f"{stem}{('.png', '.npy', '.pfm')[index % 3]}",
            ("png16", "npy", "pfm")[index % 3],
            HEIGHT + 2 * (index % 2),
            WIDTH,
        )
    expected = _bad_inputs(images, depths)
    status = igde_enhance(
        [
            "--model",
            str(paths[model_kind]),
            "--image",
            str(images),
            "--depth",
            str(depths),
            "--out",
            str(tmp_path / "out"),
            "--format",
            "npy",
            "--batch-size",
            "2",
        ]
    )
    assert status == 2
    errors = _errors(capsys)
    for stem, message in expected.items():
        assert sum(stem in line and message in line for line in errors) == 1, (stem, errors)
    assert errors[-1] == (
        f"error: {len(expected)} of {len(expected) + len(good)} inputs failed "
        f"(reported above); the other {len(good)} were written to {tmp_path / 'out'}"
    )
    written = sorted(p.name for p in (tmp_path / "out").glob("*.npy"))
    assert written == [f"{stem}.npy" for stem in good]
    assert np.load(tmp_path / "out" / "b.npy").shape == (HEIGHT + 2, WIDTH)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"--image": "grey.png"}, "grey.png: expected an RGB image with 3 channels, got 1"),
        ({"--image": "missing.png"}, "missing.png: no such image file or directory"),
        ({"--depth": "nan.pfm"}, "nan.pfm: 1 depth values are NaN or infinite"),
        ({"--depth": "small.npy"}, f"small.npy: depth is {HEIGHT - 2}x{WIDTH} but the image"),
        ({"--depth": "notes.txt"}, "notes.txt: expected a depth map ending in .png, .pfm, .npy"),
        ({"--out": "out.tif"}, "--out out.tif: expected a file ending in .png, .pfm, .npy"),
        ({"--ply": None}, "--ply needs --intrinsics FX FY CX CY (pixels)"),
        (
            {"--model": "nowhere"},
            "nowhere: no such model (expected a SavedModel directory or a .keras, .onnx or .tflite file)",
        ),
        ({"--model": "."}, ".: not a SavedModel directory (no saved_model.pb)"),
        ({"--model": "notes.txt"}, "notes.txt: expected a SavedModel directory or a .keras, .onnx or .tflite file"),
        ({"--model": "bad.keras"}, "bad.keras: could not load the Keras model"),
    ],
)
def test_igde_bad_single_inputs_are_one_line(igde_model, tmp_path, capsys, monkeypatch, changes, message):
    _, paths = igde_model
    monkeypatch.chdir(tmp_path)
    _bad_inputs(tmp_path, tmp_path)
    _write_rgb(tmp_path / "rgb.png")
    _write_depth(tmp_path / "depth.png", "png8")
    (tmp_path / "notes.txt").write_text("not a depth map")
    (tmp_path / "bad.keras").write_bytes(b"not a zip")
    arguments = {
        "--model": str(paths["keras"]),
        "--image": "rgb.png",
        "--depth": "depth.png",
        "--out": "out.png",
        **changes,
    }
    argv = [item for flag, value in arguments.items() for item in (flag, value) if item is not None]
    assert igde_enhance(argv) == 2
    errors = _errors(capsys)
    assert len(errors) == 1 and message in errors[0], errors


@pytest.mark.parametrize("model_kind", EXPORTED_KINDS)
def test_a_dpde_model_is_refused_by_igde_enhance(dpde_model, model_kind, tmp_path, capsys):
    _, paths = dpde_model
    _write_rgb(tmp_path / "rgb.png")
    _write_depth(tmp_path / "depth.png", "png8")
    status = igde_enhance(
        [
            "--model",
            str(paths[model_kind]),
            "--image",
            str(tmp_path / "rgb.png"),
            "--depth",
            str(tmp_path / "depth.png"),
            "--out",
            str(tmp_path / "o.png"),
        ]
    )
    assert status == 2
    assert "the model takes image; this command needs a model that takes depth and image" in _errors(capsys)[0]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dpde-predict") is None, reason="console scripts not installed")
def test_console_script_runs(dpde_model, tmp_path):
    _, paths = dpde_model
    _write_rgb(tmp_path / "rgb.jpg")
    result = subprocess.run(
        [
            "dpde-predict",
            "--model",
            str(paths["keras"]),
            "--image",
            str(tmp_path / "rgb.jpg"),
            "--out",
            str(tmp_path / "d.pfm"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert read_pfm(tmp_path / "d.pfm").shape == (HEIGHT, WIDTH)


@pytest.mark.parametrize("kind, runtime", [("onnx", "onnxruntime"), ("tflite", "ai_edge_litert.interpreter")])
def test_a_missing_runtime_is_named(dpde_model, kind, runtime, tmp_path, capsys, monkeypatch):
    _, paths = dpde_model
    monkeypatch.setitem(sys.modules, runtime, None)  # importing it raises ImportError
    _write_rgb(tmp_path / "rgb.png")
    assert dpde_predict(["--model", str(paths[kind]), "--image", str(tmp_path / "rgb.png"), "--out", "o.png"]) == 2
    assert _errors(capsys) == [
        f"error: {paths[kind]}: running a .{kind} model needs {runtime.split('.')[0]} (pip install -e '.[runtime]')"
    ]


@pytest.mark.parametrize("names", [("a.png", "a.jpg"), ("x.png", "x_colour.png")])
def test_two_inputs_that_would_write_one_output_are_refused_before_writing(dpde_model, names, tmp_path, capsys):
    _, paths = dpde_model
    (tmp_path / "images").mkdir()
    for name in names:
        _write_rgb(tmp_path / "images" / name)
    out = tmp_path / "out"
    status = dpde_predict(["--model", str(paths["keras"]), "--image", str(tmp_path / "images"), "--out", str(out)])
    assert status == 2
    (error,) = _errors(capsys)
    assert "rename one of the two" in error and all(name in error for name in names)
    assert not out.exists()


def test_a_full_disk_stops_a_directory_run_with_exit_3(dpde_model, tmp_path, capsys, monkeypatch):
    import cv2

    _, paths = dpde_model
    (tmp_path / "images").mkdir()
    for name in ("a.png", "b.png"):
        _write_rgb(tmp_path / "images" / name)
    monkeypatch.setattr(cv2, "imwrite", lambda path, array, *rest: False)  # OpenCV on a full disk
    out = tmp_path / "out"
    status = dpde_predict(["--model", str(paths["keras"]), "--image", str(tmp_path / "images"), "--out", str(out)])
    (error,) = _errors(capsys)
    assert status == 3 and error.startswith(f"error: {out / 'a.png'}: the image was not written whole")
    assert not [path for path in out.iterdir()]
