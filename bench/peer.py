"""Our training step against the same network written in PyTorch, side by side in one run on the
same threads: IGDE (small preset; paper preset at a reduced crop), FCRN and the modified FCRN
(ResNet-50, the paper's 1024-channel decoder).

    pip install -e ".[bench]"   # PyTorch (on a CPU-only machine, install a CPU build of torch first)
    python bench/peer.py [--steps 5] [--networks igde_small igde_paper fcrn modified_fcrn]

Each PyTorch network is built here from the same layer list as ours (`igde.model`, `dpde.fcrn`,
Keras's ResNet-50: convolutions with biases, batch norm with epsilon 1.001e-5, Laina's fast
up-convolution) and must have our parameter count (trainable weights plus batch-norm statistics)
before it is timed. Both steps are forward, L1 loss, backward and an Adam update, float32, on
the same random batch, after two warm-up steps; the rate is the median of `--steps` steps. FLOP per step
are 3x the forward convolutions' multiply-adds x 2 (counted on the PyTorch network); the achieved
GFLOP/s are given as a fraction of this machine's float32 matmul rate (2048 x 2048, the better of
TensorFlow and PyTorch), measured in the same run.
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np
import tensorflow as tf
import torch
import torch.nn.functional as F
from torch import nn
from train_step import random_train_step

from common.config.loader import load_config
from dpde.fcrn import UP_PROJECTIONS
from dpde.layers import IMAGENET_BGR_MEAN
from dpde.presets import PRESETS as DPDE_PRESETS
from igde.model import EARLY_LAYERS
from igde.presets import PRESETS as IGDE_PRESETS

QUICKSTART = pathlib.Path(__file__).resolve().parents[1] / "experiments" / "quickstart.yaml"
BN_EPSILON = 1.001e-5  # keras.applications.ResNet50's
RESNET50_BLOCKS = ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2))  # (width, blocks, stride)
FCRN_PAPER = {**DPDE_PRESETS["paper"]["depth"], "encoder_weights": "none"}
NETWORKS = {  # name: (registry name, arguments, batch, height, width)
    "igde_small": ("igde", IGDE_PRESETS["small"], 4, 64, 64),
    "igde_paper": ("igde", IGDE_PRESETS["paper"], 2, 70, 120),
    "fcrn": ("fcrn", {**FCRN_PAPER, "lateral_connections": False}, 4, 240, 320),
    "modified_fcrn": ("fcrn", FCRN_PAPER, 4, 240, 320),
}


# IGDE in PyTorch (igde.rdn, igde.model) --------------------------------------------------------


class Conv(nn.Sequential):
    def __init__(self, inputs, outputs, kernel, relu=True):
        super().__init__(nn.Conv2d(inputs, outputs, kernel, padding=kernel // 2), *([nn.ReLU()] if relu else []))


class ResidualDenseBlock(nn.Module):
    def __init__(self, features, growth, layers, fusion_relu):
        super().__init__()
        self.dense = nn.ModuleList(Conv(features + i * growth, growth, 3) for i in range(layers))
        self.fusion = Conv(features + layers * growth, features, 1, fusion_relu)

    def forward(self, x):
        features = [x]
        for conv in self.dense:
            features.append(conv(torch.cat(features, 1)))
        return x + self.fusion(torch.cat(features, 1))


class RDNBody(nn.Module):
    def __init__(self, features, growth, layers, blocks, fusion_relu, guided_block=False):
        super().__init__()
        self.blocks = nn.ModuleList(ResidualDenseBlock(features, growth, layers, fusion_relu) for _ in range(blocks))
        self.guide = Conv(2 * features, features, 1) if guided_block else None
        self.fuse_1x1 = Conv(blocks * features, features, 1, fusion_relu)
        self.fuse_3x3 = Conv(features, features, 3, fusion_relu)

    def forward(self, x, shallow, guide=None, early=None):
        outputs = []
        for index, block in enumerate(self.blocks):
            x = block(x)
            if index == 0 and self.guide is not None:
                x = self.guide(torch.cat([x, guide], 1))
            outputs.append(x)
        if early is not None:
            early.append(outputs[0])
        return self.fuse_3x3(self.fuse_1x1(torch.cat(outputs, 1))) + shallow


class Branch(nn.Module):
    def __init__(self, inputs, features, growth, layers, blocks, fusion_relu, guided=()):
        super().__init__()
        self.guided = set(guided)
        self.shallow_1 = Conv(inputs, features, 3)
        self.shallow_2 = Conv(features, features, 3)
        self.guides = nn.ModuleDict({str(i): Conv(2 * features, features, 1) for i in self.guided if i < 2})
        self.body = RDNBody(features, growth, layers, blocks, fusion_relu, 2 in self.guided)

    def forward(self, x, guides=None):
        shallow = self.shallow_1(x)
        early = [shallow]
        x = self.guides["0"](torch.cat([shallow, guides[0]], 1)) if 0 in self.guided else shallow
        x = self.shallow_2(x)
        early.append(x)
        x = self.guides["1"](torch.cat([x, guides[1]], 1)) if 1 in self.guided else x
        out = self.body(x, shallow, guides[2] if 2 in self.guided else None, early)
        return out, early


class IGDE(nn.Module):
    def __init__(
        self,
        features,
        growth,
        block_layers,
        blocks,
        image_concat_layers,
        residual_output,
        output_activation,
        fusion_activation,
        fuse_image_features,
    ):
        super().__init__()
        assert output_activation == "relu" and fuse_image_features
        self.residual_output = residual_output
        sizes = (features, growth, block_layers, blocks, fusion_activation == "relu")
        self.image = Branch(3, *sizes)
        self.depth = Branch(1, *sizes, guided=range(EARLY_LAYERS - image_concat_layers, EARLY_LAYERS))
        self.fuse_1x1 = Conv(2 * features, features, 1)
        self.fuse_3x3 = Conv(features, features, 3)
        self.refine = RDNBody(*sizes)
        self.output = nn.Conv2d(features, 1, 1)
        if residual_output:
            nn.init.zeros_(self.output.weight)

    def forward(self, image, depth):
        image_features, early = self.image(image)
        depth_features, _ = self.depth(depth, early)
        fused = self.fuse_3x3(self.fuse_1x1(torch.cat([image_features, depth_features], 1)))
        output = self.output(self.refine(fused, fused))
        return F.relu(depth + output if self.residual_output else output)


# FCRN in PyTorch (dpde.fcrn, dpde.layers, keras.applications.ResNet50) --------------------------


class ConvBN(nn.Sequential):
    def __init__(self, inputs, outputs, kernel, stride=1, relu=True, padding=0):
        super().__init__(
            nn.Conv2d(inputs, outputs, kernel, stride, padding),
            nn.BatchNorm2d(outputs, eps=BN_EPSILON),
            *([nn.ReLU()] if relu else []),
        )


class Bottleneck(nn.Module):
    """Keras's ResNet50 block: the stride on the first 1x1, a projection shortcut in the first."""

    def __init__(self, inputs, width, stride):
        super().__init__()
        self.body = nn.Sequential(
            ConvBN(inputs, width, 1, stride),
            ConvBN(width, width, 3, padding=1),
            ConvBN(width, 4 * width, 1, relu=False),
        )
        self.shortcut = ConvBN(inputs, 4 * width, 1, stride, relu=False) if stride != 1 or inputs != 4 * width else None

    def forward(self, x):
        return F.relu(self.body(x) + (x if self.shortcut is None else self.shortcut(x)))


