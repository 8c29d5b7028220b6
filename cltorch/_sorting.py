"""Sorting on the device: sort, argsort, msort, topk, kthvalue, unique,
unique_consecutive, searchsorted and bucketize.

Every sort is one bitonic network per row (cl_kernels/sort.cl) over a padded
copy of the data with the sorted dimension last; ties are broken by original
position, so sorts are always stable and NaN sorts last (first when
descending), as in torch.
"""
from __future__ import annotations

import collections
import numbers

from . import _dtype
from . import _indexing_grads as G
from ._registry import ALL, mark_backward, register
from ._view_grads import refuse_out_with_grad
from .ops import index as index_ops
from .ops import sort as sort_ops
from .ops.copy import copy_into
from .ops.layout import contiguous_strides, numel
from .tensor import Tensor, _alloc

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive", "searchsorted",
           "bucketize"]

def _result_type(name: str, attr: str):
    """A (values, indices) named tuple printed like torch.return_types.<name>; picklable as module.attr."""
    base = collections.namedtuple(name, ["values", "indices"])

    def __repr__(self):
        return f"cltorch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__,
                                "__qualname__": attr})


_SortResult = _result_type("sort", "_SortResult")
_TopkResult = _result_type("topk", "_TopkResult")
_KthResult = _result_type("kthvalue", "_KthResult")


