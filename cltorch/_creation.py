"""Tensor creation: from data, constant fills, ramps and the identity."""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from . import _dtype
from ._shape_utils import parse_size
from .ops import fill as fill_ops
from .tensor import Tensor, _alloc


def _finish(t: Tensor, requires_grad: bool) -> Tensor:
    if requires_grad:
        t.requires_grad_(True)
    return t


def _host_array(data) -> np.ndarray:
    """Turn nested Python data (numbers, lists, 0-d tensors, arrays) into a NumPy array."""
    if isinstance(data, Tensor):
        return data._download()
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (list, tuple)):
        if any(isinstance(x, Tensor) for x in data):
            data = [x._download() if isinstance(x, Tensor) else x for x in data]
        _check_rectangular(data, 0)
    if isinstance(data, str) or (isinstance(data, (list, tuple)) and isinstance((_bad_leaf(data) or (0,))[0], str)):
        raise TypeError("new(): invalid data type 'str'")
    arr = np.array(data)
    if arr.dtype == object:
        bad = _bad_leaf(data)
        raise RuntimeError(f"Could not infer dtype of {type(data if bad is None else bad[0]).__name__}")
    return arr


def _is_seq(x) -> bool:
    return isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim > 0)


def _check_rectangular(data, dim: int = 0) -> None:
    """Check nested sequences as torch does: the shape follows the first elements, then every
    element must match it (ValueError for a wrong length, TypeError for a number in place of a
    sequence)."""
    shape, cur = [], data
    while _is_seq(cur):
        shape.append(len(cur))
        if not len(cur):
            break
        cur = cur[0]

    def walk(x, d):
        if d == len(shape):
            if isinstance(x, (list, tuple)):
                raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer")
            return
        if not _is_seq(x):
            raise TypeError("not a sequence")
        if len(x) != shape[d]:
            raise ValueError(f"expected sequence of length {shape[d]} at dim {d} (got {len(x)})")
        for e in x:
            walk(e, d + 1)

    walk(data, dim)


def _bad_leaf(data):
    """The first element of nested data that is not a number, as a 1-tuple (None when all are)."""
    if isinstance(data, (list, tuple)):
        for x in data:
            bad = _bad_leaf(x)
            if bad is not None:
                return bad
        return None
    if isinstance(data, (numbers.Number, np.generic, np.ndarray, Tensor)):
        return None
    return (data,)


def _infer_dtype(data, arr: np.ndarray) -> _dtype.dtype:
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        return _dtype.from_numpy_dtype(arr.dtype)
    if isinstance(data, Tensor):
        return data.dtype
    if arr.dtype == np.bool_:
        return _dtype.bool_
    if np.issubdtype(arr.dtype, np.integer):
        return _dtype.int64
    if np.issubdtype(arr.dtype, np.floating):
        return _dtype.get_default_dtype()
    if arr.size == 0:
        return _dtype.get_default_dtype()
    return _dtype.from_numpy_dtype(arr.dtype)


