import numpy as np
import pytest

from common.config.schema import DataConfig
from common.data.loaders import make_loader
from common.data.pipeline import DataPipeline
from common.errors import DatasetError


def pipeline(**overrides):
    data = DataConfig(
        **{"train_size": 6, "test_size": 3, "image_size": [24, 32], "crop_size": [16, 16], "batch_size": 2, **overrides}
    )
    return DataPipeline(
        data, make_loader(data, "train", "enhancement"), make_loader(data, "test", "enhancement"), "enhancement"
    )


def batches(dataset):
    return list(dataset.as_numpy_iterator())


@pytest.mark.parametrize("cache", [True, False])
def test_train_batches_are_cropped_deterministic_and_resumable(cache):
    data = pipeline(cache=cache)
    epoch = batches(data.train_dataset(epoch=1, global_batch=2))
    assert len(epoch) == 3 and data.steps_per_epoch(2) == 3
    assert epoch[0]["image"].shape == (2, 16, 16, 3)
    assert all(epoch[0][k].shape == (2, 16, 16, 1) for k in ("depth", "target", "error_mask"))
    again = batches(data.train_dataset(epoch=1, global_batch=2))
    resumed = batches(data.train_dataset(epoch=1, global_batch=2, skip_batches=1))
    other_epoch = batches(data.train_dataset(epoch=2, global_batch=2))
    for key in epoch[0]:
        np.testing.assert_array_equal(epoch[0][key], again[0][key])
        np.testing.assert_array_equal(epoch[1][key], resumed[0][key])
    assert not np.array_equal(epoch[0]["image"], other_epoch[0]["image"])


def test_cached_and_uncached_pipelines_agree():
    cached_pipeline, uncached_pipeline = pipeline(cache=True), pipeline(cache=False)
    cached = batches(cached_pipeline.train_dataset(epoch=0, global_batch=2))
    uncached = batches(uncached_pipeline.train_dataset(epoch=0, global_batch=2))
    for first, second in zip(cached, uncached):
        np.testing.assert_array_equal(first["depth"], second["depth"])
    for _ in range(2):  # the second pass of the cached test split comes from the cache
        for first, second in zip(batches(cached_pipeline.test_dataset(2)), batches(uncached_pipeline.test_dataset(2))):
            assert first.keys() == second.keys()
            for key in first:
                np.testing.assert_array_equal(first[key], second[key])


def test_test_split_is_full_size_in_order_and_differs_from_training():
    data = pipeline()
    test = batches(data.test_dataset(batch_size=2))
    assert [b["image"].shape for b in test] == [(2, 24, 32, 3), (1, 24, 32, 3)]
    np.testing.assert_array_equal(test[0]["target"], batches(data.test_dataset(batch_size=2))[0]["target"])
    _, load_train = make_loader(data.data, "train", "enhancement")
    assert not np.array_equal(load_train(0)["image"], test[0]["image"][0])


def test_samples_are_in_range_and_mask_matches_the_corruption():
    _, load = make_loader(DataConfig(image_size=[48, 64]), "train", "enhancement")
    sample = load(0)
    assert 0 <= sample["image"].min() and sample["image"].max() <= 1
    assert 0 <= sample["target"].min() and sample["target"].max() == 1
    np.testing.assert_array_equal(sample["error_mask"] > 0, sample["depth"] != sample["target"])


def test_sceneflow_without_data_names_the_path(tmp_path):
    data = DataConfig(dataset="sceneflow", root=str(tmp_path / "sceneflow"))
    with pytest.raises(DatasetError, match="dataset not found at .*sceneflow"):
        make_loader(data, "train", "enhancement")
