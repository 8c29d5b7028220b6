"""Gather/scatter family: gather, scatter(_add/_reduce), index_select/add/copy/fill,
masked_fill/select/scatter, nonzero, argwhere, take, take_along_dim, one_hot, bincount.

Scatter reductions are deterministic without float atomics: the index is
sorted per row (stably) and every output element folds the sources aimed at it
in their original order (cl_kernels/sort.cl, scatter_reduce_sorted).
In-place ops check their indices on the device before writing, so a bad index
raises without leaving a half-written tensor. With autograd on, an in-place op
runs out of place on a copy and adopts the result (backward formulas:
_indexing_grads).

Direct calls check indices at once (one read of the device error flag). Two
internal modes avoid that wait: ``deferred_index_errors`` (a loss's targets:
the error raises at the next sync, like CUDA's device asserts) and
``validated_indices`` (a backward whose saved index the forward already checked).
"""
from __future__ import annotations

import numbers

from . import _dtype
from ._index_checks import _checks, raise_if_flagged
from ._index_checks import flag_buffer as _flag
from . import _indexing_grads as G
from ._creation import full
from ._promotion import torch_name
from ._registry import ALL, mark_backward, register
from ._shape_utils import broadcast_shapes, broadcast_strides
from ._sorting import SortedRows, flat
from ._tensor_autograd import adopt_inplace
from ._view_grads import refuse_out_with_grad
from .ops import index as index_ops
from .ops import sort as sort_ops
from .ops.layout import contiguous_strides, numel
from .tensor import Tensor, _alloc

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add", "index_copy",
           "index_fill", "masked_fill", "masked_select", "masked_scatter", "nonzero", "argwhere", "take",
           "take_along_dim", "bincount"]


class IndexOutOfRangeError(IndexError, RuntimeError):
    """An index outside its dimension. torch raises IndexError for indexing and
    RuntimeError for gather/scatter; this is both, so either except clause works."""


def _raise_if_flagged(rt, message: str, exc=IndexOutOfRangeError) -> None:
    """Raise exc(message) if a kernel flagged a bad index (now, at the next sync, or never, by mode)."""
    raise_if_flagged(rt, message, exc)


def _at_least_1d(t: Tensor) -> Tensor:
    if t.dim():
        return t
    return Tensor._make(t._storage, t._offset, (1,), (1,), t.dtype, t.device, t._version_counter)


def _same_device(t: Tensor, dev) -> Tensor:
    return t if t.device == dev else t.to(dev)


def _unaliased(src: Tensor, self: Tensor) -> Tensor:
    """src, or a copy of it when it shares self's memory (one kernel must not read what it writes)."""
    src = _same_device(src, self.device)
    return src.clone() if src._storage is self._storage else src


def _check_index_dtype(index, fn: str, allow_int32: bool = True) -> None:
    if not isinstance(index, Tensor):
        raise TypeError(f"{fn}(): argument 'index' must be Tensor, not {type(index).__name__}")
    ok = (_dtype.int64, _dtype.int32) if allow_int32 else (_dtype.int64,)
    if index.dtype not in ok:
        want = "int32/int64" if allow_int32 else "int64"
        raise RuntimeError(f"{fn}(): Expected dtype {want} for index")


def _zero_at(strides, dim: int) -> tuple:
    return tuple(0 if d == dim else s for d, s in enumerate(strides))


def _only_at(stride: int, dim: int, ndim: int) -> tuple:
    return tuple(stride if d == dim else 0 for d in range(ndim))


def _check_vector_index(index: Tensor, fn: str) -> Tensor:
    if index.dim() > 1:
        raise IndexError(f"{fn}(): Index is supposed to be a vector")
    return _at_least_1d(index)


