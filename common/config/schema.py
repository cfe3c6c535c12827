"""The experiment schema: one typed dataclass per section of an experiment file, every field
with its default and its check. The papers' settings are the defaults; those the papers leave open
are marked "reconstruction" and listed in RECONSTRUCTION.md. `common.config.loader` reads a file
into these classes.

An experiment has the sections `model`, `data`, `loss`, `optimizer`, `schedule`, `train`, `eval`,
`export`, `distribute` and `stage_settings`, plus a `name` and an optional `base`.
"""

import re
import typing
from dataclasses import dataclass, field

from common.baselines import BASELINES_BY_KIND


class InvalidValue(Exception):
    """An impossible value inside one section; the loader (`common.config.loader`) adds the file
    and the key path."""

    def __init__(self, key, expected):
        super().__init__(key, expected)
        self.key = key
        self.expected = expected


# train.mixed_precision: Keras dtype policies, or "auto" (common/training/precision.py).
MIXED_PRECISION = ("mixed_float16", "mixed_bfloat16", "auto")


# Bounds that keep every number a tensor's size or a seed is made of within what TensorFlow's int32
# shapes, NumPy's seeds and a machine's memory allow: a mistyped 1e9 is one line at load, not a
# traceback or an int32 overflow an epoch later.
MAX_SEED = 2**31 - 1
MAX_SIDE = 16_384  # pixels of an image side
MAX_BATCH = 4_096
MAX_BATCH_PIXELS = 2**28  # batch x height x width of one batch
MAX_SAMPLES = 10_000_000
MAX_COUNT = 10**9  # epochs, steps, logging and checkpoint intervals
SCENEFLOW_FRAME = (540, 960)  # Scene Flow's frame: data.image_size centre-crops it


def _require(condition, key, expected):
    if not condition:
        raise InvalidValue(key, expected)


@dataclass
class ModelConfig:
    """`name` picks the builder from the registry; `args` override the preset's entries."""

    name: str = "igde"
    preset: str = "small"
    args: dict[str, typing.Any] = field(default_factory=dict)


PAPER_ERROR_FRACTION = 0.028  # 10 ** (-(36.6835 - 21.1025) / 10): IGDE Table 1, input row


@dataclass
class CorruptionConfig:
    """Boundary-error simulation (IGDE Sect. 4: "we randomly inflate or reduce depth values at
    object boundaries"; reconstruction, NOTES.md, calibrated to Table 1's input row).

    Random segments of the depth boundaries (jumps > `edge_threshold`) are pushed by a fraction
    in [magnitude_min, magnitude_max] towards the local max (inflate) or min (reduce) over a
    square window of random odd size in [window_min, window_max], until `error_fraction` of the
    pixels have changed (Table 1: 2.8 %). 8-bit depth is requantised after the change.
    Calibrated (`python -m commands.corruption`): input PSNR and PSNRf within 1 dB of Table
    1's 36.68 dB and 21.10 dB on the synthetic scenes and on Scene Flow-like generated data.
    """

    edge_threshold: float = 0.03
    error_fraction: float = PAPER_ERROR_FRACTION
    segment_radius: int = 4
    window_min: int = 3
    window_max: int = 9
    magnitude_min: float = 0.14
    magnitude_max: float = 0.41
    inflate_probability: float = 0.5

    def __post_init__(self):
        _require(self.edge_threshold > 0, "edge_threshold", "a number > 0")
        _require(0 <= self.error_fraction <= 1, "error_fraction", "a number in [0, 1]")
        _require(self.segment_radius >= 1, "segment_radius", "an integer >= 1")
        _require(self.window_min >= 3 and self.window_min % 2 == 1, "window_min", "an odd integer >= 3")
        _require(
            self.window_max >= self.window_min and self.window_max % 2 == 1,
            "window_max",
            "an odd integer >= window_min",
        )
        _require(0 < self.magnitude_min <= 1, "magnitude_min", "a number in (0, 1]")
        _require(self.magnitude_min <= self.magnitude_max <= 1, "magnitude_max", "a number in [magnitude_min, 1]")
        _require(0 <= self.inflate_probability <= 1, "inflate_probability", "a number in [0, 1]")


