import pytest

from common.config import load_config
from common.errors import ConfigError


def write(tmp_path, text, name="exp.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_follow_the_paper(tmp_path):
    config = load_config(write(tmp_path, "model: {name: igde}\n"))
    assert config.name == "exp"
    assert config.loss.weights == {"l1": 1.0, "depth_focal": 1.0, "sobel": 1.0}
    assert (config.loss.focal_alpha, config.loss.focal_gamma, config.loss.sobel_beta) == (0.25, 2.0, 0.9)
    assert config.optimizer.learning_rate == 1e-4 and config.train.epochs == 50


def test_overrides_and_types(tmp_path):
    path = write(tmp_path, "train: {epochs: 3}\noptimizer: {learning_rate: 1e-3}\n")
    config = load_config(path, ["train.epochs=7", "data.crop_size=[16, 24]", "loss.weights.sobel=0"])
    assert config.train.epochs == 7
    assert config.optimizer.learning_rate == 1e-3
    assert config.data.crop_size == [16, 24]
    assert config.loss.weights["sobel"] == 0.0


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
        ("train: {epochs: 0}\n", "train.epochs: expected an integer >= 1"),
        ("data: {crop_size: [1, 2, 3]}\n", "data.crop_size: expected [height, width]"),
        ("loss: {sobel_beta: 2}\n", "loss.sobel_beta: expected a number in [0, 1]"),
        ("schedule: {name: piecewise, boundaries: [10], multipliers: [1]}\n", "schedule.multipliers"),
        ("distribute: {strategy: tpu}\n", "distribute.strategy: expected default, mirrored or multi_worker"),
        ("train: [1, 2]\n", "train: expected a mapping"),
        (
            "train: {mixed_precision: float16}\n",
            "train.mixed_precision: expected null or one of mixed_float16, mixed_bfloat16, auto",
        ),
        ("train: {epochs: 3\n", "not valid YAML"),
    ],
)
def test_errors_name_file_key_and_expectation(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) or "YAML" in str(error.value)
    assert fragment in str(error.value)


@pytest.mark.parametrize(
    "value, policy",
    [
        ("false", None),
        ("true", "mixed_float16"),
        ("null", None),
        ("mixed_bfloat16", "mixed_bfloat16"),
        ("auto", "auto"),
    ],
)
def test_mixed_precision_reads_older_booleans(tmp_path, value, policy):
    """Run directories written before bfloat16 hold true (= mixed_float16) or false."""
    assert load_config(write(tmp_path, f"train: {{mixed_precision: {value}}}\n")).train.mixed_precision == policy


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_bad_override(tmp_path):
    with pytest.raises(ConfigError, match="expected key.path=value"):
        load_config(write(tmp_path, "name: exp\n"), ["train.epochs"])