def from_host(arr: np.ndarray, dtype: _dtype.dtype, device) -> Tensor:
    """Upload a host array as a new dense tensor of dtype on device."""
    out = _alloc(arr.shape, dtype, device)
    if arr.size:
        host = np.ascontiguousarray(arr, dtype=dtype.np)
        out._runtime.upload(out._storage.buffer, host)
    return out


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of data (numbers, nested lists, arrays, tensors)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, use sourceTensor.clone().detach() (or "
                      "sourceTensor.clone().detach().requires_grad_(True)) rather than cltorch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        out = data.to(device=device if device is not None else data.device,
                      dtype=_dtype.to_dtype(dtype) if dtype is not None else data.dtype, copy=True)
        out.requires_grad = False
        out.grad_fn = None
        return _finish(out, requires_grad)
    arr = _host_array(data)
    dt = _dtype.to_dtype(dtype) if dtype is not None else _infer_dtype(data, arr)
    return _finish(from_host(arr, dt, device), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """data itself when it already matches dtype and device, else a converted copy."""
    if isinstance(data, Tensor):
        return data.to(device=device if device is not None else data.device,
                       dtype=_dtype.to_dtype(dtype) if dtype is not None else data.dtype)
    arr = _host_array(data)
    dt = _dtype.to_dtype(dtype) if dtype is not None else _infer_dtype(data, arr)
    return from_host(arr, dt, device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    """Like as_tensor, with torch.asarray's keyword names."""
    out = as_tensor(obj, dtype=dtype, device=device)
    if copy and out is obj:
        out = out.clone()
    return _finish(out, requires_grad)


def as_tensor_on(value, dev, dtype) -> Tensor:
    """A tensor for an operand that may be a Python scalar or array (used by copy_ and ops)."""
    if isinstance(value, Tensor):
        return value
    arr = _host_array(value)
    return from_host(arr, dtype or _infer_dtype(value, arr), dev)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A cpu-device tensor with arr's values and dtype (a copy: OpenCL memory is not host memory)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    return from_host(arr, _dtype.from_numpy_dtype(arr.dtype), "cpu")


def _rebuild_from_numpy(arr, dev, requires_grad):
    return _finish(from_host(arr, _dtype.from_numpy_dtype(arr.dtype), dev), requires_grad)


def _creation_dtype(dtype, default=None) -> _dtype.dtype:
    if dtype is None:
        return default or _dtype.get_default_dtype()
    return _dtype.to_dtype(dtype)


def _require_size(size, name: str) -> None:
    if not size:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None) -> Tensor:
    """An uninitialised tensor of the given shape."""
    _require_size(size, "empty")
    return _finish(_alloc(parse_size(size, "empty"), _creation_dtype(dtype), device), requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A tensor filled with fill_value; the dtype follows the value as in torch."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        if isinstance(fill_value, (bool, np.bool_)):
            dtype = _dtype.bool_
        elif isinstance(fill_value, numbers.Integral):
            dtype = _dtype.int64
    t = _alloc(parse_size((size,), "full"), _creation_dtype(dtype), device)
    fill_ops.fill(t, fill_value)
    return _finish(t, requires_grad)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of zeros."""
    _require_size(size, "zeros")
    return full(parse_size(size, "zeros"), 0, dtype=_creation_dtype(dtype), device=device,
                requires_grad=requires_grad)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ones."""
    _require_size(size, "ones")
    return full(parse_size(size, "ones"), 1, dtype=_creation_dtype(dtype), device=device,
                requires_grad=requires_grad)


def _like(input: Tensor, dtype, device):
    return (input._shape, _dtype.to_dtype(dtype) if dtype is not None else input.dtype,
            device if device is not None else input.device)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """An uninitialised tensor shaped like input."""
    shape, dt, dev = _like(input, dtype, device)
    return _finish(_alloc(shape, dt, dev), requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    """A tensor shaped like input filled with fill_value."""
    shape, dt, dev = _like(input, dtype, device)
    return full(shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Zeros shaped like input."""
    return full_like(input, 0, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    """Ones shaped like input."""
    return full_like(input, 1, dtype=dtype, device=device, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad=False) -> Tensor:
    """A 2-D tensor with ones on the diagonal."""
    m = n if m is None else m
    if n < 0 or m < 0:
        raise RuntimeError(f"eye: n and m must be non-negative, got n={n} and m={m}")
    t = _alloc((n, m), _creation_dtype(dtype), device)
    fill_ops.eye(t)
    return _finish(t, requires_grad)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False) -> Tensor:
    """Values from start up to (not including) end, step apart."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    all_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
    dt = _dtype.to_dtype(dtype) if dtype is not None else (_dtype.int64 if all_int else _dtype.get_default_dtype())
    n = max(0, math.ceil((end - start) / step)) if not all_int else max(0, -((start - end) // step))
    t = _alloc((n,), dt, device)
    fill_ops.arange(t, start if all_int else float(start), step if all_int else float(step))
    return _finish(t, requires_grad)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False) -> Tensor:
    """Deprecated, as in torch: like arange but the end is included."""
    warnings.warn("cltorch.range is deprecated, as torch.range is: unlike Python's range it includes "
                  "the end value. Use cltorch.arange, which stops before end.", UserWarning, stacklevel=2)
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"range: upper bound and larger bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    n = int(math.floor((end - start) / step)) + 1
    t = _alloc((n,), _creation_dtype(dtype), device)
    fill_ops.arange(t, float(start), float(step))
    return _finish(t, requires_grad)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False) -> Tensor:
    """steps values evenly spaced from start to end, both included."""
    start, end = _number(start), _number(end)
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    t = _alloc((int(steps),), _creation_dtype(dtype), device)
    fill_ops.linspace(t, float(start), float(end))
    return _finish(t, requires_grad)


def legacy_new(self: Tensor, dtype, device, args) -> None:
    """Initialise self the way the legacy constructors (``FloatTensor(...)``) do."""
    dtype = _dtype.to_dtype(dtype)
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0].to(dtype=dtype)
        t = src if src is not args[0] else src.clone()
    elif not args:
        t = _alloc((0,), dtype, device)
    elif all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and type(args[0]).__name__ == "Size"):
        t = _alloc(parse_size(args), dtype, device)
    elif len(args) == 1:
        t = from_host(_host_array(args[0]), dtype, device)
    else:
        raise TypeError(f"new(): invalid arguments {args!r}; pass sizes as ints or one sequence of data")
    self._init_view(t._storage, t._offset, t._shape, t._stride, t.dtype, t.device)
