"""Tensor.__getitem__ / __setitem__ and index_put_.

Basic indexing (ints, slices, None, Ellipsis) returns a view sharing storage
and version counter. Advanced indexing (integer tensors or lists, bool masks,
Python bools) first folds every index into one int64 tensor of element
offsets (index_offsets kernel, which checks ranges and wraps negatives), then
gathers (getitem) or scatters (setitem) through it. As in torch, ints are
applied before advanced indices are placed, so ``x[0, :, idx]`` keeps idx's
dims in place. Index values from Python lists are checked on the host; device
index tensors are checked on the device with one readback of the error flag.

Autograd: basic views record torch's view node (SliceBackward0, SelectBackward0,
...); advanced reads record IndexBackward0 (backward: an accumulating
index_put); writes under autograd go through a tracked view's copy_ or an
out-of-place index_put adopted in place (IndexPutBackward0, CopySlices).
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from . import _dtype
from . import _indexing_grads as G
from ._scatter import IndexOutOfRangeError, nonzero, one_hot  # noqa: F401  (one_hot: nn.functional)
from ._index_checks import indices_validated
from ._scatter import __all__ as _scatter_all
from ._registry import ALL, mark_backward, register
from ._creation import as_tensor_on, from_host
from ._shape_utils import broadcast_shapes, broadcast_strides
from ._sorting import __all__ as _sorting_all
from ._sorting import SortedRows
from ._scatter import *  # noqa: F401,F403  (re-exported as cltorch.<name>)
from ._sorting import *  # noqa: F401,F403
from ._tensor_autograd import adopt_inplace
from ._view_grads import track_view
from .autograd.graph import needs_grad
from .ops import copy as copy_ops
from .ops import fill as fill_ops
from .ops import index as index_ops
from .ops import sort as sort_ops
from .ops.layout import contiguous_strides, numel
from .tensor import Tensor, _alloc

__all__ = sorted(set(_scatter_all) | set(_sorting_all) | {"index_put"})

_INDEX_TYPES_MSG = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                    "indices (got {})")


class _Parsed:
    """A key applied to a tensor: the basic-indexing view plus advanced indices at view dims."""

    def __init__(self, t: Tensor):
        self.t = t
        self.offset = t._offset
        self.shape: list = []
        self.strides: list = []
        self.adv: list = []  # (view dim, device tensor or None, host array or None, is_mask)

    def view(self) -> Tensor:
        t = self.t
        v = Tensor._make(t._storage, self.offset, tuple(self.shape), tuple(self.strides), t.dtype, t.device,
                         t._version_counter)
        v._base = t._base if t._base is not None else t
        return v


def _as_key_tuple(key) -> tuple:
    if isinstance(key, tuple):
        return key
    if isinstance(key, list) and len(key) < 32 and any(
            isinstance(k, (slice, list, tuple, Tensor, np.ndarray)) or k is Ellipsis or k is None for k in key):
        return tuple(key)
    return (key,)


def _is_int(k) -> bool:
    return isinstance(k, numbers.Integral) and not isinstance(k, (bool, np.bool_))


def _host_index(k) -> np.ndarray:
    arr = np.asarray(k)
    if arr.dtype == object or not (arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return arr if arr.dtype == np.bool_ else arr.astype(np.int64)


def _dims_used(k) -> int:
    if k is None or k is Ellipsis or isinstance(k, (bool, np.bool_)):
        return 0
    if isinstance(k, Tensor):
        if k.dtype in (_dtype.bool_, _dtype.uint8):
            return k.dim()
        if k.dtype.is_floating_point or k.dtype not in (_dtype.int64, _dtype.int32):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return 1
    if isinstance(k, (list, tuple, np.ndarray)):
        arr = _host_index(k)
        return arr.ndim if arr.dtype == np.bool_ else 1
    if _is_int(k) or isinstance(k, slice):
        return 1
    raise IndexError(_INDEX_TYPES_MSG.format(type(k).__name__))


def _check_mask_shape(mask_shape, t_shape, sd: int) -> None:
    for j, size in enumerate(mask_shape):
        if size != t_shape[sd + j]:
            raise IndexError(f"The shape of the mask {list(mask_shape)} at index {j} does not match the shape of "
                             f"the indexed tensor {list(t_shape)} at index {sd + j}")


def _parse(t: Tensor, key) -> _Parsed:
    """Apply the basic parts of key to t and collect the advanced ones."""
    key = _as_key_tuple(key)
    ndim = t.dim()
    used = sum(_dims_used(k) for k in key)
    if used > ndim:
        if ndim == 0 and any(_is_int(k) or isinstance(k, slice) for k in key):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    p = _Parsed(t)
    sd = 0
    seen_ellipsis = False

    def keep(n: int) -> None:
        nonlocal sd
        for _ in range(n):
            p.shape.append(t._shape[sd])
            p.strides.append(t._stride[sd])
            sd += 1

    def new_dim() -> None:
        p.shape.append(1)
        p.strides.append(t._shape[sd] * t._stride[sd] if sd < ndim else 1)

    for k in key:
        if isinstance(k, Tensor) and k.dim() == 0:  # torch reads 0-d indices: ints select (a view)
            k = bool(k.item()) if k.dtype in (_dtype.bool_, _dtype.uint8) else int(k.item())
        if k is Ellipsis:
            if not seen_ellipsis:
                keep(ndim - used)
                seen_ellipsis = True
        elif k is None:
            new_dim()
        elif isinstance(k, (bool, np.bool_)):
            new_dim()
            p.adv.append((len(p.shape) - 1, None, np.zeros(1 if k else 0, dtype=np.int64), False))
        elif _is_int(k):
            size = t._shape[sd]
            i = int(k)
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {sd} with size {size}")
            p.offset += (i % size) * t._stride[sd]
            sd += 1
        elif isinstance(k, slice):
            _apply_slice(p, t, sd, k)
            sd += 1
        elif isinstance(k, Tensor):
            sd = _apply_tensor(p, t, sd, k)
        else:
            sd = _apply_host(p, t, sd, _host_index(k))
    keep(ndim - sd)
    return p


def _apply_slice(p: _Parsed, t: Tensor, sd: int, k: slice) -> None:
    step = 1 if k.step is None else k.step.__index__()
    if step <= 0:
        raise ValueError("step must be greater than zero")
    start, stop, step = k.indices(t._shape[sd])
    length = max(0, (stop - start + step - 1) // step)
    p.offset += start * t._stride[sd]
    p.shape.append(length)
    p.strides.append(t._stride[sd] * step)


def _apply_tensor(p: _Parsed, t: Tensor, sd: int, k: Tensor) -> int:
    if k.device != t.device:
        k = k.to(t.device)
    if k.dtype in (_dtype.bool_, _dtype.uint8):
        if k.dtype is _dtype.uint8:
            warnings.warn("indexing with dtype cltorch.uint8 is now deprecated, please use a dtype cltorch.bool "
                          "instead.", UserWarning, stacklevel=4)
            k = k.bool()
        _check_mask_shape(k._shape, t._shape, sd)
        p.adv.append((len(p.shape), k, None, True))
        for j in range(k.dim()):
            p.shape.append(t._shape[sd + j])
            p.strides.append(t._stride[sd + j])
        return sd + k.dim()
    p.adv.append((len(p.shape), k, None, False))
    p.shape.append(t._shape[sd])
    p.strides.append(t._stride[sd])
    return sd + 1


def _apply_host(p: _Parsed, t: Tensor, sd: int, arr: np.ndarray) -> int:
    if arr.dtype == np.bool_:
        if arr.ndim == 0:
            raise IndexError("a 0-d bool array is not a valid index here")
        _check_mask_shape(arr.shape, t._shape, sd)
        for j, coords in enumerate(np.nonzero(arr)):  # host data that is not a tensor yet
            p.adv.append((len(p.shape), None, coords.astype(np.int64), False))
            p.shape.append(t._shape[sd + j])
            p.strides.append(t._stride[sd + j])
        return sd + arr.ndim
    size = t._shape[sd]
    bad = arr[(arr < -size) | (arr >= size)]
    if bad.size:
        raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension {sd} with size {size}")
    p.adv.append((len(p.shape), None, arr, False))
    p.shape.append(size)
    p.strides.append(t._stride[sd])
    return sd + 1


class _Advanced:
    """The advanced part of a key: element offsets (lin) and where their dims go."""

    def __init__(self, p: _Parsed):
        t = p.t
        entries = []  # (view dim, device int tensor, checked on host)
        for dim, dev_t, host, is_mask in p.adv:
            if is_mask:
                for j, col in enumerate(nonzero(dev_t, as_tuple=True)):
                    entries.append((dim + j, col, True))
            elif dev_t is not None:
                entries.append((dim, dev_t, False))
            else:
                entries.append((dim, from_host(host, _dtype.int64, t.device), True))
        try:
            self.B = broadcast_shapes(*(e[1]._shape for e in entries))
        except RuntimeError:
            shapes = ", ".join(str(list(e[1]._shape)) for e in entries)
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes "
                             f"{shapes}") from None
        self.lin = _alloc(self.B, _dtype.int64, t.device)
        need_check = False
        for n, (dim, idx, checked) in enumerate(entries):
            if self.lin.numel():
                index_ops.index_offsets(self.lin, (idx, broadcast_strides(idx, self.B)), p.shape[dim],
                                        p.strides[dim], n == 0, dim + 1)
                need_check = need_check or not checked
        if need_check and not indices_validated():
            code = t._runtime.take_error()
            if code:
                raise IndexOutOfRangeError(f"index is out of bounds for dimension {code - 1} with size "
                                           f"{p.shape[code - 1]}")
        dims = sorted(e[0] for e in entries)
        adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
        rest = [d for d in range(len(p.shape)) if d not in dims]
        nb = len(self.B)
        lin_strides = contiguous_strides(self.B)
        if adjacent:
            before = [d for d in rest if d < dims[0]]
            after = [d for d in rest if d > dims[-1]]
        else:
            before, after = [], rest
        self.shape = tuple([p.shape[d] for d in before]) + self.B + tuple(p.shape[d] for d in after)
        self.base_strides = tuple([p.strides[d] for d in before] + [0] * nb + [p.strides[d] for d in after])
        self.lin_strides = (0,) * len(before) + lin_strides + (0,) * len(after)
        self.lead = len(before)


def _getitem(self: Tensor, key):
    """self[key]: a view for basic indexing, a gathered copy for advanced indexing."""
    if _is_int(key) and self.dim():
        size = self._shape[0]
        if not -size <= key < size:
            raise IndexError(f"index {key} is out of bounds for dimension 0 with size {size}")
        v = Tensor._make(self._storage, self._offset + (key % size) * self._stride[0], self._shape[1:],
                         self._stride[1:], self.dtype, self.device, self._version_counter)
        v._base = self._base if self._base is not None else self
        return track_view("SelectBackward0", v, self)
    p = _parse(self, key)
    base = p.view()
    if not p.adv:
        return track_view(_view_name(key), base, self) if needs_grad(self) else base
    adv = _Advanced(p)
    out = _alloc(adv.shape, self.dtype, self.device)
    if out.numel():
        index_ops.gather_along(out, (base, adv.base_strides), (adv.lin, adv.lin_strides), -1, 1, False)
    if needs_grad(self):
        G.track("IndexBackward0", out, (self,), G.index, self, _frozen_key(key), _put)
    return out


def _view_name(key) -> str:
    """torch's node name for a basic-indexing view: that of the last view op the key applies."""
    name = "AliasBackward0"
    for k in _as_key_tuple(key):
        if k is None:
            name = "UnsqueezeBackward0"
        elif isinstance(k, slice):
            name = "SliceBackward0"
        elif k is not Ellipsis:
            name = "SelectBackward0"
    return name


