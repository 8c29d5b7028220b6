"""``default_collate`` and ``default_convert``: samples to batches, as torch's.

Tensors stack with ``cltorch.stack``; host data (numbers, NumPy arrays and
host-staged tensors from vision transforms) is stacked on the host and
uploaded once per batch. In a DataLoader worker process nothing touches
OpenCL: batches stay staged and the main process uploads them.
"""
from __future__ import annotations

import collections.abc
import copy
import numbers
import re

import numpy as np

from .... import _dtype
from ....tensor import Tensor
from . import staging
from .staging import StagedTensor
from .worker import get_worker_info

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")


class TensorBatch(collections.abc.Sequence):
    """Samples fetched together by ``__getitems__``: column tensors gathered with one kernel each.

    Indexing gives a sample (a tuple of views); ``default_collate`` returns the columns as they are."""

    def __init__(self, columns):
        self.columns = list(columns)

    def __len__(self) -> int:
        return self.columns[0].shape[0] if self.columns else 0

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return tuple(c[i] for c in self.columns)


def _in_worker() -> bool:
    return get_worker_info() is not None


def _finish(t):
    """Staged results stay staged until default_collate returns (then one upload for the whole batch)."""
    return t


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack tensors (staged host tensors on the host, device tensors with cltorch.stack)."""
    if any(isinstance(x, StagedTensor) and x.is_staged for x in batch):
        staged = staging.stack(batch)
        if staged is not None:
            return _finish(staged)
        if _in_worker():  # mixed settings: the main process uploads and stacks them
            return staging.DeferredStack(batch)
    from .... import stack
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """Stack NumPy arrays on the host; one upload for the batch."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    shapes = {a.shape for a in batch}
    if len(shapes) != 1:
        raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(elem.shape)} at entry 0 "
                           f"and {list(next(a.shape for a in batch if a.shape != elem.shape))} at entry "
                           f"{next(i for i, a in enumerate(batch) if a.shape != elem.shape)}")
    return _finish(StagedTensor(np.stack(batch)))


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """NumPy scalars keep their dtype."""
    return _finish(StagedTensor(np.asarray(batch)))


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats become a float64 tensor (as torch)."""
    return _finish(staging.from_numbers(batch, _dtype.float64))


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints become an int64 tensor."""
    return _finish(staging.from_numbers(batch, _dtype.int64))


def collate_bool_fn(batch, *, collate_fn_map=None):
    """Python bools become a bool tensor."""
    return _finish(staging.from_numbers(batch, _dtype.bool_))


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings stay a list."""
    return batch


default_collate_fn_map: dict = {
    Tensor: collate_tensor_fn,
    bool: collate_bool_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch, *, collate_fn_map=None):
    """Collate a list of samples with per-type functions from ``collate_fn_map``, recursing into containers."""
    if isinstance(batch, TensorBatch):
        return [_finish_tensor(c) for c in batch.columns]
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for cls in collate_fn_map:
            if isinstance(elem, cls):
                return collate_fn_map[cls](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, np.ndarray) and elem_type.__module__ == "numpy":
        return collate_numpy_array_fn(batch)
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return collate_numpy_scalar_fn(batch)
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem})
                return clone
            return elem_type({k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem})
        except TypeError:
            return {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(s, collate_fn_map=collate_fn_map) for s in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, s in enumerate(transposed):
                    clone[i] = collate(s, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(s, collate_fn_map=collate_fn_map) for s in transposed])
        except TypeError:
            return [collate(s, collate_fn_map=collate_fn_map) for s in transposed]
    if isinstance(elem, numbers.Number):
        return collate_float_fn(batch) if isinstance(elem, numbers.Real) else collate_int_fn(batch)
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def _finish_tensor(t):
    return _finish(t) if isinstance(t, StagedTensor) else t


def default_collate(batch):
    """Put each data field into a tensor with an outer batch dimension (torch's default_collate).

    Host fields of the batch are uploaded together, in one transfer (in a worker, they stay on the host)."""
    out = collate(batch, collate_fn_map=default_collate_fn_map)
    return out if _in_worker() else staging.resolve_all(out)


def _convert_result(t):
    return t if _in_worker() else t.resolve()


def default_convert(data):
    """Turn NumPy arrays and scalars into tensors, recursing into containers (used without batching)."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) and elem_type.__module__ == "numpy":
        if np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return _convert_result(StagedTensor(data))
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return _convert_result(StagedTensor(np.asarray(data)))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: default_convert(v) for k, v in data.items()})
                return clone
            return elem_type({k: default_convert(v) for k, v in data.items()})
        except TypeError:
            return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