class UpConvolution(nn.Module):
    """2x unpooling + 5x5 conv as Laina's four interleaved convolutions of sub-kernels."""

    PHASES = (
        (slice(0, 5, 2), slice(0, 5, 2), (1, 1, 1, 1)),
        (slice(0, 5, 2), slice(1, 5, 2), (0, 1, 1, 1)),
        (slice(1, 5, 2), slice(0, 5, 2), (1, 1, 0, 1)),
        (slice(1, 5, 2), slice(1, 5, 2), (0, 1, 0, 1)),
    )

    def __init__(self, inputs, outputs):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(outputs, inputs, 5, 5))
        self.bias = nn.Parameter(torch.zeros(outputs))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, x):
        phases = [F.conv2d(F.pad(x, pad), self.weight[:, :, rows, cols]) for rows, cols, pad in self.PHASES]
        batch, channels, height, width = phases[0].shape
        interleaved = torch.stack(phases, 2).reshape(batch, 4 * channels, height, width)
        return F.pixel_shuffle(interleaved, 2) + self.bias[:, None, None]


class UpProjection(nn.Module):
    def __init__(self, inputs, outputs):
        super().__init__()
        self.branch = nn.Sequential(
            UpConvolution(inputs, outputs),
            nn.BatchNorm2d(outputs, eps=1e-3),
            nn.ReLU(),
            nn.Conv2d(outputs, outputs, 3, padding=1),
            nn.BatchNorm2d(outputs, eps=1e-3),
        )
        self.projection = nn.Sequential(UpConvolution(inputs, outputs), nn.BatchNorm2d(outputs, eps=1e-3))

    def forward(self, x):
        return F.relu(self.branch(x) + self.projection(x))


