"""Shared machinery of the matrix products: strided views, checks and the GEMM driver.

Everything here builds views by stride arithmetic (no copy) and funnels every
product into one launch of the batched GEMM kernel (cltorch/ops/gemm.py).
A copy is made only when a permuted operand's dimensions cannot be merged
into one strided matrix dimension.
"""
from __future__ import annotations

import math

from . import _dtype, _fastpath
from ._promotion import torch_name
from ._shape_utils import broadcast_shapes, broadcast_strides
from .ops import copy as copy_ops
from .ops import fill as fill_ops
from .ops import gemm as gemm_ops
from .ops.layout import contiguous_strides
from .tensor import Tensor, _alloc


def view(t: Tensor, shape, strides, offset=None) -> Tensor:
    """A view of t's storage with the given shape, element strides and offset."""
    return Tensor._make(t._storage, t._offset if offset is None else offset, tuple(shape), tuple(strides),
                        t.dtype, t.device, t._version_counter)


def shape_str(shape) -> str:
    """'2x3' for (2, 3), as torch writes matrix shapes in messages."""
    return "x".join(str(s) for s in shape) if shape else "scalar"


def check_tensor(x, fn: str, arg: str) -> None:
    """TypeError unless x is a Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def check_operands(fn: str, *tensors) -> None:
    """Same device and same dtype for every operand, and a dtype the GEMM kernel supports."""
    first = tensors[0]
    for t in tensors[1:]:
        if t.device != first.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{first.device} and {t.device}! (in {fn})")
    for t in tensors[1:]:
        if t.dtype is not first.dtype:
            raise RuntimeError(f"{fn}: expected all operands to have the same dtype, but got "
                               f"{torch_name(first.dtype)} and {torch_name(t.dtype)}")
    if first.dtype is _dtype.bool_:
        raise RuntimeError(f"\"{fn}\" not implemented for 'Bool'")


def dense_like(shape, t: Tensor) -> Tensor:
    """A new dense tensor of t's dtype and device."""
    return _alloc(tuple(shape), t.dtype, t.device)


def batch_strides(t: Tensor, batch) -> tuple:
    """t's strides viewed at batch + its last two dimensions (0 for broadcast batch dims)."""
    shape = t._shape
    if len(shape) == 2 and not batch:
        return t._stride
    if tuple(shape[:-2]) == tuple(batch):
        return tuple(st if size != 1 else 0 for size, st in zip(shape[:-2], t._stride[:-2])) + t._stride[-2:]
    lead = view(t, t._shape[:-2], t._stride[:-2])
    return broadcast_strides(lead, tuple(batch), "matmul") + tuple(t._stride[-2:])


def merge_dims(shape, strides):
    """(size, stride) of one dimension equivalent to the given ones, or None when they do not merge."""
    size = math.prod(shape)
    dims = [(s, st) for s, st in zip(shape, strides) if s != 1]
    if size == 0 or not dims:
        return size, 1
    stride = dims[-1][1]
    expected = stride * dims[-1][0]
    for s, st in reversed(dims[:-1]):
        if st != expected:
            return None
        expected = st * s
    return size, stride


def as_matrix(t: Tensor, rows, cols, batch=()) -> Tensor:
    """t viewed as batch + (merged ``rows``, merged ``cols``) dimensions: a view, or a dense copy.

    ``batch``, ``rows`` and ``cols`` are lists of t's dimensions (a permutation of them)."""
    nb, nr = len(batch), len(rows)
    order = list(batch) + list(rows) + list(cols)
    shape = [t._shape[d] for d in order]
    strides = [t._stride[d] for d in order]
    r = merge_dims(shape[nb:nb + nr], strides[nb:nb + nr])
    c = merge_dims(shape[nb + nr:], strides[nb + nr:])
    if r is None or c is None:
        dense = dense_like(shape, t)
        copy_ops.copy_into(dense, view(t, shape, strides))
        n = len(order)
        return as_matrix(dense, range(nb, nb + nr), range(nb + nr, n), range(nb))
    return view(t, tuple(shape[:nb]) + (r[0], c[0]), tuple(strides[:nb]) + (r[1], c[1]))


def product(a: Tensor, b: Tensor, *, c: Tensor | None = None, alpha=1, beta=0) -> Tensor:
    """alpha * a @ b (+ beta * c, accumulated into c) for a (..., M, K) and b (..., K, N).

    Batch dimensions broadcast. Without c a new dense result is returned. c must not
    overlap a or b."""
    batch = () if len(a._shape) == 2 and len(b._shape) == 2 else broadcast_shapes(a._shape[:-2], b._shape[:-2])
    m, k = a._shape[-2:]
    n = b._shape[-1]
    if c is None:
        c = _fastpath.dense(tuple(batch) + (m, n), a.dtype, a.device, a._storage.runtime)
        beta = 0
    result = c
    folded = _fold_batch(a, b, c)
    if folded is not None:
        a, c = folded
        batch = ()
    gemm_ops.gemm(c, a, batch_strides(a, batch), b, batch_strides(b, batch), k, alpha, beta)
    return result


def _fold_batch(a: Tensor, b: Tensor, c: Tensor):
    """(a2, c2) with a's batch dims folded into its rows when b has none (one large GEMM), else None."""
    if b.dim() != 2 or a.dim() <= 2:
        return None
    rows_a = merge_dims(a._shape[:-1], a._stride[:-1])
    rows_c = merge_dims(c._shape[:-1], c._stride[:-1])
    if rows_a is None or rows_c is None:
        return None
    a2 = view(a, (rows_a[0], a._shape[-1]), (rows_a[1], a._stride[-1]))
    c2 = view(c, (rows_c[0], c._shape[-1]), (rows_c[1], c._stride[-1]))
    return a2, c2


def overlaps(x: Tensor, *others) -> bool:
    """True when x shares storage with any of the others (conservatively: the same buffer)."""
    return any(isinstance(o, Tensor) and o._storage is x._storage for o in others)


def ones_vector(n: int, like: Tensor) -> Tensor:
    """A dense (n, 1) tensor of ones."""
    out = dense_like((n, 1), like)
    fill_ops.fill(out, 1)
    return out


def sum_dims(t: Tensor, keep, drop) -> Tensor:
    """Sum t over the dimensions ``drop``; the result has the dimensions ``keep`` in that order.

    Computed as one GEMM against a ones vector, in t's dtype (as einsum does)."""
    keep_shape = tuple(t._shape[d] for d in keep)
    q = math.prod(t._shape[d] for d in drop)
    mat = as_matrix(t, keep, drop)
    res = product(mat, ones_vector(q, t))
    return view(res, keep_shape, contiguous_strides(keep_shape), res._offset)


def store_out(out: Tensor | None, result: Tensor, fn: str) -> Tensor:
    """Copy result into a user-given out= tensor (resizing an empty one), or return result."""
    if out is None:
        return result
    check_tensor(out, fn, "out")
    if out.dtype is not result.dtype:
        raise RuntimeError(f"{fn}: expected out tensor to have dtype {result.dtype}, but got {out.dtype} instead")
    out._resize_for_out(result._shape, f"{fn}: out=")
    copy_ops.copy_into(out, result)
    out._bump_version()
    return out