# -- helpers ---------------------------------------------------------------------
def _check_tensor(x, fn: str, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


def _view(base: Tensor, offset: int, shape, strides) -> Tensor:
    """A view sharing base's storage and version counter."""
    t = Tensor._make(base._storage, offset, tuple(shape), tuple(strides), base.dtype, base.device,
                     base._version_counter)
    t._base = base._base if base._base is not None else base
    return t


def _moved_last(t: Tensor, dim: int) -> Tensor:
    """A view of t with dimension dim moved to the end (no copy)."""
    shape = t._shape[:dim] + t._shape[dim + 1:] + (t._shape[dim],)
    strides = t._stride[:dim] + t._stride[dim + 1:] + (t._stride[dim],)
    return Tensor._make(t._storage, t._offset, shape, strides, t.dtype, t.device, t._version_counter)


def dense(t: Tensor) -> Tensor:
    """t itself when dense from storage offset 0, else a dense copy (kernels index such buffers directly)."""
    from .ops.layout import is_dense
    return t if (t._offset == 0 and is_dense(t)) else t.clone()


def flat(t: Tensor) -> Tensor:
    """A dense, offset-0, 1-D tensor with t's elements in row-major order."""
    d = dense(t)
    return Tensor._make(d._storage, 0, (d.numel(),), (1,), d.dtype, d.device, d._version_counter)


class SortedRows:
    """x sorted along dim: padded [rows, P] keys and original positions (device buffers)."""

    def __init__(self, x: Tensor, dim: int, descending: bool):
        self.x, self.dim = x, dim
        self.n = x._shape[dim]
        self.batch = x._shape[:dim] + x._shape[dim + 1:]
        rows = numel(self.batch)
        P = 1
        while P < self.n:
            P *= 2
        self.P = P
        self.keys = _alloc((rows, P), x.dtype, x.device)
        self.pos = _alloc((rows, P), _dtype.int64, x.device)
        copy_into(self._row_view(self.keys, 0, self.n), _moved_last(x, dim))
        sort_ops.sort_rows(self.keys, self.pos, self.n, descending)

    def _row_view(self, buf: Tensor, start: int, length: int) -> Tensor:
        strides = tuple(s * self.P for s in contiguous_strides(self.batch)) + (1,)
        return Tensor._make(buf._storage, start, self.batch + (length,), strides, buf.dtype, buf.device)

    def take(self, start: int, length: int, values: bool = True):
        """(values, indices) of sorted positions [start, start + length) along dim, shaped like x."""
        shape = self.x._shape[:self.dim] + (length,) + self.x._shape[self.dim + 1:]
        outs = []
        for buf, want in ((self.keys, values), (self.pos, True)):
            if not want:
                outs.append(None)
                continue
            out = _alloc(shape, buf.dtype, self.x.device)
            copy_into(_moved_last(out, self.dim), self._row_view(buf, start, length))
            outs.append(out)
        return outs[0], outs[1]


def _sorted(x: Tensor, dim: int, descending: bool, values: bool = True):
    """(values, indices) of x sorted along dim (0-d and empty tensors included)."""
    if x.dim() == 0:
        x._wrap_dim(dim)
        idx = _alloc((), _dtype.int64, x.device).zero_()
        return (x.clone() if values else None), idx
    dim = x._wrap_dim(dim)
    if x.numel() == 0:
        return (_alloc(x._shape, x.dtype, x.device) if values else None), _alloc(x._shape, _dtype.int64, x.device)
    return SortedRows(x, dim, descending).take(0, x._shape[dim], values)


def _into(o: Tensor, r: Tensor) -> Tensor:
    """Copy r into the out= tensor o, resizing o first when its shape differs (as torch does)."""
    if o._shape != r._shape:
        fresh = _alloc(r._shape, o.dtype, o.device)
        o._init_view(fresh._storage, 0, fresh._shape, fresh._stride, o.dtype, o.device, o._version_counter)
    return o.copy_(r)


def _write_out(out, result):
    if out is None:
        return result
    return type(result)(*(_into(o, r) for o, r in zip(out, result)))


# -- sort, argsort, topk, kthvalue ---------------------------------------------------
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable=None, out=None):
    """Sorted values and their original indices along dim (always stable; NaN last, first when descending)."""
    _check_tensor(input, "sort")
    refuse_out_with_grad("sort", out, input)
    result = _SortResult(*_sorted(input, dim, bool(descending)))
    name = "SortBackward0" if stable is None else "SortBackward1"  # torch names the stable= overload apart
    G.track(name, result, (input,), G.sort_like, input, dim, result.indices)
    return _write_out(out, result)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort input along dim."""
    _check_tensor(input, "argsort")
    return _sorted(input, dim, bool(descending), values=False)[1]


def msort(input: Tensor, *, out=None) -> Tensor:
    """input sorted along its first dimension."""
    _check_tensor(input, "msort")
    refuse_out_with_grad("msort", out, input)
    result, indices = _sorted(input, 0, False)
    G.track("SortBackward0", result, (input,), G.sort_like, input, 0, indices)
    return result if out is None else _into(out, result)


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):
    """The k largest (or smallest) elements along dim and their indices, in sorted order."""
    _check_tensor(input, "topk")
    refuse_out_with_grad("topk", out, input)
    size = input._shape[input._wrap_dim(dim)] if input.dim() else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if input.dim() == 0:
        result = _TopkResult(*_sorted(input, dim, True))
    elif input.numel() == 0 or k == 0:
        dim = input._wrap_dim(dim)
        shape = input._shape[:dim] + (k,) + input._shape[dim + 1:]
        result = _TopkResult(_alloc(shape, input.dtype, input.device), _alloc(shape, _dtype.int64, input.device))
    else:
        result = _TopkResult(*SortedRows(input, input._wrap_dim(dim), bool(largest)).take(0, k))
    G.track("TopkBackward0", result, (input,), G.sort_like, input, dim, result.indices)
    return _write_out(out, result)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The k-th smallest element along dim and its index."""
    _check_tensor(input, "kthvalue")
    refuse_out_with_grad("kthvalue", out, input)
    d = input._wrap_dim(dim)
    size = input._shape[d] if input.dim() else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if input.dim() == 0:
        result = _KthResult(*_sorted(input, dim, False))
    else:
        values, indices = SortedRows(input, d, False).take(k - 1, 1)
        if not keepdim:
            values, indices = (_squeeze(t, d) for t in (values, indices))
        result = _KthResult(values, indices)
    G.track("KthvalueBackward0", result, (input,), G.sort_like, input, d, result.indices, keepdim)
    return _write_out(out, result)


def _squeeze(t: Tensor, dim: int) -> Tensor:
    return Tensor._make(t._storage, t._offset, t._shape[:dim] + t._shape[dim + 1:],
                        t._stride[:dim] + t._stride[dim + 1:], t.dtype, t.device, t._version_counter)


