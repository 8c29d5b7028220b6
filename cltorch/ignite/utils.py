"""Helpers for ignite-style code: moving (nested) tensors to a device."""
from __future__ import annotations

from collections import abc

from .. import Tensor


def apply_to_type(x, input_type, func):
    """Apply func to every element of type input_type in a nested collection."""
    if isinstance(x, input_type):
        return func(x)
    if isinstance(x, (str, bytes)):
        return x
    if isinstance(x, abc.Mapping):
        return type(x)({k: apply_to_type(v, input_type, func) for k, v in x.items()})
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(apply_to_type(v, input_type, func) for v in x))
    if isinstance(x, abc.Sequence):
        return type(x)([apply_to_type(v, input_type, func) for v in x])
    return x


def apply_to_tensor(x, func):
    """Apply func to every tensor in a nested collection."""
    return apply_to_type(x, Tensor, func)


def convert_tensor(x, device=None, non_blocking: bool = False):
    """Move every tensor in x to device (no-op when device is None)."""
    def move(t):
        return t.to(device, non_blocking=non_blocking) if device is not None else t
    return apply_to_tensor(x, move)


def to_onehot(indices, num_classes: int):
    """One-hot encode an int tensor along a new dimension 1."""
    from ..nn.functional import one_hot
    out = one_hot(indices, num_classes)
    dims = list(range(out.dim()))
    return out.permute(0, dims[-1], *dims[1:-1]) if out.dim() > 2 else out
