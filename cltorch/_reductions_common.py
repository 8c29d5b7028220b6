"""Shared pieces of the reduction front end: dim arguments, output allocation, result tuples."""
from __future__ import annotations

import collections
import functools
import numbers

from . import _dtype
from . import _promotion as P
from .ops import reduce as red_ops
from .tensor import Tensor, _alloc


def check_tensor(x, name: str) -> None:
    """TypeError like torch's when the input is not a tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _as_dim(d, name: str) -> int:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral):
        raise TypeError(f"{name}(): argument 'dim' must be int or tuple of ints, not {type(d).__name__}")
    return int(d)


def reduce_dims(x: Tensor, dim, name: str, empty_means_all: bool = True) -> tuple:
    """Sorted, wrapped dims to reduce; None (and, where torch allows, ()) means every dim."""
    if dim is None:
        return tuple(range(x.dim()))
    if isinstance(dim, (list, tuple)):
        if not dim and empty_means_all:
            return tuple(range(x.dim()))
        dims = [x._wrap_dim(_as_dim(d, name)) for d in dim]
        seen = set()
        for d in dims:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
        return tuple(sorted(dims))
    return (x._wrap_dim(_as_dim(dim, name)),)


def out_shape(shape, dims, keepdim: bool) -> tuple:
    """The result shape of reducing dims of shape."""
    if keepdim:
        return tuple(1 if d in dims else s for d, s in enumerate(shape))
    return tuple(s for d, s in enumerate(shape) if d not in dims)


def require_nonempty(x: Tensor, dims, name: str) -> None:
    """torch's IndexError for reducing a zero-size dim with an op that has no identity."""
    for d in dims:
        if x.dim() and x._shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _prepared(x: Tensor, dims, order_free: bool):
    """x and dims, as a kept-then-reduced dense copy if the strides do not coalesce into the kernel's limits."""
    if x.dim() == 0 or red_ops.fits(x._shape, x._stride, dims, order_free):
        return x, dims
    kept = [d for d in range(x.dim()) if d not in dims]
    order = kept + list(dims)
    view = Tensor._make(x._storage, x._offset, [x._shape[d] for d in order], [x._stride[d] for d in order],
                        x.dtype, x.device, x._version_counter)
    return view.clone(), tuple(range(len(kept), x.dim()))


def run(red: str, x: Tensor, dims, shape, out_dtype, ct, *, index: bool = False, aux=None, pre=None, post=None,
        param=0.0):
    """Allocate the result (and int64 indices when index) of shape and run one reduction kernel."""
    out = _alloc(shape, out_dtype, x.device)
    idx = _alloc(shape, _dtype.int64, x.device) if index else None
    src, sdims = _prepared(x, dims, red in red_ops.ORDER_FREE)
    red_ops.reduce(red, src, sdims, out, ct, out2=idx, aux=aux, pre=pre, post=post, param=param)
    return (out, idx) if index else out


def accumulate_dtype(d: _dtype.dtype) -> _dtype.dtype:
    """The dtype sums of d run in: float32 for float16/float32, float64 for float64."""
    return _dtype.float64 if d is _dtype.float64 else _dtype.float32


def sum_dtype(x: Tensor, dtype) -> _dtype.dtype:
    """sum/prod/cumsum result dtype: dtype if given, int64 for integer and bool inputs."""
    if dtype is not None:
        return _dtype.to_dtype(dtype)
    return x.dtype if x.dtype.is_floating_point else _dtype.int64


def require_float(x: Tensor, message: str) -> None:
    """RuntimeError(message) unless x has a floating dtype ({} in message becomes the dtype name)."""
    if not x.dtype.is_floating_point:
        raise RuntimeError(message.format(P.torch_name(x.dtype)))


def finish(result, out):
    """Copy result into a user-given out= tensor (resized when empty), or return it."""
    if out is None:
        return result
    from ._elementwise import _write_out
    return _write_out(out, result)


def return_type(name: str, fields=("values", "indices")):
    """A named tuple type that prints like torch.return_types.<name>."""
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"cltorch.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
    cls.__module__ = "cltorch.return_types"
    cls.__qualname__ = name
    return cls


def numpy_aliases(fn):
    """Accept NumPy's axis= and keepdims= spellings of dim= and keepdim=, as torch does."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{fn.__name__}() got both 'dim' and its alias 'axis'")
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            if "keepdim" in kwargs:
                raise TypeError(f"{fn.__name__}() got both 'keepdim' and its alias 'keepdims'")
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return wrapper