def _frozen_key(key) -> tuple:
    """key as a tuple whose Python lists and arrays are copies (the backward re-applies it later)."""
    return tuple(k.copy() if isinstance(k, (list, np.ndarray)) else k for k in _as_key_tuple(key))


def _value_tensor(self: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        value = value if value.device == self.device else value.to(self.device)
        if value._storage is self._storage:
            value = value.clone()  # reading and writing the same memory in one kernel would race
        return value
    return as_tensor_on(value, self.device, self.dtype)


def _value_strides(value: Tensor, shape, what: str = "setitem") -> tuple:
    """Strides viewing value at shape; leading size-1 dims beyond shape's rank are dropped, as torch does."""
    vshape, vstrides = value._shape, value._stride
    while len(vshape) > len(shape) and vshape[0] == 1:
        vshape, vstrides = vshape[1:], vstrides[1:]
    proxy = Tensor._make(value._storage, value._offset, vshape, vstrides, value.dtype, value.device)
    try:
        return broadcast_strides(proxy, tuple(shape), what)
    except RuntimeError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value._shape)} cannot be broadcast to "
                           f"indexing result of shape {list(shape)}") from None


def _setitem(self: Tensor, key, value) -> None:
    """self[key] = value: copy into the view, or scatter through advanced indices."""
    if G.inplace_needs_grad(self, value):
        _setitem_grad(self, key, value)
    else:
        _setitem_raw(self, key, value)


