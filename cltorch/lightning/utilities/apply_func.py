"""Walk nested batches (tuples, lists, dicts, namedtuples): move tensors, find the batch size."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ... import Tensor


def apply_to_collection(data, dtype, function, *args, **kwargs):
    """Apply function to every element of type dtype in a nested collection, keeping its shape."""
    if isinstance(data, dtype):
        return function(data, *args, **kwargs)
    if isinstance(data, Mapping):
        return type(data)({k: apply_to_collection(v, dtype, function, *args, **kwargs) for k, v in data.items()}) \
            if type(data) is not dict else {k: apply_to_collection(v, dtype, function, *args, **kwargs)
                                            for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(apply_to_collection(v, dtype, function, *args, **kwargs) for v in data))
    if isinstance(data, (list, tuple)):
        return type(data)(apply_to_collection(v, dtype, function, *args, **kwargs) for v in data)
    return data


def move_data_to_device(batch, device):
    """Move every tensor in a nested batch to device (tensors already there are returned as they are)."""
    def move(t: Tensor):
        return t if t.device == device else t.to(device)
    return apply_to_collection(batch, Tensor, move)


def convert_floats(batch, dtype):
    """Cast floating tensors in a nested batch to dtype (precision=64)."""
    def cast(t: Tensor):
        return t.to(dtype) if t.dtype.is_floating_point and t.dtype != dtype else t
    return apply_to_collection(batch, Tensor, cast)


def _first_size(batch):
    if isinstance(batch, Tensor):
        return 1 if batch.dim() == 0 else batch.size(0)
    if isinstance(batch, (str, bytes)):
        return len(batch)
    if isinstance(batch, Mapping):
        for value in batch.values():
            size = _first_size(value)
            if size is not None:
                return size
        return None
    if isinstance(batch, Sequence):
        for value in batch:
            size = _first_size(value)
            if size is not None:
                return size
    return None


def extract_batch_size(batch) -> int:
    """The size of the first dimension of the first tensor found in the batch (1 when none)."""
    size = _first_size(batch)
    return 1 if size is None else int(size)