# -- gather, take ------------------------------------------------------------------
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out=None) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (for dim 0): values picked along dim by index."""
    refuse_out_with_grad("gather", out, input)
    _check_index_dtype(index, "gather")
    index = _same_device(index, input.device)
    x, idx = _at_least_1d(input), _at_least_1d(index)
    if x.dim() != idx.dim():
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    d = x._wrap_dim(dim)
    for k in range(x.dim()):
        if k != d and idx._shape[k] > x._shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index {list(index._shape)} to be "
                               f"no larger than self {list(input._shape)} apart from dimension {d}")
    result = _alloc(index._shape, input.dtype, input.device)
    view = _at_least_1d(result)
    if view.numel():
        index_ops.gather_along(view, (x, _zero_at(x._stride, d)), (idx, idx._stride), x._shape[d], x._stride[d],
                               False, err=_flag(x._runtime))
        _raise_if_flagged(x._runtime, f"index is out of bounds for dimension {d} with size {x._shape[d]}")
    G.track("GatherBackward0", result, (input,), G.gather, input, dim, index)
    return result if out is None else out.copy_(result)


def take(input: Tensor, index: Tensor) -> Tensor:
    """input viewed as 1-D, read at index (negative indices count from the end)."""
    _check_index_dtype(index, "take")
    index = _same_device(index, input.device)
    src = flat(input)
    n = src._shape[0]
    result = _alloc(index._shape, input.dtype, input.device)
    if result.numel():
        index_ops.gather_along(result, (src, (0,) * index.dim()), (index, index._stride), n, 1, True)
        _raise_if_flagged(src._runtime, f"out of range: tried to access an index out of range on a tensor of "
                                        f"{n} elements.")
    return G.track("TakeBackward0", result, (input,), G.take, input, index)


def take_along_dim(input: Tensor, indices: Tensor, dim=None) -> Tensor:
    """Values of input at indices along dim (broadcasting the other dims); flattened when dim is None."""
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input.dim() != indices.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.dim()} dimensions for input, and {indices.dim()} dimensions for indices")
    d = input._wrap_dim(dim)
    a = input._shape[:d] + (1,) + input._shape[d + 1:]
    b = indices._shape[:d] + (1,) + indices._shape[d + 1:]
    common = broadcast_shapes(a, b)
    x_shape = common[:d] + (input._shape[d],) + common[d + 1:]
    i_shape = common[:d] + (indices._shape[d],) + common[d + 1:]
    return gather(input.expand(x_shape), d, indices.expand(i_shape))


# -- scatter family --------------------------------------------------------------------
def _check_scatter_shapes(self: Tensor, d: int, idx: Tensor, src) -> None:
    if idx.dim() != self.dim() or (isinstance(src, Tensor) and src.dim() != self.dim()):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for k in range(self.dim()):
        too_big = (k != d and idx._shape[k] > self._shape[k]) or (
            isinstance(src, Tensor) and idx._shape[k] > src._shape[k])
        if too_big:
            extra = f" and to be no larger size than src {list(src._shape)}" if isinstance(src, Tensor) else ""
            raise RuntimeError(f"Expected index {list(idx._shape)} to be no larger than self {list(self._shape)} "
                               f"apart from dimension {d}{extra}")


def _check_range(index: Tensor, size: int, message: str, wrap: bool = False, exc=IndexOutOfRangeError) -> None:
    """Check index values on the device before an in-place write (one readback, unless deferred or skipped)."""
    if index.numel() and _checks.mode != "skip":
        index_ops.check_index(index, size, wrap, err=_flag(index._runtime))
        _raise_if_flagged(index._runtime, message, exc)


def _scatter_prepare(self, dim, index, src, fn):
    _check_index_dtype(index, fn, allow_int32=False)
    index = _same_device(index, self.device)
    x, idx = _at_least_1d(self), _at_least_1d(index)
    if isinstance(src, Tensor):
        src = _at_least_1d(_unaliased(src, self))
        if src.dtype is not self.dtype:
            raise RuntimeError(f"{fn}(): Expected self.dtype to be equal to src.dtype")
    d = x._wrap_dim(dim)
    _check_scatter_shapes(x, d, idx, src)
    _check_range(idx, x._shape[d], f"index is out of bounds for dimension {d} with size {x._shape[d]}")
    return x, d, idx, src


def scatter_(self: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce=None) -> Tensor:
    """self[index[i][j]][j] = src[i][j] (dim 0), or a value; reduce='add'/'multiply' combines instead."""
    if G.inplace_needs_grad(self, src):
        return adopt_inplace(self, scatter(self, dim, index, src, value, reduce=reduce))
    return _scatter_raw(self, dim, index, src, value, reduce)


def _scatter_raw(self: Tensor, dim: int, index: Tensor, src, value, reduce) -> Tensor:
    if src is None and value is None:
        raise TypeError("scatter_() missing required argument 'src' or 'value'")
    if src is None or not isinstance(src, Tensor):
        value = src if src is not None else value
        src = None
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if src is None:
            src = full(index._shape, value, dtype=self.dtype, device=self.device)
        return _scatter_reduce_raw(self, dim, index, src, "sum" if reduce == "add" else "prod", True)
    x, d, idx, src = _scatter_prepare(self, dim, index, src if src is not None else value, "scatter")
    dst = (x, _zero_at(x._stride, d))
    if idx.numel():
        if not isinstance(src, Tensor):
            index_ops.scatter_fill_along(dst, (idx, idx._stride), idx._shape, value, x._shape[d], x._stride[d],
                                         False)
        else:
            index_ops.scatter_along(dst, (src, src._stride), (idx, idx._stride), idx._shape, x._shape[d],
                                    x._stride[d], False)
    self._bump_version()
    return self


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce=None) -> Tensor:
    """Out-of-place scatter_."""
    result = _scatter_raw(input.detach().clone(), dim, index, src, value, reduce)
    if reduce is not None:
        return G.track("NotImplemented", result, (input, src), G.not_implemented,
                       "derivative for aten::scatter is not implemented")
    name = "ScatterBackward0" if isinstance(src, Tensor) else "ScatterBackward1"
    return G.track(name, result, (input, src), G.scatter, input, dim, index, src)


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce_(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                    include_self: bool = True) -> Tensor:
    """Reduce src into self at index along dim with sum, prod, mean, amax or amin (deterministic)."""
    if G.inplace_needs_grad(self, src):  # the backward reads self's old values: give it a copy
        return adopt_inplace(self, scatter_reduce(self.clone(), dim, index, src, reduce, include_self=include_self))
    return _scatter_reduce_raw(self, dim, index, src, reduce, include_self)


def _scatter_reduce_raw(self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str,
                        include_self: bool) -> Tensor:
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    x, d, idx, src = _scatter_prepare(self, dim, index, src, "scatter_reduce")
    if idx.numel():
        _reduce_sorted(x, d, idx, src, reduce, include_self)
    self._bump_version()
    return self


def _reduce_sorted(x: Tensor, d: int, idx: Tensor, src: Tensor, reduce: str, include_self: bool,
                   alpha=1) -> None:
    """Fold src into x along d at the (checked) index idx of x's rank: sort idx rows, then one kernel."""
    rows = SortedRows(idx, d, False)
    ndim = x.dim()
    region = idx._shape[:d] + (x._shape[d],) + idx._shape[d + 1:]
    target = Tensor._make(x._storage, x._offset, region, x._stride, x.dtype, x.device)
    batch_strides = [s * rows.P for s in contiguous_strides(rows.batch)]
    key_strides = tuple(batch_strides[:d]) + (0,) + tuple(batch_strides[d:])
    if target.numel():
        sort_ops.scatter_reduce_sorted(target, (src, _zero_at(src._stride, d)), (rows.keys, key_strides), rows.pos,
                                       _only_at(1, d, ndim), idx._shape[d], 1, src._stride[d], x.dtype, reduce,
                                       alpha, include_self)


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Out-of-place scatter_reduce_."""
    result = _scatter_reduce_raw(input.detach().clone(), dim, index, src, reduce, include_self)
    return G.track("ScatterReduceBackward0", result, (input, src), G.scatter_reduce, input, dim, index, src,
                   reduce, include_self, result)


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """self[index[i][j]][j] += src[i][j] (dim 0); repeated indices all add up, deterministically."""
    if G.inplace_needs_grad(self, src):
        return adopt_inplace(self, scatter_add(self, dim, index, src))
    return _scatter_reduce_raw(self, dim, index, src, "sum", True)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Out-of-place scatter_add_."""
    result = _scatter_reduce_raw(input.detach().clone(), dim, index, src, "sum", True)
    return G.track("ScatterAddBackward0", result, (input, src), G.scatter_add, input, dim, index, src)


