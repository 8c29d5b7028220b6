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


def softmax(out, x, dim: int, log: bool, group=None) -> None:
    """out = (log_)softmax(x) along dim; group forces (True) or forbids (False) the work-group kernel."""
    shape = tuple(x._shape) or (1,)
    outer, d, inner = _geometry(shape, dim)
    if outer * d * inner == 0:
        return
    rt = x._storage.runtime
    defines = {"T": x.dtype.tag}
    if group is None:
        group = use_group(rt, outer, d, inner)
    if group and inner == 1:
        k = rt.kernel("softmax.cl", "softmax_group", defines)
        rt.launch_nd(k, (outer * _GROUP,), (_GROUP,), out._storage.buffer, x._storage.buffer,
                     np.int64(x._offset), np.int64(d), np.int32(log))
        return
    if inner > 1 and rt.variant != "gpu":
        k = rt.kernel("softmax.cl", "softmax_cols", defines)
        rt.launch(k, outer * _groups(inner), out._storage.buffer, x._storage.buffer, np.int64(x._offset),
                  np.int64(outer), np.int64(d), np.int64(inner), np.int32(log))
        return
    k = rt.kernel("softmax.cl", "softmax_rows", defines)
    rt.launch(k, outer * inner, out._storage.buffer, x._storage.buffer, np.int64(x._offset), np.int64(outer),
              np.int64(d), np.int64(inner), np.int32(log))


def softmax_backward(gx, g, y, dim: int, log: bool, group=None) -> None:
    """gx = the gradient of (log_)softmax at output y for upstream gradient g."""
    shape = tuple(y._shape) or (1,)
    outer, d, inner = _geometry(shape, dim)
    if outer * d * inner == 0:
        return
    rt = y._storage.runtime
    defines = {"T": y.dtype.tag}
    if group is None:
        group = use_group(rt, outer, d, inner)
    if group and inner == 1:
        k = rt.kernel("softmax.cl", "softmax_group_backward", defines)
        rt.launch_nd(k, (outer * _GROUP,), (_GROUP,), gx._storage.buffer, g._storage.buffer, np.int64(g._offset),
                     y._storage.buffer, np.int64(y._offset), np.int64(d), np.int32(log))
        return
    if inner > 1 and rt.variant != "gpu":
        k = rt.kernel("softmax.cl", "softmax_cols_backward", defines)
        rt.launch(k, outer * _groups(inner), gx._storage.buffer, g._storage.buffer, np.int64(g._offset),
                  y._storage.buffer, np.int64(y._offset), np.int64(outer), np.int64(d), np.int64(inner),
                  np.int32(log))
        return
    k = rt.kernel("softmax.cl", "softmax_rows_backward", defines)
    rt.launch(k, outer * inner, gx._storage.buffer, g._storage.buffer, np.int64(g._offset), y._storage.buffer,
              np.int64(y._offset), np.int64(outer), np.int64(d), np.int64(inner), np.int32(log))