@dataclass
class DataConfig:
    """Which data set (`root`: its folder), the size samples are resized or cropped to, how they
    are cut into batches, and how much to generate (synthetic: `train_size`, `val_size`,
    `test_size`; a real data set holds `val_size` of its training files out for validation).
    `sceneflow_pass`: the `frames_cleanpass` or `frames_finalpass` renderings; `sceneflow_depth`:
    IGDE's depth from disparity, `8bit` round(255 d / max d) / 255 (reconstruction) or `float`
    d / max d. `seed`: the data set itself (which synthetic scenes, which boundary errors); the
    training order is `train.seed`'s. `cache`: keep every loaded sample of every split in memory
    after its first pass (for small generated sets only: real data sets stream from their files, a
    bounded number of samples in flight)."""

    dataset: str = "synthetic"
    root: str = ""
    train_size: int = 256
    val_size: int = 32
    test_size: int = 32
    image_size: list[int] = field(default_factory=lambda: [128, 160])
    crop_size: typing.Optional[list[int]] = None
    batch_size: int = 2
    # Neither paper names an augmentation but IGDE's random crops: no flips unless asked for.
    flip: bool = False
    cache: bool = False
    seed: int = 0
    sceneflow_pass: str = "clean"
    sceneflow_depth: str = "8bit"
    corruption: CorruptionConfig = field(default_factory=CorruptionConfig)

    def __post_init__(self):
        _require(self.dataset in DATASETS, "dataset", f"one of {', '.join(DATASETS)}")
        for key in ("train_size", "val_size", "test_size"):
            _require(1 <= getattr(self, key) <= MAX_SAMPLES, key, f"an integer in [1, {MAX_SAMPLES}]")
        _require(
            len(self.image_size) == 2 and 8 <= min(self.image_size) and max(self.image_size) <= MAX_SIDE,
            "image_size",
            f"[height, width], each in [8, {MAX_SIDE}]",
        )
        if self.dataset == "sceneflow":
            _require(
                all(s <= f for s, f in zip(self.image_size, SCENEFLOW_FRAME)),
                "image_size",
                f"at most Scene Flow's frame {list(SCENEFLOW_FRAME)} (it is centre-cropped to this size)",
            )
        if self.crop_size is not None:
            _require(
                len(self.crop_size) == 2 and all(1 <= c <= s for c, s in zip(self.crop_size, self.image_size)),
                "crop_size",
                f"[height, width], each in 1 up to data.image_size {list(self.image_size)}",
            )
        _require(1 <= self.batch_size <= MAX_BATCH, "batch_size", f"an integer in [1, {MAX_BATCH}]")
        height, width = self.crop_size or self.image_size
        _require(
            self.batch_size * height * width <= MAX_BATCH_PIXELS,
            "batch_size",
            f"batch x height x width at most {MAX_BATCH_PIXELS:,} pixels, got {self.batch_size * height * width:,}",
        )
        _require(0 <= self.seed <= MAX_SEED, "seed", f"an integer in [0, {MAX_SEED}]")
        _require(self.sceneflow_pass in ("clean", "final"), "sceneflow_pass", "clean or final")
        _require(self.sceneflow_depth in ("8bit", "float"), "sceneflow_depth", "8bit or float")


# The kind of sample each real data set holds (the synthetic set makes either kind).
DATASET_KINDS = {"sceneflow": "enhancement", "nyu": "monocular", "make3d": "monocular", "middlebury": "monocular"}
DATASETS = ("synthetic", *DATASET_KINDS)


