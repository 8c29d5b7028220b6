"""Pack shapes and strides of kernel operands into the ``layout_t`` struct of common.h.

Dimensions are coalesced first (size-1 dimensions dropped, neighbours that are
contiguous for every operand merged) so most launches use few dimensions, and
launches where every operand is dense use the non-strided fast path. Plans
and dense strides are memoised per shape: training loops repeat the same
few layouts, and building a plan costs more than launching it.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

MAXDIM = 8
MAXOPS = 4
_FIELDS = MAXDIM + MAXOPS * MAXDIM + MAXOPS + 1
_MEMO_LIMIT = 4096

numel = math.prod  # number of elements of a shape

_dense_strides: dict = {}
_plans: dict = {}


def contiguous_strides(shape) -> tuple:
    """Row-major strides, in elements, of a dense tensor of this shape."""
    hashable = type(shape) is tuple
    found = _dense_strides.get(shape) if hashable else None
    if found is not None:
        return found
    strides, acc = [], 1
    for size in reversed(shape):
        strides.append(acc)
        acc *= max(size, 1)
    strides = tuple(reversed(strides))
    if hashable and len(_dense_strides) < _MEMO_LIMIT:
        _dense_strides[shape] = strides
    return strides


def is_dense(t) -> bool:
    """True when t's elements are laid out row-major without gaps (always for empty tensors)."""
    if 0 in t._shape:
        return True
    expected = 1
    for size, stride in zip(reversed(t._shape), reversed(t._stride)):
        if size != 1 and stride != expected:
            return False
        expected *= size
    return True


def coalesce(shape, strides_per_op):
    """Merge dimensions that are contiguous in every operand; drop size-1 ones."""
    dims = [(s, [st[d] for st in strides_per_op]) for d, s in enumerate(shape) if s != 1]
    merged = []
    for size, strides in dims:
        if merged:
            psize, pstrides = merged[-1]
            if all(ps == s * size for ps, s in zip(pstrides, strides)):
                merged[-1] = (psize * size, strides)
                continue
        merged.append((size, strides))
    return [m[0] for m in merged], [[m[1][k] for m in merged] for k in range(len(strides_per_op))]


def plan(shape, operands) -> list:
    """[(strided, packed layout, count)] launches covering ``shape`` for the operands.

    ``operands`` are tensors viewed at ``shape`` (broadcast strides already applied),
    given as (offset, strides) pairs. More than MAXDIM dimensions are handled by
    looping over the outer ones on the host. The packed layouts are shared between
    calls with the same arguments: read them, never write them.
    """
    try:
        key = (tuple(shape), tuple(operands))
        found = _plans.get(key)
    except TypeError:  # strides given as lists: nothing to memoise by
        return list(_plan(shape, operands))
    if found is None:
        found = list(_plan(shape, operands))
        if len(_plans) >= _MEMO_LIMIT:
            _plans.clear()
        _plans[key] = found
    return found


def _plan(shape, operands):
    n = numel(shape)
    if n == 0:
        return
    sizes, strides = coalesce(shape, [st for _, st in operands])
    offsets = [off for off, _ in operands]
    dense = len(sizes) <= 1 and all(not st or st[0] == 1 for st in strides)
    if dense:
        yield False, _pack([], [[] for _ in operands], offsets), n
        return
    outer = len(sizes) - MAXDIM
    if outer <= 0:
        yield True, _pack(sizes, strides, offsets), n
        return
    inner_sizes = sizes[outer:]
    inner_strides = [st[outer:] for st in strides]
    count = numel(inner_sizes)
    for idx in itertools.product(*(range(s) for s in sizes[:outer])):
        offs = [off + sum(i * st[d] for d, i in enumerate(idx)) for off, st in zip(offsets, strides)]
        yield True, _pack(inner_sizes, inner_strides, offs), count


def _pack(sizes, strides, offsets) -> np.ndarray:
    buf = np.zeros(_FIELDS, dtype=np.int64)
    buf[:MAXDIM] = 1
    buf[:len(sizes)] = sizes
    for k, st in enumerate(strides):
        base = MAXDIM + k * MAXDIM
        buf[base:base + len(st)] = st
    base = MAXDIM + MAXOPS * MAXDIM
    buf[base:base + len(offsets)] = offsets
    buf[-1] = len(sizes)
    return buf


def kernel_scalar(dtype, value):
    """A NumPy scalar of the type kernels compute in for ``dtype`` (half computes in float).

    Python ints wrap into narrow integer types the way a C cast does."""
    if dtype.tag == "f16":
        return np.float32(value)
    if dtype.tag == "b8":
        return np.uint8(bool(value))
    if dtype.is_floating_point:
        return dtype.np.type(value)
    return np.array(int(value)).astype(dtype.np)[()]


_scalars: dict = {}


def cached_scalar(dtype, value):
    """kernel_scalar, memoised for Python ints and bools (alpha=1, beta=0 on nearly every call)."""
    kind = type(value)
    if kind is not int and kind is not bool:
        return kernel_scalar(dtype, value)
    key = (dtype, kind, value)
    s = _scalars.get(key)
    if s is None:
        s = kernel_scalar(dtype, value)
        if len(_scalars) < _MEMO_LIMIT:
            _scalars[key] = s
    return s
