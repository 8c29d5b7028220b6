"""Launchers for the fused softmax / log_softmax kernels of softmax.cl.

Operands are dense (row-major from their element offset) and share one shape;
the softmax runs along ``dim``, seen as the middle axis of (outer, D, inner).
"""
from __future__ import annotations

import math

import numpy as np

_GROUP = 256  # SM_WG in softmax.cl


def _geometry(shape, dim: int):
    return math.prod(shape[:dim]), shape[dim], math.prod(shape[dim + 1:])


def _groups(inner: int) -> int:
    """Work-items of the CPU column kernel per outer index: 8 neighbouring rows each."""
    return (inner + 7) // 8


def use_group(rt, outer: int, d: int, inner: int) -> bool:
    """A work-group per row pays off on GPUs for contiguous rows long enough to fill the lanes."""
    return rt.variant == "gpu" and inner == 1 and d >= 64 and rt.info.max_work_group >= _GROUP


def _launch(rt, suffix: str, dtype, shape, dim: int, log: bool, group, operands: tuple) -> None:
    """Run softmax_{group,cols,rows}<suffix> over shape along dim; operands are the leading buffers and offsets."""
    outer, d, inner = _geometry(tuple(shape) or (1,), dim)
    if outer * d * inner == 0:
        return
    defines = {"T": dtype.tag}
    if group is None:
        group = use_group(rt, outer, d, inner)
    if group and inner == 1:
        k = rt.kernel("softmax.cl", "softmax_group" + suffix, defines)
        rt.launch_nd(k, (outer * _GROUP,), (_GROUP,), *operands, np.int64(d), np.int32(log))
        return
    if inner > 1 and rt.variant != "gpu":
        k, n = rt.kernel("softmax.cl", "softmax_cols" + suffix, defines), outer * _groups(inner)
    else:
        k, n = rt.kernel("softmax.cl", "softmax_rows" + suffix, defines), outer * inner
    rt.launch(k, n, *operands, np.int64(outer), np.int64(d), np.int64(inner), np.int32(log))


def softmax(out, x, dim: int, log: bool, group=None) -> None:
    """out = (log_)softmax(x) along dim; group forces (True) or forbids (False) the work-group kernel."""
    _launch(x._storage.runtime, "", x.dtype, x._shape, dim, log, group,
            (out._storage.buffer, x._storage.buffer, np.int64(x._offset)))


def softmax_backward(gx, g, y, dim: int, log: bool, group=None) -> None:
    """gx = the gradient of (log_)softmax at output y for upstream gradient g."""
    _launch(y._storage.runtime, "_backward", y.dtype, y._shape, dim, log, group,
            (gx._storage.buffer, g._storage.buffer, np.int64(g._offset), y._storage.buffer, np.int64(y._offset)))
