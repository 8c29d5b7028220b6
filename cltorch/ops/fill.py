"""Creation kernels: constant fills, ramps (arange, linspace) and the identity."""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar, numel, plan


def _acc(rt):
    return np.float64 if rt.has_fp64 else np.float32


def fill(dst, value) -> None:
    """Set every element of dst (any strides) to value."""
    rt = dst._storage.runtime
    for strided, layout, count in plan(dst._shape, [(dst._offset, dst._stride)]):
        k = rt.kernel("fill.cl", "fill_value", {"OUT": dst.dtype.tag, "CLT_STRIDED": strided})
        rt.launch(k, count, dst._storage.buffer, kernel_scalar(dst.dtype, value), layout, np.int64(count))


def arange(dst, start, step) -> None:
    """dst[i] = start + i * step for a dense 1-D dst."""
    n = numel(dst._shape)
    if n == 0:
        return
    rt = dst._storage.runtime
    if dst.dtype.is_floating_point or isinstance(start, float) or isinstance(step, float):
        k = rt.kernel("fill.cl", "arange_float", {"OUT": dst.dtype.tag})
        acc = _acc(rt)
        rt.launch(k, n, dst._storage.buffer, acc(start), acc(step), np.int64(n))
    else:
        k = rt.kernel("fill.cl", "arange_int", {"OUT": dst.dtype.tag})
        rt.launch(k, n, dst._storage.buffer, np.int64(start), np.int64(step), np.int64(n))


def linspace(dst, start: float, end: float) -> None:
    """Evenly spaced values from start to end (both included) into a dense 1-D dst."""
    n = numel(dst._shape)
    if n == 0:
        return
    rt = dst._storage.runtime
    step = (end - start) / (n - 1) if n > 1 else 0.0
    if n == 1:
        end = start
    acc = _acc(rt)
    k = rt.kernel("fill.cl", "linspace", {"OUT": dst.dtype.tag})
    rt.launch(k, n, dst._storage.buffer, acc(start), acc(end), acc(step), np.int64(n))


def eye(dst) -> None:
    """Write the identity pattern into a dense 2-D dst."""
    n = numel(dst._shape)
    if n == 0:
        return
    rt = dst._storage.runtime
    k = rt.kernel("fill.cl", "eye", {"OUT": dst.dtype.tag})
    rt.launch(k, n, dst._storage.buffer, np.int64(dst._shape[1]), np.int64(n))
