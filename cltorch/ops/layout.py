"""Pack shapes and strides of kernel operands into the ``layout_t`` struct of common.h.

Dimensions are coalesced first (size-1 dimensions dropped, neighbours that are
contiguous for every operand merged) so most launches use few dimensions, and
launches where every operand is dense use the non-strided fast path.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

MAXDIM = 8
MAXOPS = 4
_FIELDS = MAXDIM + MAXOPS * MAXDIM + MAXOPS + 1


def numel(shape) -> int:
    """Number of elements of a shape."""
    return math.prod(shape)


def contiguous_strides(shape) -> tuple:
    """Row-major strides, in elements, of a dense tensor of this shape."""
    strides, acc = [], 1
    for size in reversed(shape):
        strides.append(acc)
        acc *= max(size, 1)
    return tuple(reversed(strides))


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


def plan(shape, operands):
    """Yield (strided, packed layout, count) launches covering ``shape`` for the operands.

    ``operands`` are tensors viewed at ``shape`` (broadcast strides already applied),
    given as (offset, strides) pairs. More than MAXDIM dimensions are handled by
    looping over the outer ones on the host.
    """
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
