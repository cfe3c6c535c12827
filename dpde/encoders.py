"""FCRN encoders: image [B, H, W, 3] RGB in [0, 1] -> the five stage outputs at strides 2..32.

`resnet50` is `keras.applications.ResNet50` without its top (the paper's encoder, Sect. 3.1),
`resnet_small` a ResNet of one basic block per stage with 32..256 channels for CPU runs.
`weights`: "none" (random), "imagenet" (the Keras download), or the path of a Keras weights file
saved from the same encoder (`encoder.save_weights("resnet50.weights.h5")`), for machines that
cannot download.
"""

import os
import pathlib
import urllib.error
import urllib.request

import keras
from keras import layers

from common.atomic import atomic_path
from common.errors import ArgumentError
from dpde.layers import CaffePreprocessing

RESNET50_STAGES = ("conv1_relu", "conv2_block3_out", "conv3_block4_out", "conv4_block6_out", "conv5_block3_out")
RESNET50_NOTOP_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
# Where keras.applications.ResNet50(weights="imagenet") downloads it from.
RESNET50_NOTOP_URL = f"https://storage.googleapis.com/tensorflow/keras-applications/resnet/{RESNET50_NOTOP_FILE}"
SMALL_WIDTHS = (32, 32, 64, 128, 256)
ENCODERS = ("resnet50", "resnet_small")


def check_encoder(name, weights):
    """Raises `ArgumentError` for an unknown encoder or a weights path that is not a file."""
    if name not in ENCODERS:
        raise ArgumentError(f"encoder: expected one of {', '.join(ENCODERS)}, got {name!r}")
    if weights not in ("none", "imagenet") and not pathlib.Path(weights).is_file():
        raise ArgumentError(
            f"encoder_weights: no such file {weights} (expected none, imagenet or the path of a Keras weights file)"
        )


def build_encoder(name, weights="none"):
    """The encoder `name` as a `keras.Model` named "encoder" with five outputs (strides 2..32).

    Raises:
        ArgumentError: unknown name, a weights file that is missing or does not fit, or
            "imagenet" when the download fails.
    """
    check_encoder(name, weights)
    image = keras.Input((None, None, 3), name="image")
    if name == "resnet50":
        backbone = keras.applications.ResNet50(include_top=False, weights=None, input_shape=(None, None, 3))
        features = keras.Model(
            backbone.inputs, [backbone.get_layer(n).output for n in RESNET50_STAGES], name="resnet50"
        )(CaffePreprocessing(name="caffe_preprocessing")(image))
    else:
        features = _small_resnet(image)
    encoder = keras.Model(image, features, name="encoder")
    if weights != "none":
        path = imagenet_resnet50_weights() if weights == "imagenet" else pathlib.Path(weights)
        target = encoder.get_layer("resnet50") if name == "resnet50" else encoder
        try:
            target.load_weights(path)
        except (ValueError, OSError, KeyError) as error:
            raise ArgumentError(f"encoder_weights: {path} does not hold {name} weights ({error})") from error
    return encoder


def imagenet_resnet50_weights():
    """The path of Keras's ImageNet ResNet-50 weights (no top), downloaded into Keras's cache
    (`$KERAS_HOME/models`, default `~/.keras/models`) unless already there.

    Raises:
        ArgumentError: the download failed (offline machines pass a local copy instead).
    """
    cache = pathlib.Path(os.environ.get("KERAS_HOME", pathlib.Path.home() / ".keras")) / "models"
    path = cache / RESNET50_NOTOP_FILE
    if path.is_file():
        return path
    try:
        with atomic_path(path) as partial:  # complete or absent
            urllib.request.urlretrieve(RESNET50_NOTOP_URL, partial)
    except OSError as error:  # urllib's URLError and HTTPError are OSErrors
        raise ArgumentError(
            f"encoder_weights: could not download the ImageNet ResNet-50 weights ({error}); fetch "
            f"{RESNET50_NOTOP_URL} on a connected machine and set model.args.encoder_weights to its "
            "path"
        ) from error
    return path


def _small_resnet(image):
    """Stem (3x3 conv, stride 2) and four stages of one basic residual block (He et al. 2016)."""
    x = _conv_bn(image, SMALL_WIDTHS[0], 3, 2, "stem")
    outputs = [x]
    x = layers.MaxPooling2D(3, 2, padding="same", name="stem_pool")(x)
    for stage, width in enumerate(SMALL_WIDTHS[1:], start=2):
        stride = 1 if stage == 2 else 2
        shortcut = x
        if stride != 1 or x.shape[-1] != width:
            shortcut = _conv_bn(x, width, 1, stride, f"stage{stage}_shortcut", relu=False)
        y = _conv_bn(x, width, 3, stride, f"stage{stage}_a")
        y = _conv_bn(y, width, 3, 1, f"stage{stage}_b", relu=False)
        x = layers.ReLU(name=f"stage{stage}_out")(layers.Add(name=f"stage{stage}_add")([shortcut, y]))
        outputs.append(x)
    return outputs


def _conv_bn(x, filters, size, stride, name, relu=True):
    x = layers.Conv2D(filters, size, stride, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x