# -- index_* -------------------------------------------------------------------------
def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    """The slices of input along dim named by the 1-D index (a copy)."""
    refuse_out_with_grad("index_select", out, input)
    _check_index_dtype(index, "index_select")
    index = _check_vector_index(_same_device(index, input.device), "index_select")
    x = _at_least_1d(input)
    d = x._wrap_dim(dim)
    if input.dim() == 0 and index.numel() != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)")
    shape = x._shape[:d] + (index._shape[0],) + x._shape[d + 1:]
    result = _alloc(shape if input.dim() else (), input.dtype, input.device)
    view = _at_least_1d(result)
    if view.numel():
        index_ops.gather_along(view, (x, _zero_at(x._stride, d)), (index, _only_at(index._stride[0], d, x.dim())),
                               x._shape[d], x._stride[d], False, err=_flag(x._runtime))
        _raise_if_flagged(x._runtime, "index out of range in self", IndexError)
    elif index.numel():
        _check_range(index, x._shape[d], "index out of range in self", exc=IndexError)
    G.track("IndexSelectBackward0", result, (input,), G.index_select, input, dim, index)
    return result if out is None else out.copy_(result)


def _index_source_checks(x: Tensor, d: int, index: Tensor, source: Tensor, fn: str) -> None:
    if source.dtype is not x.dtype:
        raise RuntimeError(f"{fn}(): self ({torch_name(x.dtype)}) and source ({torch_name(source.dtype)}) must "
                           f"have the same scalar type")
    want = x._shape[:d] + (source._shape[d] if source.dim() > d else 1,) + x._shape[d + 1:]
    if source.dim() != x.dim() or source._shape != want:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(x._shape)} source.shape = {list(source._shape)}")
    if source._shape[d] != index._shape[0]:
        raise RuntimeError(f"{fn}(): Number of indices ({index._shape[0]}) should be equal to source.size(dim): "
                           f"({source._shape[d]}), for dim: {d}")