class FCRN(nn.Module):
    def __init__(self, encoder, encoder_weights, decoder_width, fast_upconvolution, lateral_connections):
        super().__init__()
        assert encoder == "resnet50" and fast_upconvolution
        self.stem = ConvBN(3, 64, 7, 2)
        stages, inputs = [], 64
        for width, blocks, stride in RESNET50_BLOCKS:
            stages.append(
                nn.Sequential(
                    *(
                        Bottleneck(inputs if i == 0 else 4 * width, width, stride if i == 0 else 1)
                        for i in range(blocks)
                    )
                )
            )
            inputs = 4 * width
        self.stages = nn.ModuleList(stages)
        self.bottleneck = nn.Sequential(nn.Conv2d(2048, decoder_width, 1), nn.BatchNorm2d(decoder_width, eps=1e-3))
        widths = [decoder_width // 2**i for i in range(UP_PROJECTIONS + 1)]
        self.up = nn.ModuleList(UpProjection(widths[i], widths[i + 1]) for i in range(UP_PROJECTIONS))
        skips = (1024, 512, 256, 64)
        self.laterals = (
            nn.ModuleList(Conv(widths[i + 1] + skips[i], widths[i + 1], 1) for i in range(UP_PROJECTIONS))
            if lateral_connections
            else None
        )
        self.depth = nn.Conv2d(widths[4], 1, 3, padding=1)
        self.register_buffer("mean", torch.tensor(IMAGENET_BGR_MEAN)[None, :, None, None])

    def forward(self, image):
        x = self.stem(F.pad(image.flip(1) * 255.0 - self.mean, (3, 3, 3, 3)))
        features = [x]
        x = F.max_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2)
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        x = self.bottleneck(x)
        for index in range(UP_PROJECTIONS + 1):
            if index > 0:
                skip = features[-1 - index]
                x = x[:, :, : skip.shape[2], : skip.shape[3]]
                if self.laterals is not None:
                    x = self.laterals[index - 1](torch.cat([x, skip], 1))
            if index < UP_PROJECTIONS:
                x = self.up[index](x)
        return F.interpolate(self.depth(x), size=image.shape[2:], mode="bilinear", align_corners=False)


# Timing -----------------------------------------------------------------------------------------


def keras_parameter_count(model):
    return sum(int(np.prod(p.shape)) for p in model.parameters()) + sum(
        int(np.prod(b.shape)) for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var"))
    )


def forward_flop(model, inputs):
    """2 x multiply-adds of every convolution in one forward pass (an up-convolution's four
    sub-kernels hold 25 taps for every 4 output pixels)."""
    total = []

    def count(module, args, output):
        taps = module.weight.shape[2] * module.weight.shape[3] if isinstance(module, nn.Conv2d) else 25 / 4
        total.append(2 * output.numel() * module.weight.shape[1] * taps)

    handles = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, UpConvolution))]
    with torch.no_grad():
        model(*inputs)
    for handle in handles:
        handle.remove()
    return sum(total)


def median_seconds(step, steps):
    step()
    step()
    times = []
    for _ in range(steps):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def theirs(model, arguments, batch_data, inputs, steps):
    """(median seconds of a PyTorch step on `batch_data`, Keras-style parameter count, FLOP per step)."""
    network = (IGDE if model == "igde" else FCRN)(**arguments)
    network.train()
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-4)
    data = [torch.from_numpy(batch_data[key].transpose(0, 3, 1, 2).copy()) for key in inputs]
    target = torch.from_numpy(batch_data["target"].transpose(0, 3, 1, 2).copy())

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = (network(*data) - target).abs().mean()
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    return median_seconds(step, steps), keras_parameter_count(network), 3 * forward_flop(network, data)


def matmul_rate(size=2048, repeats=10):
    """Float32 GFLOP/s of a size x size matmul, the better of TensorFlow and PyTorch."""
    a = np.random.default_rng(0).random((size, size), np.float32)
    rates = []
    ta = tf.constant(a)
    pa = torch.from_numpy(a)
    for run in (lambda: tf.linalg.matmul(ta, ta).numpy(), lambda: torch.matmul(pa, pa)):
        seconds = median_seconds(run, repeats)
        rates.append(2 * size**3 / seconds / 1e9)
    return max(rates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="timed steps of each (the median is printed)")
    parser.add_argument("--networks", nargs="+", choices=list(NETWORKS), default=list(NETWORKS))
    args = parser.parse_args()
    threads = os.cpu_count()
    torch.set_num_threads(threads)
    config = load_config(QUICKSTART)
    peak = matmul_rate()
    print(
        f"threads: TensorFlow default ({threads} cores), PyTorch {torch.get_num_threads()}; "
        f"torch {torch.__version__}, tensorflow {tf.__version__}; matmul {peak:.1f} GFLOP/s"
    )
    print(
        "| network | batch x H x W | parameters | ours images/s | PyTorch images/s | ours / PyTorch | "
        "ours GFLOP/s (of matmul) | PyTorch GFLOP/s (of matmul) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.networks:
        model, arguments, batch, height, width = NETWORKS[name]
        our_step, batch_data, spec, our_parameters = random_train_step(
            model, arguments, batch, height, width, config, loss_weights={"l1": 1.0}
        )
        our_seconds = median_seconds(our_step, args.steps)
        their_seconds, their_parameters, flop = theirs(model, arguments, batch_data, spec.inputs, args.steps)
        if our_parameters != their_parameters:
            raise SystemExit(
                f"error: {name}: the PyTorch network has {their_parameters:,} parameters, ours "
                f"{our_parameters:,}: not the same network"
            )
        our_gflops, their_gflops = flop / our_seconds / 1e9, flop / their_seconds / 1e9
        print(
            f"| {name} | {batch} x {height} x {width} | {our_parameters:,} | {batch / our_seconds:.2f} | "
            f"{batch / their_seconds:.2f} | {their_seconds / our_seconds:.2f} | "
            f"{our_gflops:.1f} ({our_gflops / peak:.0%}) | {their_gflops:.1f} ({their_gflops / peak:.0%}) |"
        )


if __name__ == "__main__":
    main()