# IGDE eq. 5, "We set all of them to 1" (Sect. 3.5).
PAPER_IGDE_LOSS = {"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0}


@dataclass
class LossConfig:
    """Weighted sum of named loss terms (`common.losses.LOSSES`; IGDE eq. 5: rho = l1, mu =
    depth_focal, lambda = sobel; DPDE: berhu and fsim, and log_l1_gradient for the gradient
    network). `args.<term>.<argument>`: the term function's own keyword arguments under their own
    names (`loss.args.depth_focal.alpha` is `depth_focal_loss(..., alpha)`), checked against the
    function when the experiment is loaded (`common.losses.resolve_loss_args`), which fills in
    each weighted term's defaults."""

    weights: dict[str, float] = field(default_factory=lambda: dict(PAPER_IGDE_LOSS))
    args: dict[str, dict[str, typing.Any]] = field(default_factory=dict)

    def __post_init__(self):
        _require(len(self.weights) >= 1, "weights", "at least one loss term")
        for name, weight in self.weights.items():
            _require(weight >= 0, f"weights.{name}", "a weight >= 0")
        _require(any(w > 0 for w in self.weights.values()), "weights", "at least one weight > 0")


@dataclass
class OptimizerConfig:
    """IGDE: Adam (reconstruction: the paper names only the learning rate 1e-4)."""

    name: str = "adam"
    learning_rate: float = 1e-4
    momentum: float = 0.9
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    clipnorm: typing.Optional[float] = None

    def __post_init__(self):
        _require(self.name in ("adam", "sgd"), "name", "adam or sgd")
        _require(self.learning_rate > 0, "learning_rate", "a number > 0")
        _require(0 <= self.momentum < 1, "momentum", "a number in [0, 1)")
        if self.clipnorm is not None:
            _require(self.clipnorm > 0, "clipnorm", "a number > 0 or null")


@dataclass
class ScheduleConfig:
    """Learning rate over epochs: `constant`, or `piecewise` (multipliers of the base rate that
    change at the epoch boundaries)."""

    name: str = "constant"
    boundaries: list[int] = field(default_factory=list)
    multipliers: list[float] = field(default_factory=list)

    def __post_init__(self):
        _require(self.name in ("constant", "piecewise"), "name", "constant or piecewise")
        if self.name == "piecewise":
            _require(len(self.multipliers) == len(self.boundaries) + 1, "multipliers", "one more entry than boundaries")
            _require(list(self.boundaries) == sorted(set(self.boundaries)), "boundaries", "strictly increasing epochs")


@dataclass
class TrainConfig:
    """Length of training, checkpointing and logging; `steps_per_epoch: null` = the whole set.
    `seed`: the network's initialisation, the training order and the augmentation (runs of two
    seeds see the same data, `data.seed`'s). `deterministic`: TensorFlow's op determinism
    (`tf.config.experimental.enable_op_determinism`, for the whole process), so that a seed gives
    the same numbers bit for bit on the same machine and software, GPUs included (where an op
    has no deterministic kernel TensorFlow raises; set it false there); its cost is in
    bench/README.md. `stages`: for a model of separately trained networks (DPDE), the ones to train in this run
    (null: the model's own, DPDE's depth and gradient; a comparison network such as `fcrn` is
    trained only when listed); the others are restored from the run directory. `mixed_precision`: null (float32),
    the Keras policy `mixed_float16` (with dynamic loss scaling; pays off on GPUs with tensor
    cores) or `mixed_bfloat16` (no loss scaling; pays off on Ampere and newer GPUs and on CPUs with
    AVX512-BF16 or AMX), or `auto` (`mixed_bfloat16` where it is native, else float32); outputs
    and losses stay float32. `jit_compile`: the forward and backward
    pass compiled with XLA. `steps_per_execution`: train steps run in one compiled call, whose
    logged values the host reads once (`common.training.step.make_train_steps`); checkpoints,
    logs and the NaN stop keep their exact steps."""

    epochs: int = 50
    steps_per_epoch: typing.Optional[int] = None
    checkpoint_every_steps: int = 500
    keep_checkpoints: int = 3
    log_every_steps: int = 10
    seed: int = 0
    deterministic: bool = True
    stages: typing.Optional[list[str]] = None
    mixed_precision: typing.Optional[str] = None
    jit_compile: bool = False
    steps_per_execution: int = 16  # bench/README.md, "The training loop"

    def __post_init__(self):
        counts = ["epochs", "checkpoint_every_steps", "log_every_steps", "steps_per_execution", "keep_checkpoints"]
        for key in counts + (["steps_per_epoch"] if self.steps_per_epoch is not None else []):
            _require(1 <= getattr(self, key) <= MAX_COUNT, key, f"an integer in [1, {MAX_COUNT}]")
        _require(0 <= self.seed <= MAX_SEED, "seed", f"an integer in [0, {MAX_SEED}]")
        _require(
            not (self.jit_compile and self.deterministic),
            "jit_compile",
            "false with train.deterministic (XLA has no deterministic gradient of some ops, ResNet's max pooling "
            "among them); set train.deterministic: false to compile with XLA",
        )
        _require(
            self.mixed_precision is None or self.mixed_precision in MIXED_PRECISION,
            "mixed_precision",
            f"null or one of {', '.join(MIXED_PRECISION)}",
        )


@dataclass
class JointBilateralConfig:
    """`cv2.ximgproc.jointBilateralFilter` guided by the RGB image (sigma_color on 0..255)."""

    diameter: int = 9
    sigma_color: float = 20.0
    sigma_space: float = 4.0

    def __post_init__(self):
        _require(self.diameter >= 1, "diameter", "an integer >= 1")
        _require(self.sigma_color > 0, "sigma_color", "a number > 0")
        _require(self.sigma_space > 0, "sigma_space", "a number > 0")


@dataclass
class GuidedFilterConfig:
    """`cv2.ximgproc.guidedFilter` (He et al. 2013); eps on the guide's [0, 1] scale (0.01^2)."""

    radius: int = 4
    eps: float = 1e-4

    def __post_init__(self):
        _require(self.radius >= 1, "radius", "an integer >= 1")
        _require(self.eps > 0, "eps", "a number > 0")


@dataclass
class WeightedMedianConfig:
    """`cv2.ximgproc.weightedMedianFilter` (Zhang et al. 2014), guide RGB on 0..255."""

    radius: int = 7
    sigma: float = 25.5

    def __post_init__(self):
        _require(self.radius >= 1, "radius", "an integer >= 1")
        _require(self.sigma > 0, "sigma", "a number > 0")


@dataclass
class FastGlobalSmootherConfig:
    """`cv2.ximgproc.fastGlobalSmootherFilter` (Min et al. 2014), guide RGB on 0..255."""

    lambda_: float = 100.0
    sigma_color: float = 8.0

    def __post_init__(self):
        _require(self.lambda_ > 0, "lambda_", "a number > 0")
        _require(self.sigma_color > 0, "sigma_color", "a number > 0")


OWN_PROTOCOL = "own"  # the experiment's own protocol among `EvalConfig.all_protocols()`
PROTOCOL_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass
class ProtocolConfig:
    """An evaluation protocol: `pooling` is `pixels` (the pixel metrics pooled over every valid test
    pixel, DPDE's "1/T sum over T pixels") or `images` (each image's metrics, averaged; IGDE's
    protocols set only this, of its PSNRs and RMSE), `resolution` is `input` (the ground truth resized with the image to
    `data.image_size`, as the paper rescales "all images") or `original` (the prediction resized
    bilinearly to the data set's own ground truth, FCRN's protocol: 480x640 on NYU), `crop` null
    or `eigen`, `max_depth` null or the cap in metres (ground truth above it is left out, the C1
    mask of Make3D at 70 m)."""

    pooling: str = "pixels"
    resolution: str = "input"
    crop: typing.Optional[str] = None
    max_depth: typing.Optional[float] = None

    def __post_init__(self):
        _require(self.pooling in ("pixels", "images"), "pooling", "pixels or images")
        _require(self.resolution in ("input", "original"), "resolution", "input or original")
        _require(self.crop in (None, "eigen"), "crop", "null or eigen")
        if self.max_depth is not None:
            _require(self.max_depth > 0, "max_depth", "a number > 0 or null")


@dataclass
class EvalConfig:
    """Evaluation on the test split, every `every_epochs` epochs and at the end. `protocol`: the
    experiment's own protocol (DPDE; `ProtocolConfig`), `protocols`: further ones by name, scored
    in the same pass. `trained_runs`: finished run directories to score on this experiment's test
    set instead of training a model (DPDE Table 3: the NYU run on Middlebury). `omegas`: the
    fusion weights each DPDE run of `trained_runs` is also fused and scored with (its sensitivity
    to omega, `experiments/dpde/omega_sweep.yaml`)."""

    batch_size: int = 4
    every_epochs: int = 1
    baselines: list[str] = field(default_factory=lambda: ["input", "joint_bilateral"])
    joint_bilateral: JointBilateralConfig = field(default_factory=JointBilateralConfig)
    guided_filter: GuidedFilterConfig = field(default_factory=GuidedFilterConfig)
    weighted_median: WeightedMedianConfig = field(default_factory=WeightedMedianConfig)
    fast_global_smoother: FastGlobalSmootherConfig = field(default_factory=FastGlobalSmootherConfig)
    image_summaries: int = 3
    protocol: ProtocolConfig = field(default_factory=ProtocolConfig)
    protocols: dict[str, ProtocolConfig] = field(default_factory=dict)
    trained_runs: list[str] = field(default_factory=list)
    omegas: list[float] = field(default_factory=list)
    gsm_masking: float = 200.0
    gsm_luminance_weight: float = 0.1

    def __post_init__(self):
        _require(1 <= self.batch_size <= MAX_BATCH, "batch_size", f"an integer in [1, {MAX_BATCH}]")
        _require(0 <= self.every_epochs <= MAX_COUNT, "every_epochs", "an integer >= 0 (0: only at the end)")
        for name in self.baselines:
            _require(
                name in BASELINES,
                "baselines",
                f"names from {', '.join(BASELINES)} (a network to compare, such as DPDE's fcrn, goes in train.stages)",
            )
        _require(0 <= self.image_summaries <= MAX_BATCH, "image_summaries", f"an integer in [0, {MAX_BATCH}]")
        for name in self.protocols:
            _require(
                PROTOCOL_NAME.fullmatch(name) is not None and name != OWN_PROTOCOL,
                "protocols",
                f"names of lower-case letters, digits and '_' (not {OWN_PROTOCOL!r}, the experiment's own)",
            )
        _require(
            all(omega > 0 for omega in self.omegas) and len(set(self.omegas)) == len(self.omegas),
            "omegas",
            "numbers > 0, each once",
        )
        _require(self.gsm_masking > 0, "gsm_masking", "a number > 0")
        _require(0 <= self.gsm_luminance_weight <= 1, "gsm_luminance_weight", "a number in [0, 1]")

    def all_protocols(self):
        """{name: ProtocolConfig}: the experiment's own (`OWN_PROTOCOL`) first, then `protocols`."""
        return {OWN_PROTOCOL: self.protocol, **self.protocols}


BASELINES = tuple(name for names in BASELINES_BY_KIND.values() for name in names)


@dataclass
class ExportConfig:
    """A SavedModel under RUN_DIR/export/, the Keras model as RUN_DIR/model.keras and, for each
    name in `formats`, the SavedModel converted: RUN_DIR/model.onnx, RUN_DIR/model.tflite
    (`common.export`, whose `CONVERTERS` name the formats; checked at load)."""

    saved_model: bool = True
    keras_file: bool = True
    formats: list[str] = field(default_factory=list)

    def __post_init__(self):
        _require(len(set(self.formats)) == len(self.formats), "formats", "each format once")
        _require(
            self.saved_model or not self.formats,
            "formats",
            "[] when saved_model is false (the formats are converted from the SavedModel)",
        )


@dataclass
class DistributeConfig:
    """`default`, `mirrored` (all local GPUs, or `logical_cpus` CPU devices) or `multi_worker`
    (the cluster in TF_CONFIG)."""

    strategy: str = "default"
    logical_cpus: int = 0

    def __post_init__(self):
        _require(
            self.strategy in ("default", "mirrored", "multi_worker"), "strategy", "default, mirrored or multi_worker"
        )
        _require(self.logical_cpus >= 0, "logical_cpus", "an integer >= 0")


RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


# The sections a stage of a model of separately trained networks may set for itself
# (`ExperimentConfig.stage_settings`); `data` only its batch: the stages share one data pipeline.
STAGE_SECTIONS = ("loss", "optimizer", "schedule", "train", "data")
STAGE_DATA_KEYS = ("batch_size",)


@dataclass
class ExperimentConfig:
    """`name`: the run's folder under runs/, so a plain name (letters, digits, '.', '_', '-';
    no path). `stage_settings`: {stage name: {section: {key: value}}}, the settings one network
    of a model of separately trained networks (DPDE's `depth`, `gradient`, `fcrn`) trains with
    instead of the experiment's (`stage_experiment`): keys of `STAGE_SECTIONS`, each value
    replacing the experiment's whole (DPDE's plain FCRN on BerHu alone:
    `{fcrn: {loss: {weights: {berhu: 1.0}}}}`)."""

    name: str = "experiment"
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    distribute: DistributeConfig = field(default_factory=DistributeConfig)
    stage_settings: dict[str, dict[str, dict[str, typing.Any]]] = field(default_factory=dict)

    def __post_init__(self):
        _require(
            RUN_NAME.fullmatch(self.name) is not None,
            "name",
            "a plain name of at most 100 letters, digits, '.', '_' or '-' (not starting with '.', '_' or '-')",
        )