# -- unique ----------------------------------------------------------------------
def _runs(scan_pos: Tensor, perm, n: int, want_inverse: bool, inverse_shape, want_counts: bool):
    """From run flags in scan_pos: (run starts, inverse or None, counts or None)."""
    scan = index_ops.Scan(scan_pos)
    runs = scan.total()
    dev = scan_pos.device
    starts = _alloc((runs,), _dtype.int64, dev)
    inverse = _alloc(inverse_shape, _dtype.int64, dev) if want_inverse else None
    if n:
        index_ops.run_starts(starts, inverse, perm, scan)
    counts = None
    if want_counts:
        counts = _alloc((runs,), _dtype.int64, dev)
        index_ops.run_lengths(counts, starts, runs, n)
    return starts, inverse, counts


def _gather_flat(src: Tensor, idx: Tensor) -> Tensor:
    """src (dense 1-D storage from offset 0) at the positions idx, as a new 1-D tensor."""
    out = _alloc(idx._shape, src.dtype, src.device)
    index_ops.gather_along(out, (src, (0,)), (idx, idx._stride), -1, 1, False)
    return out


def _pack(values, inverse, counts, return_inverse, return_counts):
    if not return_inverse and not return_counts:
        return values
    result = (values,)
    if return_inverse:
        result += (inverse,)
    if return_counts:
        result += (counts,)
    return result


def _unique_flat(x: Tensor, sort_first: bool, return_inverse: bool, return_counts: bool):
    n = x.numel()
    if sort_first and n:
        rows = SortedRows(flat(x), 0, False)
        keys, perm = rows.keys, rows.pos
    else:
        keys, perm = flat(x), None
    pos = _alloc((n,), _dtype.int64, x.device)
    if n:
        sort_ops.flag_run_starts(pos, keys, n)
    starts, inverse, counts = _runs(pos, perm, n, return_inverse, x._shape, return_counts)
    values = _gather_flat(keys, starts)
    return _pack(values, inverse, counts, return_inverse, return_counts)


def _unique_dim(x: Tensor, dim: int, sort_first: bool, return_inverse: bool, return_counts: bool):
    dim = x._wrap_dim(dim)
    S = x._shape[dim]
    rest = x._shape[:dim] + x._shape[dim + 1:]
    width = numel(rest)
    moved = Tensor._make(x._storage, x._offset, (S,) + rest, (x._stride[dim],) + x._stride[:dim] +
                         x._stride[dim + 1:], x.dtype, x.device)
    data = moved.clone()  # dense [S, width]
    perm = None
    if sort_first and S > 1:
        from ._creation import arange
        perm = arange(S, device=x.device)
        for c in reversed(range(width)):
            order = SortedRows(_offset_column(data, perm, c, width), 0, False).pos
            new_perm = _alloc((S,), _dtype.int64, x.device)
            index_ops.gather_along(new_perm, (perm, (0,)), (order, (1,)), -1, 1, False)
            perm = new_perm
    pos = _alloc((S,), _dtype.int64, x.device)
    if S:
        sort_ops.flag_slice_starts(pos, data, perm, width, S)
    starts, inverse, counts = _runs(pos, perm, S, return_inverse, (S,), return_counts)
    chosen = starts if perm is None else _gather_flat(perm, starts)
    runs = starts._shape[0]
    out_shape = x._shape[:dim] + (runs,) + x._shape[dim + 1:]
    out = _alloc(out_shape, x.dtype, x.device)
    out_moved = Tensor._make(out._storage, 0, (runs,) + rest, (out._stride[dim],) + out._stride[:dim] +
                             out._stride[dim + 1:], out.dtype, out.device)
    if out.numel():
        index_ops.gather_along(out_moved, (data, (0,) + contiguous_strides(rest)),
                               (chosen, (1,) + (0,) * len(rest)), -1, width, False)
    return _pack(out, inverse, counts, return_inverse, return_counts)


