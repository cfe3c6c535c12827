"""What `igde-enhance` and `dpde-predict` share: arguments, pairing inputs, batching, and
writing the outputs. Every model here takes any height and width.

A run takes one input (a file, or an image and a depth file) or a directory of them. A directory
run reports a bad input as one `error:` line and goes on; it ends with a count of the failures
and exit status 2 when there were any.
"""

import argparse
import dataclasses
import pathlib
import sys

import numpy as np

from common.errors import InputError, SystemFault, UserError, exit_status, require_number
from common.inference.files import (
    DEPTH_SUFFIXES,
    IMAGE_SUFFIXES,
    read_depth,
    read_rgb,
    write_colour,
    write_depth,
    write_ply,
)
from common.inference.model import load_model
from common.outputs import check_output, output_folder

FORMATS = tuple(suffix[1:] for suffix in DEPTH_SUFFIXES)


@dataclasses.dataclass(frozen=True)
class Units:
    """How a command's model output becomes file values.

    Attributes:
        png_scale: 16-bit PNG value per model unit.
        png_unit: what one PNG step is, for the help text.
        depth_input: the model also takes a depth map (depth enhancement).
        layers_module: the module whose import registers the custom layers a `.keras` model needs.
    """

    png_scale: float
    png_unit: str
    depth_input: bool
    layers_module: str


@dataclasses.dataclass
class Sample:
    """One input, read and checked: the model inputs and how to map the output to file units."""

    name: str
    inputs: dict
    scale: float  # model units -> the units of PFM, NPY and PLY outputs

    @property
    def shape(self):
        return self.inputs["image"].shape


def argument_parser(description, units):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--model",
        required=True,
        help="exported SavedModel directory (RUN_DIR/export), or a .keras, .onnx or .tflite file "
        "(the last two run without TensorFlow)",
    )
    parser.add_argument("--image", required=True, help="RGB image (PNG/JPEG) or a directory of them")
    if units.depth_input:
        parser.add_argument(
            "--depth",
            required=True,
            help="depth map (8/16-bit PNG, PFM, NPY) or a directory of them, matched to the images by file name stem",
        )
        parser.add_argument(
            "--depth-scale",
            type=float,
            help="divide the depth values by this to get the model's [0, 1] units "
            "(default: 255 for 8-bit PNG, 65535 for 16-bit PNG, 1 for PFM/NPY)",
        )
    parser.add_argument(
        "--out", required=True, help="output file (.png, .pfm or .npy) or, for directory inputs, a directory"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="png",
        help=f"output format in a directory run (default png: 16-bit, {units.png_unit})",
    )
    parser.add_argument("--batch-size", type=int, default=4, help="inputs per model call")
    parser.add_argument("--ply", action="store_true", help="also write a coloured point cloud (PLY) beside each output")
    parser.add_argument(
        "--intrinsics",
        type=float,
        nargs=4,
        metavar=("FX", "FY", "CX", "CY"),
        help="pinhole camera intrinsics in pixels, for --ply",
    )
    return parser


def _check_arguments(args):
    if args.batch_size < 1:
        raise InputError(f"--batch-size: expected an integer >= 1, got {args.batch_size}")
    if args.ply and args.intrinsics is None:
        raise InputError("--ply needs --intrinsics FX FY CX CY (pixels)")
    if args.intrinsics is not None:
        for name, value in zip(("FX", "FY", "CX", "CY"), args.intrinsics):
            require_number(value, f"--intrinsics {name}", low=0, low_open=name in ("FX", "FY"))
    if getattr(args, "depth_scale", None) is not None:
        require_number(args.depth_scale, "--depth-scale", low=0, low_open=True)


