"""Datasets: the map-style and iterable bases, tensor-backed, concatenated and subset datasets, random_split."""
from __future__ import annotations

import bisect
import itertools
import math
import warnings

import numpy as np

from ... import _dtype, _sampling
from ..._creation import from_host
from ...autograd.grad_mode import is_grad_enabled
from ...ops import data as data_ops
from ...ops import index as index_ops
from ...tensor import Tensor
from ._utils.collate import TensorBatch

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split"]


class Dataset:
    """A map-style dataset: ``__getitem__(index)`` (and usually ``__len__``); may add ``__getitems__``."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is an iterable of samples (``__iter__``); workers shard it via get_worker_info()."""

    def __iter__(self):
        raise NotImplementedError(f"Subclasses of IterableDataset should implement __iter__ ({type(self).__name__})")

    def __add__(self, other):
        return ChainDataset([self, other])


def _index_vector(indices, n: int, dev) -> Tensor:
    """Checked host indices (negatives wrap) uploaded as one int64 device vector."""
    idx = np.asarray(indices, dtype=np.int64).reshape(-1)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx[(idx < -n) | (idx >= n)][0])
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
    idx = np.where(idx < 0, idx + n, idx)
    return from_host(idx, _dtype.int64, dev)


def gather_rows(t: Tensor, idx: Tensor) -> Tensor:
    """t[idx] along dim 0 for a checked device index: one gather kernel, no device read-back."""
    if t.requires_grad and is_grad_enabled():
        return t.index_select(0, idx)
    from ...tensor import _alloc
    shape = (idx.shape[0],) + tuple(t.shape[1:])
    out = _alloc(shape, t.dtype, t.device)
    if out.numel() == 0:
        return out
    if t.dim() == 1:
        src_st, idx_st = (0,), (1,)
    else:
        src_st = (0,) + tuple(t._stride[1:])
        idx_st = (1,) + (0,) * (t.dim() - 1)
    index_ops.gather_along(out, (t, src_st), (idx, idx_st), -1, t._stride[0], False)
    return out


class TensorDataset(Dataset):
    """Samples are the rows of tensors sharing their first dimension.

    ``__getitems__`` gathers a whole batch with one kernel per tensor (one small index upload), so a
    DataLoader over it pays no per-sample kernel or transfer."""

    def __init__(self, *tensors: Tensor):
        if not all(tensors[0].size(0) == t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices):
        if not self.tensors:
            return [() for _ in indices]
        t0 = self.tensors[0]
        return self._cltorch_gather(_index_vector(indices, t0.shape[0], t0.device))

    @property
    def _cltorch_device(self):
        return self.tensors[0].device if self.tensors else None

    def _cltorch_gather(self, idx: Tensor) -> TensorBatch:
        """The samples at a device int64 index vector (in range) as a TensorBatch: one kernel in all."""
        ts = self.tensors
        if all(t.device == idx.device for t in ts) and not any(t.requires_grad for t in ts):
            from ...tensor import _alloc
            outs = [_alloc((idx.shape[0],) + tuple(t.shape[1:]), t.dtype, t.device) for t in ts]
            if data_ops.gather_rows(outs, ts, idx):
                return TensorBatch(outs)
        return TensorBatch([gather_rows(t, idx if t.device == idx.device else idx.to(t.device)) for t in ts])

    def __len__(self) -> int:
        return self.tensors[0].size(0)

    _cltorch_device_backed = True


class StackDataset(Dataset):
    """Samples are tuples (positional) or dicts (keyword) of the samples of several datasets of one length."""

    def __init__(self, *args, **kwargs):
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                                 "input/output, but both types are given.")
            self._length = len(args[0])
            if any(self._length != len(d) for d in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        elif kwargs:
            tmp = list(kwargs.values())
            self._length = len(tmp[0])
            if any(self._length != len(d) for d in tmp):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The concatenation of several map-style datasets."""

    @staticmethod
    def cumsum(sequence):
        """Running totals of the datasets' lengths."""
        out, total = [], 0
        for d in sequence:
            total += len(d)
            out.append(total)
        return out

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if which == 0 else idx - self.cumulative_sizes[which - 1]
        return self.datasets[which][sample_idx]

    @property
    def _cltorch_device_backed(self) -> bool:
        return all(getattr(d, "_cltorch_device_backed", False) for d in self.datasets)


class ChainDataset(IterableDataset):
    """Iterates several iterable datasets one after another."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """The samples of a dataset at the given indices."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def _cltorch_device_backed(self) -> bool:
        return getattr(self.dataset, "_cltorch_device_backed", False)

    @property
    def _cltorch_device(self):
        return getattr(self.dataset, "_cltorch_device", None)

    def _cltorch_gather(self, idx: Tensor):
        """Map a device index vector through the subset's indices (uploaded once), then gather."""
        cached = getattr(self, "_dev_indices", None)
        if cached is None or cached[0] is not self.indices or cached[1].shape[0] != len(self.indices):
            dev = self.dataset._cltorch_device
            cached = (self.indices, _index_vector(list(self.indices), len(self.dataset), dev))
            self._dev_indices = cached
        return self.dataset._cltorch_gather(gather_rows(cached[1], idx))


def random_split(dataset, lengths, generator=None):
    """Split a dataset into non-overlapping random subsets of the given lengths (or fractions summing to 1)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        n = len(dataset)
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
        lengths = sizes
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = _sampling.randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, perm[end - size:end]) for size, end in zip(lengths, itertools.accumulate(lengths))]