def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """self[index[i]] += alpha * source[i] along dim; repeated indices all add up, deterministically."""
    if G.inplace_needs_grad(self, source):
        return adopt_inplace(self, index_add(self, dim, index, source, alpha=alpha))
    return _index_add_raw(self, dim, index, source, alpha)


def _index_add_raw(self: Tensor, dim: int, index: Tensor, source: Tensor, alpha) -> Tensor:
    _check_index_dtype(index, "index_add_")
    index = _check_vector_index(_same_device(index, self.device), "index_add_")
    source = _at_least_1d(_unaliased(source, self))
    x = _at_least_1d(self)
    d = x._wrap_dim(dim)
    _index_source_checks(x, d, index, source, "index_add_")
    if isinstance(alpha, float) and not self.dtype.is_floating_point and not alpha.is_integer():
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    _check_range(index, x._shape[d], "index out of range in self", exc=IndexError)
    if index.numel() and x.numel():
        idx = index if index.dtype is _dtype.int64 else index.long()
        rows = SortedRows(idx, 0, False)
        sort_ops.scatter_reduce_sorted(x, (source, _zero_at(source._stride, d)), (rows.keys, (0,) * x.dim()),
                                       rows.pos, _only_at(1, d, x.dim()), index._shape[0], 1, source._stride[d],
                                       x.dtype, "sum", alpha, True)
    self._bump_version()
    return self


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """Out-of-place index_add_."""
    result = _index_add_raw(input.detach().clone(), dim, index, source, alpha)
    return G.track("IndexAddBackward0", result, (input, source), G.index_add, input, dim, index, source, alpha)