def _offset_column(data: Tensor, perm: Tensor, c: int, width: int) -> Tensor:
    """Column c of the dense [S, width] data, in the order perm."""
    column = _alloc(perm._shape, data.dtype, data.device)
    shifted = Tensor._make(data._storage, c, data._shape, data._stride, data.dtype, data.device)
    index_ops.gather_along(column, (shifted, (0,)), (perm, (1,)), -1, width, False)
    return column


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim=None):
    """The distinct elements (or slices along dim) in ascending order, with optional inverse and counts."""
    _check_tensor(input, "unique")
    if dim is None:
        result = _unique_flat(input, True, return_inverse, return_counts)
        return G.track("Unique2Backward0", result, (input,), G.not_implemented,
                       "the derivative for '_unique2' is not implemented.", NotImplementedError)
    result = _unique_dim(input, dim, True, return_inverse, return_counts)
    return G.track("UniqueDimBackward0", result, (input,), G.not_implemented,
                   "the derivative for 'unique_dim' is not implemented.", NotImplementedError)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along dim)."""
    _check_tensor(input, "unique_consecutive")
    if dim is None:
        result = _unique_flat(input, False, return_inverse, return_counts)
    else:
        result = _unique_dim(input, dim, False, return_inverse, return_counts)
    return G.track("UniqueConsecutiveBackward0", result, (input,), G.not_implemented,
                   "the derivative for 'unique_consecutive' is not implemented.", NotImplementedError)


# -- searchsorted, bucketize ---------------------------------------------------------
def _search_dtype(a: _dtype.dtype, b: _dtype.dtype) -> _dtype.dtype:
    return a if a is b else _dtype.promote_types(a, b)


def searchsorted(sorted_sequence: Tensor, input, *, out_int32: bool = False, right: bool = False, side=None,
                 out=None, sorter=None) -> Tensor:
    """Indices at which input's values would be inserted into the innermost rows of sorted_sequence."""
    _check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    seq = sorted_sequence
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    if scalar:
        if not isinstance(input, numbers.Number):
            raise TypeError(f"searchsorted(): argument 'input' must be Tensor or Number, not {type(input).__name__}")
        from ._creation import full
        input = full((), input, device=seq.device)
    if input.device != seq.device:
        input = input.to(seq.device)
    if seq.dim() == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if seq.dim() > 1 and seq._shape[:-1] != input._shape[:-1]:
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq._shape)} and input value tensor {list(input._shape)}")
    common = _search_dtype(seq.dtype, input.dtype)
    seq = dense(seq if seq.dtype is common else seq.to(common))
    values = input if input.dtype is common else input.to(common)
    m = seq._shape[-1]
    if sorter is not None:
        if sorter._shape != seq._shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got "
                               f"boundary tensor {list(seq._shape)}and got sorter tensor {list(sorter._shape)}")
        if sorter.dtype is not _dtype.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{sorter.dtype}")
        sorter = dense(sorter.to(seq.device))
        if sorter.numel():
            rt = sorter._runtime
            rt.take_error()
            index_ops.check_index(sorter, m, False)
            if rt.take_error():
                raise RuntimeError("torch.searchsorted(): sorter index out of range")
    result = _alloc(values._shape, _dtype.int32 if out_int32 else _dtype.int64, seq.device)
    if seq.dim() == 1:
        seq_strides = (0,) * values.dim()
    else:
        seq_strides = seq._stride[:-1] + (0,)
    if result.numel():
        sort_ops.search_sorted(result, (values, values._stride), (seq, seq_strides), sorter, m, 1, right)
    return result if out is None else _into(out, result)


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False, out=None) -> Tensor:
    """The bucket of each value of input for the sorted 1-D boundaries."""
    _check_tensor(boundaries, "bucketize", "boundaries")
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


register("sort argsort msort topk kthvalue unique unique_consecutive", "sorting", ALL)
register("searchsorted bucketize", "sorting", ALL, forms=("function",))
mark_backward("sort msort topk kthvalue")

for _name in ("sort", "argsort", "msort", "topk", "kthvalue", "unique", "unique_consecutive"):
    setattr(Tensor, _name, globals()[_name])
