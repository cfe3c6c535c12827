"""tf.data pipelines over a data set's split loaders: parallel loading, optional cache, random crop
and flip for training, a fixed order for evaluation, prefetch.

Without `data.cache` (the default, and the only choice for real data sets) a training epoch
shuffles sample indices, not samples, and loads each file when its batch is due: the samples in
flight are bounded by the parallel loads and the prefetch buffer, whatever the size of the set.

Training order is a function of (seed, epoch) only, and augmentation of (seed, epoch, sample
index), where the seed is the run's `train.seed` (`data.seed` picks the data set itself: which
scenes, which corruption): runs of two seeds see the same data in other orders, and a resumed run
that skips the batches it already trained on sees exactly the batches an uninterrupted run would
have seen.
"""

import tensorflow as tf

from common.data.loaders import ORIGINAL_CHANNELS, SAMPLE_CHANNELS, make_loader
from common.errors import UserError, remember
from common.evaluation.protocol import needs_original

AUTOTUNE = tf.data.AUTOTUNE


class DataPipeline:
    """Training and evaluation datasets for the train and test splits of a data set.

    Args:
        data: the `DataConfig`.
        train_loader, test_loader: (length, load) pairs from `make_loader`; train_loader None
            for a pipeline that only evaluates.
        val_loader: the validation split's (length, load), which training reads; None for a
            pipeline that only evaluates.
        sample_kind: a key of `SAMPLE_CHANNELS`.
        original_truth: the test samples also hold the ground truth at the data set's own size
            (`ORIGINAL_CHANNELS`), which may differ from sample to sample (Middlebury's), so they
            are evaluated one a batch.
        seed: the training order and augmentation's seed (`train.seed`).
    Example:
        pipeline = DataPipeline(config.data, make_loader(config.data, "train", "enhancement"),
                                make_loader(config.data, "test", "enhancement"), "enhancement")
        for batch in pipeline.train_dataset(epoch=0, global_batch=2): ...
    """

    def __init__(self, data, train_loader, test_loader, sample_kind, original_truth=False, seed=0, val_loader=None):
        self.data = data
        self.seed = seed
        self.original_truth = original_truth
        self.channels = SAMPLE_CHANNELS[sample_kind]
        self.test_size, self._test = test_loader[0], self._evaluation_samples(test_loader)
        if val_loader is not None:
            self.val_size, self._val = val_loader[0], self._evaluation_samples(val_loader)
        if train_loader is None:  # evaluation only
            return
        self.train_size, self._train_load = train_loader
        if data.cache:
            self._cached_train = self._loaded(
                self._train_load, tf.data.Dataset.range(self.train_size), self.channels
            ).cache()

    def steps_per_epoch(self, global_batch):
        return self.train_size // global_batch

    def train_dataset(self, epoch, global_batch, skip_batches=0):
        """Shuffled, augmented batches of one epoch, dropping the last partial batch.

        Args:
            epoch: seeds the order and the augmentation.
            global_batch: batch size over all replicas.
            skip_batches: batches of this epoch to leave out (resuming).
        """
        seed = self.seed + epoch
        if self.data.cache:
            dataset = self._cached_train.shuffle(self.train_size, seed=seed)
            dataset = dataset.skip(skip_batches * global_batch)
        else:
            indices = tf.data.Dataset.range(self.train_size).shuffle(self.train_size, seed=seed)
            dataset = self._loaded(self._train_load, indices.skip(skip_batches * global_batch), self.channels)
        dataset = dataset.map(
            lambda sample: self._augment(sample, epoch), num_parallel_calls=AUTOTUNE, deterministic=True
        )
        return dataset.batch(global_batch, drop_remainder=True).prefetch(AUTOTUNE)

    def test_dataset(self, batch_size):
        """All test samples in index order, full size, unaugmented (from the cache after the first
        pass when `data.cache` is set), `batch_size` a batch (one with `original_truth`)."""
        return self._test.batch(1 if self.original_truth else batch_size).prefetch(AUTOTUNE)

    def val_dataset(self, batch_size):
        """The validation samples as `test_dataset` gives the test samples."""
        return self._val.batch(1 if self.original_truth else batch_size).prefetch(AUTOTUNE)

    def _evaluation_samples(self, loader):
        """The samples of an evaluation split ((length, load)) in index order, without their index."""
        length, load = loader
        channels = {**self.channels, **(ORIGINAL_CHANNELS if self.original_truth else {})}
        samples = self._loaded(load, tf.data.Dataset.range(length), channels)
        samples = samples.map(lambda sample: {k: v for k, v in sample.items() if k != "index"})
        return samples.cache() if self.data.cache else samples

    def _loaded(self, load, indices, channels):
        keys = list(channels)

        def load_arrays(index):
            try:
                sample = load(int(index))
            except UserError as error:  # tf.numpy_function re-raises it as a TensorFlow error
                remember(error)
                raise
            return [sample[key] for key in keys]

        def load_tensors(index):
            arrays = tf.numpy_function(load_arrays, [index], [tf.float32] * len(keys), stateful=False)
            sample = {key: tf.ensure_shape(array, [None, None, channels[key]]) for key, array in zip(keys, arrays)}
            sample["index"] = index
            return sample

        return indices.map(load_tensors, num_parallel_calls=AUTOTUNE, deterministic=True)

    def _augment(self, sample, epoch):
        """Random crop to `data.crop_size` and random horizontal flip, the same for all keys. The
        training samples take the static shape of the crop (or of `data.image_size`, the size the
        loaders give), which the compiled training loop and FSIM need."""
        seed = tf.stack([tf.cast(self.seed * 100003 + epoch, tf.int64), sample.pop("index")])
        stacked = tf.concat([sample[key] for key in self.channels], axis=-1)
        size = [*(self.data.crop_size or self.data.image_size), stacked.shape[-1]]
        if self.data.crop_size is not None:
            stacked = tf.image.stateless_random_crop(stacked, tf.constant(size), seed=seed)
        stacked = tf.ensure_shape(stacked, size)
        if self.data.flip:
            stacked = tf.image.stateless_random_flip_left_right(stacked, seed=seed + 1)
        parts = tf.split(stacked, list(self.channels.values()), axis=-1)
        return dict(zip(self.channels, parts))


def make_pipeline(config, sample_kind, train=True):
    """The `DataPipeline` of an experiment (`train=False`: the test data only, no training or
    validation split); the monocular test and validation samples also hold the original ground
    truth when one of its protocols asks for it."""
    original = needs_original(config.eval, sample_kind)
    return DataPipeline(
        config.data,
        make_loader(config.data, "train", sample_kind) if train else None,
        make_loader(config.data, "test", sample_kind, original),
        sample_kind,
        original_truth=original,
        seed=config.train.seed,
        val_loader=make_loader(config.data, "val", sample_kind, original) if train else None,
    )