def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """self[index[i]] = source[i] along dim."""
    if G.inplace_needs_grad(self, source):
        return adopt_inplace(self, index_copy(self, dim, index, source))
    return _index_copy_raw(self, dim, index, source)


def _index_copy_raw(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    _check_index_dtype(index, "index_copy_", allow_int32=False)
    index = _check_vector_index(_same_device(index, self.device), "index_copy_")
    source = _at_least_1d(_unaliased(source, self))
    x = _at_least_1d(self)
    d = x._wrap_dim(dim)
    if source.dim() > d and source._shape[d] != index._shape[0]:
        raise IndexError(f"index_copy_(): Number of indices ({index._shape[0]}) should be equal to "
                         f"source.size(dim) ({source._shape[d]})")
    _index_source_checks(x, d, index, source, "index_copy_")
    _check_range(index, x._shape[d], f"index_copy_(): index out of bounds for dimension {d} with size "
                                     f"{x._shape[d]}", exc=IndexError)
    if source.numel():
        index_ops.scatter_along((x, _zero_at(x._stride, d)), (source, source._stride),
                                (index, _only_at(index._stride[0], d, x.dim())), source._shape, x._shape[d],
                                x._stride[d], False)
    self._bump_version()
    return self


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """Out-of-place index_copy_."""
    result = _index_copy_raw(input.detach().clone(), dim, index, source)
    return G.track("IndexCopyBackward0", result, (input, source), G.index_copy, input, dim, index, source)


def index_fill_(self: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """Set the slices of self along dim named by index to value (negative indices wrap)."""
    if G.inplace_needs_grad(self, value):
        return adopt_inplace(self, index_fill(self, dim, index, value))
    return _index_fill_raw(self, dim, index, value)


def _index_fill_raw(self: Tensor, dim: int, index: Tensor, value) -> Tensor:
    _check_index_dtype(index, "index_fill_", allow_int32=False)
    if index.dim() > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    index = _at_least_1d(_same_device(index, self.device))
    x = _at_least_1d(self)
    d = x._wrap_dim(dim)
    _check_range(index, x._shape[d], f"index is out of bounds for dimension {d} with size {x._shape[d]}",
                 wrap=True, exc=IndexError)
    shape = x._shape[:d] + (index._shape[0],) + x._shape[d + 1:]
    dst, idx = (x, _zero_at(x._stride, d)), (index, _only_at(index._stride[0], d, x.dim()))
    if numel(shape):
        if isinstance(value, Tensor):
            if value.dim():
                raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value.dim()} dimension(s).")
            value = _unaliased(value, self)
            index_ops.scatter_along(dst, (value, (0,) * x.dim()), idx, shape, x._shape[d], x._stride[d], True)
        else:
            index_ops.scatter_fill_along(dst, idx, shape, value, x._shape[d], x._stride[d], True)
    self._bump_version()
    return self


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """Out-of-place index_fill_."""
    result = _index_fill_raw(input.detach().clone(), dim, index, value)
    name = "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0"
    return G.track(name, result, (input, value), G.index_fill, input, dim, index, value)


# -- masked_* ------------------------------------------------------------------------
def _check_mask(mask, fn: str) -> None:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{fn}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.dtype is not _dtype.bool_:
        raise RuntimeError(f"{fn} only supports boolean masks, but got mask with dtype {torch_name(mask.dtype)}")


def _expanded_clone(t: Tensor, shape) -> Tensor:
    out = _alloc(shape, t.dtype, t.device)
    from .ops.copy import copy_into
    copy_into(out, t, broadcast_strides(t, shape))
    return out


def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    """self[mask] = value (mask broadcasts to self; value a number or a 0-d tensor)."""
    if G.inplace_needs_grad(self, value):
        _check_mask(mask, "masked_fill_")
        broadcast_strides(mask, self._shape, "masked_fill_")
        return adopt_inplace(self, masked_fill(self, mask, value))
    return _masked_fill_raw(self, mask, value)


def _masked_fill_raw(self: Tensor, mask: Tensor, value) -> Tensor:
    _check_mask(mask, "masked_fill_")
    mask = _same_device(mask, self.device)
    m = (mask, broadcast_strides(mask, self._shape, "masked_fill_"))
    if isinstance(value, Tensor):
        if value.dim():
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.dim()} dimension(s).")
        value = _unaliased(value, self)
        if self.numel():
            index_ops.masked_copy(self, m, (value, (0,) * self.dim()))
    elif not isinstance(value, numbers.Number):
        raise TypeError(f"masked_fill_(): argument 'value' must be Number or Tensor, not {type(value).__name__}")
    elif self.numel():
        index_ops.masked_fill(self, m, value)
    self._bump_version()
    return self


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """A copy of input (broadcast with mask) with value where mask is True."""
    _check_mask(mask, "masked_fill_")
    result = _masked_fill_raw(_expanded_clone(input, broadcast_shapes(input._shape, mask._shape)), mask, value)
    name = "MaskedFillBackward1" if isinstance(value, Tensor) else "MaskedFillBackward0"
    return G.track(name, result, (input, value), G.masked_fill, input, mask, value)