def list_inputs(args, units):
    """[(name, image path, depth path or None)] and whether the run is over a directory."""
    image = pathlib.Path(args.image)
    depth = pathlib.Path(args.depth) if units.depth_input else None
    if not image.exists():
        raise InputError(f"{image}: no such image file or directory")
    if depth is not None and not depth.exists():
        raise InputError(f"{depth}: no such depth file or directory")
    if image.is_file():
        if depth is not None and not depth.is_file():
            raise InputError(f"{depth}: expected a depth file, as --image is a file")
        return [(image.stem, image, depth)], False
    if depth is not None and not depth.is_dir():
        raise InputError(f"{depth}: expected a directory, as --image is a directory")
    images = sorted(p for p in image.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise InputError(f"{image}: no {', '.join(IMAGE_SUFFIXES)} images in the directory")
    items = []
    for path in images:
        match = None
        if depth is not None:
            candidates = [depth / f"{path.stem}{suffix}" for suffix in DEPTH_SUFFIXES]
            match = next((c for c in candidates if c.is_file()), candidates[0])
        items.append((path.stem, path, match))
    return items, True


def output_path(args, name, directory):
    out = pathlib.Path(args.out)
    return out / f"{name}.{args.format}" if directory else out


def output_files(args, path):
    """Every file written for the output `path`: the depth, its colour PNG and, with --ply, the
    point cloud."""
    files = [path, path.with_name(f"{path.stem}_colour.png")]
    return files + [path.with_suffix(".ply")] if args.ply else files


def check_outputs(args, items, directory):
    """Raises InputError, before anything is written, when an output would replace an input (an
    image, a depth map or the model), a directory run writes into an input directory, or two
    inputs would write one output (`a.png` and `a.jpg`; `x_colour.png` and the colour map of
    `x.png`)."""
    out = pathlib.Path(args.out).resolve()
    if directory:
        for flag in ("image", "depth"):
            source = getattr(args, flag, None)
            if source is not None and pathlib.Path(source).resolve() == out:
                raise InputError(
                    f"--out {args.out}: is the --{flag} directory; write the outputs to a directory of their own"
                )
    inputs = {pathlib.Path(args.model).resolve()}
    inputs |= {path.resolve() for _, image, depth in items for path in (image, depth) if path is not None}
    writers = {}
    for name, image, _ in items:
        for path in output_files(args, output_path(args, name, directory)):
            if path.resolve() in inputs or any(path.exists() and path.samefile(i) for i in inputs if i.exists()):
                raise InputError(f"--out {args.out}: would write {path} over an input; choose another --out")
            if path in writers:
                raise InputError(f"{image}: would write {path}, as {writers[path]} does; rename one of the two")
            writers[path] = image


def read_sample(args, units, name, image_path, depth_path):
    """Reads one input and checks it: RGB, and for depth enhancement a one-channel finite depth
    map of the same size."""
    image = read_rgb(image_path)
    inputs, scale = {"image": image}, 1.0
    if units.depth_input:
        values, default_scale = read_depth(depth_path)
        if values.shape != image.shape[:2]:
            raise InputError(
                f"{depth_path}: depth is {values.shape[0]}x{values.shape[1]} but the "
                f"image {image_path.name} is {image.shape[0]}x{image.shape[1]}"
            )
        scale = args.depth_scale or default_scale
        inputs["depth"] = (values / scale)[..., None]
    return Sample(name, inputs, scale)


def write_outputs(args, units, sample, prediction, path):
    """The depth file, its colour-mapped PNG and, with --ply, the point cloud."""
    depth = prediction[..., 0]
    depth_file, colour_file, *ply_file = output_files(args, path)
    if path.suffix.lower() == ".png":
        write_depth(depth_file, depth, units.png_scale)
    else:
        write_depth(depth_file, depth * sample.scale, 1.0)
    write_colour(colour_file, depth)
    if ply_file:
        write_ply(ply_file[0], depth * sample.scale, sample.inputs["image"], tuple(args.intrinsics))


def predict_files(args, units):
    """Runs the model over the inputs and writes the outputs.

    Raises:
        InputError: a bad argument, model or single input; in a directory run, after the good
            inputs are written, the count of the bad ones (each already reported on stderr).
    """
    _check_arguments(args)
    items, directory = list_inputs(args, units)
    check_outputs(args, items, directory)
    check_output(args.out, folder=directory)
    model = load_model(args.model, units.layers_module)
    expected = ("depth", "image") if units.depth_input else ("image",)
    if model.inputs != expected:
        raise InputError(
            f"{args.model}: the model takes {', '.join(model.inputs)}; this command "
            f"needs a model that takes {' and '.join(expected)}"
        )
    out = pathlib.Path(args.out)
    if directory:
        output_folder(out)
    elif out.suffix.lower() not in DEPTH_SUFFIXES:
        raise InputError(f"--out {out}: expected a file ending in {', '.join(DEPTH_SUFFIXES)}")
    pending, failures, done = [], 0, 0

    def flush():
        nonlocal failures
        batch = {key: np.stack([s.inputs[key] for s in pending]) for key in model.inputs}
        for sample, prediction in zip(pending, model.predict(batch)):
            try:
                write_outputs(args, units, sample, prediction, output_path(args, sample.name, directory))
            except UserError as error:
                if not directory or isinstance(error, SystemFault):  # a full disk stops every write
                    raise
                print(f"\nerror: {error}", file=sys.stderr)
                failures += 1
        pending.clear()

    for name, image_path, depth_path in items:
        try:
            sample = read_sample(args, units, name, image_path, depth_path)
        except UserError as error:
            if not directory:
                raise
            print(f"\nerror: {error}", file=sys.stderr)
            failures += 1
        else:
            if pending and (len(pending) == args.batch_size or pending[0].shape != sample.shape):
                flush()
            pending.append(sample)
        done += 1
        if directory:
            print(f"\r{done}/{len(items)} inputs", end="\n" if done == len(items) else "", file=sys.stderr, flush=True)
    if pending:
        flush()
    if failures:
        raise InputError(
            f"{failures} of {len(items)} inputs failed (reported above); the other "
            f"{len(items) - failures} were written to {out}"
        )


def main(description, units, argv=None):
    """A command's entry point: parses `argv`, runs, returns the exit status (2 on bad input)."""
    args = argument_parser(description, units).parse_args(argv)
    return exit_status(lambda: predict_files(args, units))