def _setitem_raw(self: Tensor, key, value) -> None:
    p = _parse(self, key)
    base = p.view()
    scalar = isinstance(value, numbers.Number) and not isinstance(value, Tensor)
    if not scalar:
        value = _value_tensor(self, value)
    if not p.adv:
        if scalar:
            fill_ops.fill(base, value)
        else:
            copy_ops.copy_into(base, value, _value_strides(value, base._shape))
        self._bump_version()
        return
    if len(p.adv) == 1 and p.adv[0][3] and (scalar or value.numel() == 1):
        _masked_set(base, p.adv[0], value, scalar)
        self._bump_version()
        return
    adv = _Advanced(p)
    if numel(adv.shape):
        dst, idx = (base, adv.base_strides), (adv.lin, adv.lin_strides)
        if scalar:
            index_ops.scatter_fill_along(dst, idx, adv.shape, value, -1, 1, False)
        else:
            index_ops.scatter_along(dst, (value, _value_strides(value, adv.shape)), idx, adv.shape, -1, 1, False)
    self._bump_version()


def _setitem_grad(self: Tensor, key, value) -> None:
    """self[key] = value with autograd: a copy_ into the tracked view, or index_put through adopt_inplace."""
    if _parse(self, key).adv:
        adopt_inplace(self, _put(self, key, value, False))
        return
    view = _getitem(self, key)
    value = _value_tensor(self, value)
    lead = 0
    while value.dim() - lead > view.dim() and value._shape[lead] == 1:
        lead += 1
    if lead or value.requires_grad:  # a fresh view: copy_ from a leaf would not reach it (see report)
        value = value.view(value._shape[lead:])
    view.copy_(value)