def masked_select(input: Tensor, mask: Tensor, *, out=None) -> Tensor:
    """The elements of input (broadcast with mask) where mask is True, as a 1-D tensor."""
    refuse_out_with_grad("masked_select", out, input)
    if not isinstance(mask, Tensor) or mask.dtype is not _dtype.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    mask = _same_device(mask, input.device)
    shape = broadcast_shapes(input._shape, mask._shape)
    pos = _alloc((numel(shape),), _dtype.int64, input.device)
    scan = index_ops.flag_nonzero(pos, (mask, broadcast_strides(mask, shape)), shape)
    result = _alloc((scan.total(),), input.dtype, input.device)
    if result.numel():
        index_ops.compact_values(result, (input, broadcast_strides(input, shape)), shape, scan)
    G.track("MaskedSelectBackward0", result, (input,), G.masked_select, input, mask)
    return result if out is None else out.copy_(result)


def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """Copy source's leading elements, in order, into self where mask is True."""
    if G.inplace_needs_grad(self, source):
        _check_mask(mask, "masked_scatter_")
        broadcast_strides(mask, self._shape, "masked_scatter_")
        return adopt_inplace(self, masked_scatter(self, mask, source))
    return _masked_scatter_raw(self, mask, source)


def _masked_scatter_raw(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    _check_mask(mask, "masked_scatter_")
    mask = _same_device(mask, self.device)
    if source.dtype is not self.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but got "
                           f"{torch_name(self.dtype)} and {torch_name(source.dtype)}")
    pos = _alloc((self.numel(),), _dtype.int64, self.device)
    scan = index_ops.flag_nonzero(pos, (mask, broadcast_strides(mask, self._shape, "masked_scatter_")),
                                  self._shape)
    if self.numel():
        index_ops.expand_values(self, flat(_unaliased(source, self)), scan)
        _raise_if_flagged(self._runtime, "Number of elements of source < number of ones in mask", RuntimeError)
    self._bump_version()
    return self


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """Out-of-place masked_scatter_ (input and mask broadcast together)."""
    _check_mask(mask, "masked_scatter_")
    result = _masked_scatter_raw(_expanded_clone(input, broadcast_shapes(input._shape, mask._shape)), mask, source)
    return G.track("MaskedScatterBackward0", result, (input, source), G.masked_scatter, input, mask, source)


