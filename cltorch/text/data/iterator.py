"""Iterators over a Dataset's examples that yield Batches: plain, bucketed by length, and BPTT streams."""
from __future__ import annotations

import math

import numpy as np

import cltorch

from .batch import Batch
from .dataset import Dataset
from .utils import RandomShuffler, resolve_device

__all__ = ["Iterator", "BucketIterator", "BPTTIterator", "batch", "pool"]

_ARG_NAMES = ("batch_size", "sort_key", "device", "batch_size_fn", "train", "repeat", "shuffle", "sort",
              "sort_within_batch")


def _default_sort_key(example) -> int:
    """Total length of an example's token lists: the length order used when no sort_key is given."""
    return sum(len(v) for v in vars(example).values() if isinstance(v, (list, tuple)))


class Iterator:
    """Batches of examples from a dataset, shuffled (train) or sorted (eval) each epoch.

    Given a tuple of datasets instead of one, returns a tuple of iterators (as ``splits``).
    """

    def __new__(cls, dataset=None, *args, **kwargs):
        if isinstance(dataset, (tuple, list)):
            if len(args) > len(_ARG_NAMES):
                raise TypeError(f"{cls.__name__}() takes at most {len(_ARG_NAMES) + 1} positional arguments")
            kwargs.update(zip(_ARG_NAMES, args))
            return cls.splits(tuple(dataset), **kwargs)
        return super().__new__(cls)

    def __init__(self, dataset, batch_size: int, sort_key=None, device=None, batch_size_fn=None, train: bool = True,
                 repeat: bool = False, shuffle=None, sort=None, sort_within_batch=None):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        self.batch_size, self.train, self.dataset = batch_size, train, dataset
        self.batch_size_fn = batch_size_fn
        self.iterations = 0
        self.repeat = repeat
        self.shuffle = train if shuffle is None else shuffle
        self.sort = (not train) if sort is None else sort
        self.sort_within_batch = self.sort if sort_within_batch is None else sort_within_batch
        given = sort_key if sort_key is not None else getattr(dataset, "sort_key", None)
        self.sort_key = given if given is not None else _default_sort_key
        self.device = resolve_device(device)
        self.random_shuffler = RandomShuffler()
        self._iterations_this_epoch = 0
        self._random_state_this_epoch = None
        self._restored_from_state = False

    @classmethod
    def splits(cls, datasets, batch_sizes=None, **kwargs) -> tuple:
        """One iterator per dataset; the first is the training iterator (train=True), the others evaluate."""
        if batch_sizes is None:
            if "batch_size" not in kwargs:
                raise TypeError(f"{cls.__name__}.splits() needs batch_size or batch_sizes")
            batch_sizes = [kwargs.pop("batch_size")] * len(datasets)
        elif len(batch_sizes) != len(datasets):
            raise ValueError(f"got {len(batch_sizes)} batch_sizes for {len(datasets)} datasets")
        else:
            kwargs.pop("batch_size", None)
        train_given = kwargs.pop("train", None)
        return tuple(cls(ds, batch_size=bs, train=(i == 0) if train_given is None else train_given, **kwargs)
                     for i, (ds, bs) in enumerate(zip(datasets, batch_sizes)))

    def data(self) -> list:
        """The epoch's examples: sorted by sort_key, shuffled, or in dataset order."""
        if self.sort:
            return sorted(self.dataset, key=self.sort_key)
        if self.shuffle:
            return [self.dataset[i] for i in self.random_shuffler(range(len(self.dataset)))]
        return list(self.dataset)

    def init_epoch(self) -> None:
        """Set up the batches of a new epoch (restoring the shuffler's state after load_state_dict)."""
        if self._restored_from_state:
            self.random_shuffler.random_state = self._random_state_this_epoch
        else:
            self._random_state_this_epoch = self.random_shuffler.random_state
        self.create_batches()
        if self._restored_from_state:
            self._restored_from_state = False
        else:
            self._iterations_this_epoch = 0
        if not self.repeat:
            self.iterations = 0

    def create_batches(self) -> None:
        """Cut the epoch's examples into batches."""
        self.batches = batch(self.data(), self.batch_size, self.batch_size_fn)

    @property
    def epoch(self) -> int:
        """Completed passes over the data (counts up with repeat=True)."""
        return math.floor(self.iterations / len(self))

    def __len__(self) -> int:
        if self.batch_size_fn is not None:
            raise NotImplementedError("len() of an iterator with batch_size_fn is not known in advance")
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        while True:
            self.init_epoch()
            for idx, minibatch in enumerate(self.batches):
                if self._iterations_this_epoch > idx:  # fast-forward after load_state_dict
                    continue
                self.iterations += 1
                self._iterations_this_epoch += 1
                if self.sort_within_batch:
                    # descending lengths, as pack_padded_sequence wants them
                    if self.sort:
                        minibatch.reverse()
                    else:
                        minibatch.sort(key=self.sort_key, reverse=True)
                yield Batch(minibatch, self.dataset, self.device)
            if not self.repeat:
                return

    def state_dict(self) -> dict:
        """Position and shuffler state, to resume an epoch."""
        return {"iterations": self.iterations, "iterations_this_epoch": self._iterations_this_epoch,
                "random_state_this_epoch": self._random_state_this_epoch}

    def load_state_dict(self, state_dict: dict) -> None:
        """Resume from state_dict() at the next iteration."""
        self.iterations = state_dict["iterations"]
        self._iterations_this_epoch = state_dict["iterations_this_epoch"]
        self._random_state_this_epoch = state_dict["random_state_this_epoch"]
        self._restored_from_state = True


