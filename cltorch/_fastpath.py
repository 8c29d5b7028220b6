"""Short dispatch for the commonest elementwise calls: ``a + b``, ``a * 2.0``, ``a > b``, ``a += b``.

The general path (`_elementwise._binary`) promotes dtypes, broadcasts shapes,
moves 0-d tensors between devices and checks in-place rules: about 10 us of
Python per call. When both operands are tensors of the same shape, dtype and
device (or a tensor and a plain Python number of its category) none of that can
change the result, so these helpers allocate the output and launch directly.
They return None whenever the general path is needed.
"""
from __future__ import annotations

import math

from . import _dtype
from ._elementwise_grads import record_binary
from .autograd.grad_mode import is_grad_enabled
from .backend import Storage
from .ops import elementwise as ew
from .ops.layout import contiguous_strides
from .tensor import Tensor

_strides: dict = {}


def dense(shape, dtype, dev, rt) -> Tensor:
    """A new dense tensor on a device whose runtime is already known (no name resolution, no checks)."""
    strides = _strides.get(shape)
    if strides is None:
        strides = contiguous_strides(shape)
        if len(_strides) < 1024:
            _strides[shape] = strides
    return Tensor._make(Storage(rt, math.prod(shape) * dtype.itemsize), 0, shape, strides, dtype, dev)


def _operand(a, b):
    """b as a launcher operand when it cannot change a's dtype or shape: a Python int/float or a tensor of
    a's shape, dtype and device (else None). Bool tensors always take the general path."""
    dt = a.dtype
    if dt is _dtype.bool_:
        return None
    kind = type(b)
    if kind is float:
        return b if dt.is_floating_point else None
    if kind is int:
        return b
    if isinstance(b, Tensor) and b.dtype is dt and b._shape == a._shape and (
            b.device is a.device or b.device == a.device):
        return (b, b._stride)
    return None


def binary(op: str, a, b, floating_only: bool = False, result=None):
    """a <op> b for same-shape same-dtype tensors, or a tensor and a Python int/float; else None.

    ``result`` is the output dtype when it is not a's (bool for comparisons, which record no grad)."""
    if not isinstance(a, Tensor):
        return None
    dt = a.dtype
    if floating_only and not dt.is_floating_point:
        return None
    b_arg = _operand(a, b)
    if b_arg is None:
        return None
    grad = result is None and (a.requires_grad or getattr(b, "requires_grad", False)) and is_grad_enabled()
    out = dense(a._shape, result or dt, a.device, a._storage.runtime)
    ew.binary(op, out, (a, a._stride), b_arg, dt)
    if grad:
        record_binary(op, a, b, out, 1)
    return out


def binary_(op: str, a, b):
    """In-place a <op>= b under the same conditions, outside autograd and without overlap; else None."""
    if not isinstance(a, Tensor) or a.requires_grad or getattr(b, "requires_grad", False):
        return None
    b_arg = _operand(a, b)
    if b_arg is None:
        return None
    if type(b_arg) is tuple and b._storage is a._storage and (b._offset, b._stride) != (a._offset, a._stride):
        return None  # another view of the same storage: the general path copies it first
    ew.binary(op, a, (a, a._stride), b_arg, a.dtype)
    a._bump_version()
    return a