# -- nonzero, one_hot, bincount --------------------------------------------------------
def nonzero(input: Tensor, *, out=None, as_tuple: bool = False):
    """Coordinates of the non-zero elements: [count, ndim] int64, or one 1-D tensor per dim."""
    shape = input._shape
    n = numel(shape)
    pos = _alloc((n,), _dtype.int64, input.device)
    scan = index_ops.flag_nonzero(pos, (input, input._stride), shape)
    count = scan.total()
    linear = _alloc((count,), _dtype.int64, input.device)
    if count:
        index_ops.compact_indices(linear, scan)
    if as_tuple:
        if not shape:
            return (_alloc((count,), _dtype.int64, input.device).zero_(),)
        cols = _alloc((len(shape), count), _dtype.int64, input.device)
        if count:
            index_ops.unravel(cols, linear, shape, count, transposed=True)
        return tuple(Tensor._make(cols._storage, d * count, (count,), (1,), cols.dtype, cols.device)
                     for d in range(len(shape)))
    result = _alloc((count, len(shape)), _dtype.int64, input.device)
    if count and shape:
        index_ops.unravel(result, linear, shape, count)
    return result if out is None else out.copy_(result)


def argwhere(input: Tensor) -> Tensor:
    """nonzero(input): the coordinates of non-zero elements, one row each."""
    return nonzero(input)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with a trailing dim of num_classes that is 1 at each index (nn.functional.one_hot)."""
    if not isinstance(tensor, Tensor) or tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = flat(tensor)
    if idx.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return _alloc(tensor._shape + (num_classes,), _dtype.int64, tensor.device)
    lo, hi = index_ops.minmax(idx)
    if lo < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = hi + 1
    elif hi >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    result = _alloc(tensor._shape + (num_classes,), _dtype.int64, tensor.device)
    if result.numel():
        index_ops.one_hot(result, idx, num_classes)
    return result


def bincount(input: Tensor, weights=None, minlength: int = 0) -> Tensor:
    """Count of each value 0..max(input) in the 1-D non-negative integer input (sums of weights if given)."""
    if input.dtype.is_floating_point or input.dtype is _dtype.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{torch_name(input.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.dim() != 1:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.dim() != 1 or weights._shape[0] != input._shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = _dtype.int64
    if weights is not None:
        out_dtype = _dtype.float32 if weights.dtype is _dtype.float32 else _dtype.float64
    n = input._shape[0]
    bins = minlength
    idx = flat(input).long()
    if n:
        lo, hi = index_ops.minmax(idx)
        if lo < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        bins = max(bins, hi + 1)
    result = full((bins,), 0, dtype=out_dtype, device=input.device)
    if n:
        src = full((n,), 1, dtype=_dtype.int64, device=input.device) if weights is None else \
            _same_device(weights, input.device)
        rows = SortedRows(idx, 0, False)
        sort_ops.scatter_reduce_sorted(result, (src, (0,)), (rows.keys, (0,)), rows.pos, (1,), n, 1,
                                       src._stride[0], out_dtype, "sum", 1, True)
    return result


register("gather scatter scatter_add scatter_reduce index_select index_add index_copy index_fill masked_fill "
         "masked_select masked_scatter nonzero argwhere take take_along_dim bincount", "indexing", ALL)
register("scatter_ scatter_add_ scatter_reduce_ index_add_ index_copy_ index_fill_ masked_fill_ masked_scatter_",
         "indexing", ALL, forms=("method",))

mark_backward("gather scatter scatter_ scatter_add scatter_add_ scatter_reduce scatter_reduce_ index_select index_add "
              "index_add_ index_copy index_copy_ index_fill index_fill_ masked_fill masked_fill_ masked_select "
              "masked_scatter masked_scatter_ take take_along_dim")

for _name in ("gather scatter scatter_ scatter_add scatter_add_ scatter_reduce scatter_reduce_ index_select "
              "index_add index_add_ index_copy index_copy_ index_fill index_fill_ masked_fill masked_fill_ "
              "masked_select masked_scatter masked_scatter_ nonzero argwhere take take_along_dim bincount").split():
    setattr(Tensor, _name, globals()[_name])