def _masked_set(base: Tensor, entry, value, scalar: bool) -> None:
    """x[mask] = one value without reading the mask back (masked_fill on the view)."""
    dim, mask = entry[0], entry[1]
    strides = (0,) * dim + mask._stride + (0,) * (base.dim() - dim - mask.dim())
    if scalar:
        index_ops.masked_fill(base, (mask, strides), value)
    else:
        index_ops.masked_copy(base, (mask, strides), (value, (0,) * base.dim()))


def index_put_(self: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """self[indices] = values (indices a tuple of index tensors); accumulate adds, deterministically."""
    key = tuple(slice(None) if i is None else i for i in indices)
    if G.inplace_needs_grad(self, values):
        return adopt_inplace(self, _put(self, key, values, accumulate))
    return _put_raw(self, key, values, accumulate)


def _put(input: Tensor, key, values, accumulate: bool) -> Tensor:
    """Out-of-place input[key] = values (or +=) for any key, with autograd (IndexPutBackward0)."""
    key = _frozen_key(key)
    result = _put_raw(input.detach().clone(), key, values, accumulate)
    return G.track("IndexPutBackward0", result, (input, values), G.index_put, input, key, values, accumulate,
                   _put)


def _put_raw(self: Tensor, key, values, accumulate: bool) -> Tensor:
    if isinstance(values, Tensor):
        values = values.detach()
    if not accumulate:
        _setitem_raw(self, key, values)
        return self
    p = _parse(self, key)
    base = p.view()
    values = _value_tensor(self, values)
    if not p.adv:
        base.add_(values)
        return self
    adv = _Advanced(p)
    if numel(adv.shape):
        _accumulate(base, adv, values)
    self._bump_version()
    return self


def _accumulate(base: Tensor, adv: _Advanced, values: Tensor) -> None:
    """base[adv] += values with repeated offsets summed in order: sort the offsets,
    then each first-of-run element adds its whole run (no atomics)."""
    nb = len(adv.B)
    nB = numel(adv.B)
    lead = adv.lead
    rest_shape = adv.shape[:lead] + adv.shape[lead + nb:]
    # values at the result shape, copied B-major: dense [nB, *rest]
    vstr = _value_strides(values, adv.shape)
    dense = _alloc((nB,) + rest_shape, values.dtype, values.device)
    moved_shape = adv.B + rest_shape
    moved_strides = vstr[lead:lead + nb] + vstr[:lead] + vstr[lead + nb:]
    src = Tensor._make(values._storage, values._offset, moved_shape, moved_strides, values.dtype, values.device)
    dst = Tensor._make(dense._storage, 0, moved_shape, contiguous_strides(moved_shape), dense.dtype, dense.device)
    copy_ops.copy_into(dst, src)
    flat_lin = Tensor._make(adv.lin._storage, 0, (nB,), (1,), _dtype.int64, adv.lin.device)
    rows = SortedRows(flat_lin, 0, False)
    rest_strides = adv.base_strides[:lead] + adv.base_strides[lead + nb:]
    sort_ops.accumulate_runs(base, rest_strides, rest_shape, dense, rows.keys, rows.pos, nB)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """Out-of-place index_put_."""
    return _put(input, tuple(slice(None) if i is None else i for i in indices), values, accumulate)


register("index_put", "indexing", ALL)
register("index_put_", "indexing", ALL, forms=("method",))
mark_backward("index_put index_put_")

Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem
Tensor.index_put_ = index_put_
Tensor.index_put = index_put