class BucketIterator(Iterator):
    """Batches of examples of similar length (least padding), the batch order shuffled each epoch."""

    def create_batches(self) -> None:
        """Sorted batches when sorting, else length-bucketed batches from ``pool``."""
        if self.sort:
            self.batches = batch(self.data(), self.batch_size, self.batch_size_fn)
        else:
            self.batches = pool(self.data(), self.batch_size, self.sort_key, self.batch_size_fn,
                                random_shuffler=self.random_shuffler, shuffle=self.shuffle,
                                sort_within_batch=self.sort_within_batch)


class BPTTIterator(Iterator):
    """Language-model batches: the single 'text' example as batch_size streams, bptt_len steps at a time.

    Each Batch has ``text`` and ``target`` (text shifted one step ahead), (bptt_len, batch_size)
    unless the field is batch_first. The whole stream is uploaded once; batches are views of it.
    """

    def __init__(self, dataset, batch_size: int, bptt_len: int, **kwargs):
        self.bptt_len = bptt_len
        super().__init__(dataset, batch_size, **kwargs)

    def __len__(self) -> int:
        return math.ceil((len(self.dataset[0].text) / self.batch_size - 1) / self.bptt_len)

    def _stream(self):
        text = list(self.dataset[0].text)
        field = self.dataset.fields["text"]
        text += [field.pad_token] * (math.ceil(len(text) / self.batch_size) * self.batch_size - len(text))
        ids = [field.vocab.stoi[t] for t in text] if field.use_vocab else text
        host = np.asarray(ids, dtype=field.dtype.np).reshape(self.batch_size, -1).T
        return field, cltorch.tensor(np.ascontiguousarray(host), dtype=field.dtype, device=self.device)

    def __iter__(self):
        field, data = self._stream()
        dataset = Dataset(examples=self.dataset.examples, fields=[("text", field), ("target", field)])
        while True:
            for i in range(0, len(self) * self.bptt_len, self.bptt_len):
                self.iterations += 1
                seq_len = min(self.bptt_len, len(data) - i - 1)
                text, target = data[i:i + seq_len], data[i + 1:i + 1 + seq_len]
                if field.batch_first:
                    text, target = text.t().contiguous(), target.t().contiguous()
                yield Batch.fromvars(dataset, self.batch_size, text=text, target=target)
            if not self.repeat:
                return


def batch(data, batch_size: int, batch_size_fn=None):
    """Yield lists of batch_size examples (or, with batch_size_fn, of at most batch_size 'size')."""
    if batch_size_fn is None:
        def batch_size_fn(new, count, sofar):
            return count
    minibatch, size_so_far = [], 0
    for ex in data:
        minibatch.append(ex)
        size_so_far = batch_size_fn(ex, len(minibatch), size_so_far)
        if size_so_far == batch_size:
            yield minibatch
            minibatch, size_so_far = [], 0
        elif size_so_far > batch_size:
            yield minibatch[:-1]
            minibatch, size_so_far = minibatch[-1:], batch_size_fn(ex, 1, 0)
    if minibatch:
        yield minibatch


def pool(data, batch_size: int, key, batch_size_fn=None, random_shuffler=None, shuffle: bool = False,
         sort_within_batch: bool = False):
    """Bucketing: chunks of 100 batches' worth of examples, each sorted by key, cut into batches, shuffled.

    sort_within_batch is applied later by the iterator (descending order inside each batch).
    """
    if random_shuffler is None:
        random_shuffler = RandomShuffler()
    for chunk in batch(data, batch_size * 100, batch_size_fn):
        batches = list(batch(sorted(chunk, key=key), batch_size, batch_size_fn))
        yield from (random_shuffler(batches) if shuffle else batches)
