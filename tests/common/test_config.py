import pytest

from common.config.loader import check_run_version, load_config, save_config
from common.errors import ConfigError
from common.version import VERSION


def write(tmp_path, text, name="exp.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_follow_the_paper(tmp_path):
    config = load_config(write(tmp_path, "model: {name: igde}\n"))
    assert config.name == "exp"
    assert config.loss.weights == {"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0}
    assert config.loss.args == {}  # the terms' own defaults, filled in at load (tests/common/test_losses.py)
    assert config.optimizer.learning_rate == 1e-4 and config.train.epochs == 50


def test_overrides_and_types(tmp_path):
    path = write(tmp_path, "train: {epochs: 3}\noptimizer: {learning_rate: 1e-3}\n")
    config = load_config(path, ["train.epochs=7", "data.crop_size=[16, 24]", "loss.weights.sobel=0"])
    assert config.train.epochs == 7
    assert config.optimizer.learning_rate == 1e-3
    assert config.data.crop_size == [16, 24]
    assert config.loss.weights["sobel"] == 0.0


def test_a_merge_key_is_not_a_key_given_twice(tmp_path):
    text = "x: &shared {epochs: 5, seed: 3}\ntrain: {<<: *shared, seed: 4}\n"
    with pytest.raises(ConfigError, match="unknown key 'x'"):  # the anchor's own section is checked
        load_config(write(tmp_path, text))
    config = load_config(write(tmp_path, "train: {<<: {epochs: 5, seed: 3}, seed: 4}\n"))
    assert (config.train.epochs, config.train.seed) == (5, 4)
    with pytest.raises(ConfigError, match="key 'seed' given twice"):
        load_config(write(tmp_path, "train: {<<: {epochs: 5}, seed: 3, seed: 4}\n"))


def test_base_file_is_overridden_key_by_key(tmp_path):
    write(tmp_path, "name: base\ntrain: {epochs: 5, seed: 3}\n", "base.yaml")
    (tmp_path / "sub").mkdir()
    config = load_config(write(tmp_path, "base: ../base.yaml\ntrain: {epochs: 2}\n", "sub/child.yaml"))
    assert (config.name, config.train.epochs, config.train.seed) == ("child", 2, 3)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("train: {epoch: 3}\n", "unknown key 'train.epoch'"),
        ("train: {epochs: three}\n", "train.epochs: expected int, got 'three'"),
        ("train: {epochs: 0}\n", "train.epochs: expected an integer in [1, 1000000000]"),
        ("data: {seed: -1}\n", "data.seed: expected an integer in [0, 2147483647]"),
        ("train: {seed: 4294967296}\n", "train.seed: expected an integer in [0, 2147483647]"),
        ("data: {batch_size: 1000000000}\n", "data.batch_size: expected an integer in [1, 4096]"),
        ("data: {batch_size: 4096, image_size: [4096, 4096]}\n", "data.batch_size: expected batch x height x width"),
        ("train: {steps_per_execution: 1000000000000}\n", "train.steps_per_execution: expected an integer in"),
        ("data: {dataset: sceneflow, image_size: [600, 960]}\n", "at most Scene Flow's frame [540, 960]"),
        ("data: {image_size: [32, 32], crop_size: [64, 64]}\n", "data.crop_size: expected [height, width], each in 1"),
        ("train: {epochs: 2, epochs: 3}\n", "key 'epochs' given twice"),
        ("train: {jit_compile: true}\n", "train.jit_compile: expected false with train.deterministic"),
        ("data: {crop_size: [1, 2, 3]}\n", "data.crop_size: expected [height, width]"),
        ("loss: {weights: {l1: -1}}\n", "loss.weights.l1: expected a weight >= 0"),
        ("schedule: {name: piecewise, boundaries: [10], multipliers: [1]}\n", "schedule.multipliers"),
        ("distribute: {strategy: tpu}\n", "distribute.strategy: expected default, mirrored or multi_worker"),
        ("train: [1, 2]\n", "train: expected a mapping"),
        (
            "train: {mixed_precision: float16}\n",
            "train.mixed_precision: expected null or one of mixed_float16, mixed_bfloat16, auto",
        ),
        ("train: {epochs: 3\n", "not valid YAML"),
        (
            "eval: {protocols: {fcrn: {resolution: full}}}\n",
            "eval.protocols.fcrn.resolution: expected input or original",
        ),
        ("eval: {protocols: {fcrn: {cap: 70}}}\n", "unknown key 'eval.protocols.fcrn.cap'"),
        ("eval: {protocols: {FCRN: {}}}\n", "eval.protocols: expected names of lower-case letters"),
        ("eval: {protocols: {own: {}}}\n", "(not 'own', the experiment's own)"),
        ("eval: {protocol: {pooling: median}}\n", "eval.protocol.pooling: expected pixels or images"),
        ("loss: {sobel_beta: 0.5}\n", "loss.sobel_beta: renamed; write loss.args.sobel.beta"),
        ("loss: {berhu_scope: batch}\n", "write loss.args.berhu.per_image (true for image, false for batch)"),
        ("eval: {max_depth: 10}\n", "eval.max_depth: renamed; write eval.protocol.max_depth"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) or "YAML" in str(error.value)
    assert fragment in str(error.value)


@pytest.mark.parametrize("value, policy", [("null", None), ("mixed_bfloat16", "mixed_bfloat16"), ("auto", "auto")])
def test_mixed_precision_takes_a_policy_name(tmp_path, value, policy):
    assert load_config(write(tmp_path, f"train: {{mixed_precision: {value}}}\n")).train.mixed_precision == policy


def test_mixed_precision_refuses_a_boolean(tmp_path):
    with pytest.raises(ConfigError, match="train.mixed_precision: expected str, got True"):
        load_config(write(tmp_path, "train: {mixed_precision: true}\n"))


def test_a_run_config_of_another_version_is_refused(tmp_path):
    config = load_config(write(tmp_path, "name: run\n"))
    save_config(config, tmp_path / "config.yaml")
    assert load_config(tmp_path / "config.yaml").name == "run"
    text = (tmp_path / "config.yaml").read_text()
    assert text.startswith(f"version: {VERSION}\n")
    (tmp_path / "config.yaml").write_text(text.replace(f"version: {VERSION}", "version: 7.2.0"))
    with pytest.raises(ConfigError, match=f"config.yaml: written by depthrepro 7.2.0, this is {VERSION}"):
        load_config(tmp_path / "config.yaml")
    (tmp_path / "config.yaml").write_text(text.replace(f"version: {VERSION}\n", ""))
    with pytest.raises(ConfigError, match="config.yaml: records no depthrepro version"):
        check_run_version(tmp_path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_bad_override(tmp_path):
    with pytest.raises(ConfigError, match="expected key.path=value"):
        load_config(write(tmp_path, "name: exp\n"), ["train.epochs"])
