"""Differential testing of cltorch against real PyTorch (CPU).

The helpers build the same NumPy inputs for both libraries, run an op in
cltorch (on the OpenCL 'cpu' device) and in torch, and compare what comes
back: values, shapes and dtypes (matched by name: cltorch.float32 is
torch.float32), in-place identity and the mutation of inputs, and, once
autograd exists, the gradients under a random upstream gradient.

    check("add", [(3, 4), (4,)], dtypes=("float32", "int64"))
    check("Tensor.add_", [(3, 4), 2.5])                  # a method; numbers pass through
    check(lambda lib, a, b: lib.where(a > b, a, b), [(5, 6), (5, 6)])
    check("exp", [(4, 5)], grad=True)                    # also compares .grad of each input
    check_same(lambda lib: lib.arange(0, 1, 0.1))        # no inputs: just run both and compare
    check_raises_same(lambda lib: lib.zeros(2, dtype=lib.int64).add_(1.5))

An op is named by a string (``"add"`` is ``lib.add``, ``"Tensor.add_"`` is a
method of the first input) or given as a callable ``fn(lib, *inputs, **kwargs)``
where ``lib`` is the cltorch or the torch module.

Importing this module skips the importing test module when torch is missing.
"""
from __future__ import annotations

import math
import numbers
import zlib

import numpy as np
import pytest

try:
    import torch
except Exception as _exc:  # not installed, or an install that fails to load
    pytest.skip(f"PyTorch does not import ({_exc!r}); the compat tests compare against it",
                allow_module_level=True)

import cltorch

DEVICE = "cpu"

ALL_DTYPES = ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")
FLOAT_DTYPES = ("float32", "float64", "float16")
INT_DTYPES = ("int64", "int32", "int16", "int8", "uint8")

# (rtol, atol) by result dtype; OpenCL's math functions are allowed a few ulp.
TOLERANCES = {"float16": (2e-3, 1e-3), "float32": (1e-5, 1e-6), "float64": (1e-9, 1e-12)}


# -- dtypes -----------------------------------------------------------------------
class DT:
    """A dtype named once and turned into each library's dtype (for args and kwargs)."""

    def __init__(self, name: str):
        self.name = dtype_name(name)

    def __repr__(self) -> str:
        return f"DT({self.name!r})"


def dtype_name(d) -> str:
    """'float32' for cltorch.float32, torch.float32, 'float32', np.float32 and DT('float32')."""
    if isinstance(d, DT):
        return d.name
    if isinstance(d, str):
        return d.replace("cltorch.", "").replace("torch.", "")
    if isinstance(d, (cltorch.dtype, torch.dtype)):
        return str(d).split(".", 1)[1]
    return np.dtype(d).name


def lib_dtype(lib, d):
    """The dtype object of lib (cltorch or torch) with d's name."""
    return getattr(lib, dtype_name(d))


def np_dtype(d) -> np.dtype:
    return np.dtype(dtype_name(d))


def is_float(d) -> bool:
    return dtype_name(d) in FLOAT_DTYPES


# -- inputs -----------------------------------------------------------------------
def random_array(shape, dtype, rng: np.random.Generator, *, low=None, high=None, positive: bool = False,
                 nonzero: bool = False, int_valued: bool = False) -> np.ndarray:
    """Random values of dtype in [low, high) (defaults: -3..3 for floats, -9..9 for integers).

    positive keeps values > 0, nonzero keeps them away from 0 (for divisors),
    int_valued rounds floats to whole numbers (to get ties and exact results).
    """
    name = dtype_name(dtype)
    shape = tuple(shape)
    if name == "bool":
        out = rng.random(shape) < 0.5
        if positive or nonzero:
            out = np.ones(shape, dtype=bool)
        return out
    if name in FLOAT_DTYPES:
        lo = -3.0 if low is None else float(low)
        hi = 3.0 if high is None else float(high)
        if positive:
            lo = max(lo, 0.05)
            hi = max(hi, lo + 1.0)
        vals = rng.uniform(lo, hi, size=shape)
        if int_valued:
            vals = np.round(vals)
            if positive:
                vals = np.maximum(vals, 1.0)
        if nonzero:
            small = np.abs(vals) < (0.5 if int_valued else 0.05)
            vals = np.where(small, np.where(vals < 0, -1.0, 1.0) * (1.0 if int_valued else 0.5), vals)
        return vals.astype(name)
    info = np.iinfo(name)
    lo = (0 if name == "uint8" else -9) if low is None else int(math.ceil(low))
    hi = (20 if name == "uint8" else 10) if high is None else int(math.ceil(high))
    if positive:
        lo = max(lo, 1)
        hi = max(hi, lo + 1)
    lo, hi = max(lo, int(info.min)), min(hi, int(info.max) + 1)
    vals = rng.integers(lo, hi, size=shape, dtype=np.int64)
    if nonzero:
        vals = np.where(vals == 0, 1, vals)
    return vals.astype(name)


def _strided_layout(shape):
    """(offset, strides, storage size) of a non-contiguous layout: reversed dims, gaps, offset 1.

    Dimension 0 varies fastest in memory (a transpose for 2-D) and consecutive
    elements sit two apart, so kernels that assume dense row-major data fail.
    """
    strides = [0] * len(shape)
    step = 2
    for d in range(len(shape)):
        strides[d] = step
        step *= max(shape[d], 1)
    offset = 1
    size = offset + 1 + sum((s - 1) * st for s, st in zip(shape, strides) if s > 0)
    return offset, tuple(strides), size


def _gap_value(name: str):
    if name in FLOAT_DTYPES:
        return np.nan  # a kernel reading a gap turns its result into NaN
    if name == "bool":
        return True
    return 77


def _host_layout(arr: np.ndarray, layout: str):
    """For layout 'strided': the base array plus (offset, strides) holding arr's values."""
    offset, strides, size = _strided_layout(arr.shape)
    base = np.full(size, _gap_value(arr.dtype.name), dtype=arr.dtype)
    if arr.size:
        view = np.lib.stride_tricks.as_strided(base[offset:], arr.shape, [s * arr.itemsize for s in strides])
        view[...] = arr
    return base, offset, strides


def make_tensor(lib, arr: np.ndarray, layout: str = "contiguous", requires_grad: bool = False):
    """arr's values as a tensor of lib on the cpu device, laid out contiguously, strided or transposed."""
    if layout == "strided" and arr.ndim > 0:
        base, offset, strides = _host_layout(arr, layout)
        if lib is torch:
            t = torch.from_numpy(base.copy()).as_strided(arr.shape, strides, offset)
        else:
            b = cltorch.from_numpy(base)
            t = cltorch.Tensor._make(b._storage, b._offset + offset, arr.shape, strides, b.dtype, b.device)
    elif layout == "transposed" and arr.ndim >= 2:
        flipped = np.ascontiguousarray(np.swapaxes(arr, -1, -2))
        t = (torch.from_numpy(flipped.copy()) if lib is torch else cltorch.from_numpy(flipped)).transpose(-1, -2)
    else:
        t = torch.from_numpy(arr.copy()) if lib is torch else cltorch.from_numpy(arr.copy())
    if lib is torch:
        t = t.detach()
    if requires_grad:
        t.requires_grad_(True)
    return t


def layouts(noncontiguous: bool):
    """The layouts to run: contiguous, then strided views (and public transposes once they exist)."""
    out = ["contiguous"]
    if noncontiguous:
        out.append("strided")
        if hasattr(cltorch.Tensor, "transpose"):
            out.append("transposed")
    return out


def _convert(value, lib):
    """Map DT markers and NumPy arrays inside args/kwargs to lib's dtypes and tensors."""
    if isinstance(value, DT):
        return lib_dtype(lib, value)
    if isinstance(value, np.ndarray):
        return make_tensor(lib, value)
    if isinstance(value, list):
        return [_convert(v, lib) for v in value]
    if isinstance(value, tuple):
        return tuple(_convert(v, lib) for v in value)
    if isinstance(value, dict):
        return {k: _convert(v, lib) for k, v in value.items()}
    return value


def _resolve(fn, lib):
    """A callable (lib-specific) for an op named 'name', 'Tensor.name' or given as fn(lib, *args)."""
    if callable(fn):
        return lambda *a, **k: fn(lib, *a, **k)
    if fn.startswith("Tensor."):
        method = fn.split(".", 1)[1]
        return lambda self, *a, **k: getattr(self, method)(*a, **k)
    return getattr(lib, fn)


def _label(fn) -> str:
    return fn if isinstance(fn, str) else getattr(fn, "__name__", repr(fn))


# -- comparing results ------------------------------------------------------------
def to_numpy(t) -> np.ndarray:
    """The values of a cltorch or torch tensor as a NumPy array."""
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return t.numpy(force=True)


def default_tolerance(dtype, rtol=None, atol=None):
    r, a = TOLERANCES.get(dtype_name(dtype), (0.0, 0.0))
    return (r if rtol is None else rtol), (a if atol is None else atol)


def assert_same(c, t, *, rtol=None, atol=None, equal_nan: bool = True, what: str = "result") -> None:
    """cltorch value c matches torch value t: type, shape, dtype and values (recursively)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(c, cltorch.Tensor), f"{what}: cltorch gave {type(c).__name__}, torch a Tensor"
        assert tuple(c.shape) == tuple(t.shape), f"{what}: shape {tuple(c.shape)} != torch's {tuple(t.shape)}"
        assert dtype_name(c.dtype) == dtype_name(t.dtype), f"{what}: dtype {c.dtype} != torch's {t.dtype}"
        cv, tv = to_numpy(c), to_numpy(t)
        if is_float(t.dtype):
            r, a = default_tolerance(t.dtype, rtol, atol)
            np.testing.assert_allclose(cv.astype(np.float64), tv.astype(np.float64), rtol=r, atol=a,
                                       equal_nan=equal_nan, err_msg=f"{what}: values differ from torch's")
        else:
            np.testing.assert_array_equal(cv, tv, err_msg=f"{what}: values differ from torch's")
    elif isinstance(t, (tuple, list)):
        assert isinstance(c, (tuple, list)), f"{what}: cltorch gave {type(c).__name__}, torch a sequence"
        assert len(c) == len(t), f"{what}: {len(c)} items, torch has {len(t)}"
        for i, (ci, ti) in enumerate(zip(c, t)):
            assert_same(ci, ti, rtol=rtol, atol=atol, equal_nan=equal_nan, what=f"{what}[{i}]")
    elif isinstance(t, torch.dtype):
        assert isinstance(c, cltorch.dtype) and dtype_name(c) == dtype_name(t), f"{what}: {c} != {t}"
    elif t is None:
        assert c is None, f"{what}: cltorch gave {c!r}, torch None"
    elif isinstance(t, bool):
        assert isinstance(c, bool) and c == t, f"{what}: cltorch gave {c!r}, torch {t!r}"
    elif isinstance(t, numbers.Number):
        assert isinstance(c, numbers.Number) and not isinstance(c, bool), f"{what}: {c!r} vs torch's {t!r}"
        assert isinstance(c, numbers.Integral) == isinstance(t, numbers.Integral), \
            f"{what}: {type(c).__name__} {c!r} vs torch's {type(t).__name__} {t!r}"
        if isinstance(t, numbers.Integral):
            assert c == t, f"{what}: {c!r} != torch's {t!r}"
        else:
            r, a = default_tolerance("float64", rtol, atol)
            np.testing.assert_allclose(c, t, rtol=r, atol=a, equal_nan=equal_nan, err_msg=what)
    else:
        assert c == t, f"{what}: cltorch gave {c!r}, torch {t!r}"


def _flat_tensors(value):
    if isinstance(value, (torch.Tensor, cltorch.Tensor)):
        return [value]
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _flat_tensors(v)]
    return []


# -- the checks -------------------------------------------------------------------
def _input_arrays(shapes, dtypes, rng, **value_opts):
    """One entry per spec: a NumPy array for tensor specs, the spec itself for everything else."""
    if isinstance(dtypes, str) or not isinstance(dtypes, (tuple, list)):
        dtypes = [dtypes] * len(shapes)
    assert len(dtypes) == len(shapes), "give one dtype, or one per input"
    out = []
    for spec, d in zip(shapes, dtypes):
        if isinstance(spec, np.ndarray):
            with np.errstate(over="ignore", invalid="ignore"):
                out.append(spec.astype(np_dtype(d)) if d is not None else spec)
        elif isinstance(spec, (tuple, list)) and all(isinstance(s, int) for s in spec):
            out.append(random_array(spec, d, rng, **value_opts))
        else:
            out.append(spec)
    return out


def _seed(fn, shapes, dtypes) -> int:
    return zlib.crc32(repr((_label(fn), shapes, dtypes)).encode())


def check(fn, shapes, dtypes="float32", *, kwargs=None, low=None, high=None, positive: bool = False,
          nonzero: bool = False, int_valued: bool = False, noncontiguous: bool = True, grad: bool = False,
          atol=None, rtol=None, grad_atol=None, grad_rtol=None, equal_nan: bool = True, allow_raise: bool = False,
          seed=None) -> None:
    """Run fn on the same inputs in cltorch and torch and compare everything that comes back.

    shapes: one entry per positional input: a shape tuple (a random tensor of
    that shape; () is 0-d), a NumPy array (those values), or anything else (a
    Python number, None, a DT) passed through as is. dtypes: one dtype name
    for every tensor input or one per input. Values come from random_array
    (low, high, positive, nonzero, int_valued). With noncontiguous, the inputs
    are also given as strided views (and as transposes once cltorch has
    transpose). With grad, floating inputs require grad and their .grad after
    backward with a random upstream gradient is compared (skipped, after the
    forward checks, while cltorch has no autograd). With allow_raise, torch
    raising is accepted when cltorch raises the same built-in exception class
    (for sweeps over dtypes that torch rejects); otherwise it fails the test.
    """
    kwargs = kwargs or {}
    rng = np.random.default_rng(_seed(fn, shapes, dtypes) if seed is None else seed)
    arrays = _input_arrays(shapes, dtypes, rng, low=low, high=high, positive=positive, nonzero=nonzero,
                           int_valued=int_valued)
    label = _label(fn)
    for layout in layouts(noncontiguous):
        raised = _check_forward(fn, arrays, kwargs, layout, rtol, atol, equal_nan, allow_raise,
                                f"{label} [{layout}]")
        if raised:
            return
    if grad:
        if not hasattr(cltorch.Tensor, "backward"):
            pytest.skip("autograd not implemented yet (cltorch.Tensor has no backward); forward values matched")
        g_rtol = grad_rtol if grad_rtol is not None else (None if rtol is None else rtol * 10)
        g_atol = grad_atol if grad_atol is not None else (None if atol is None else atol * 10)
        for layout in layouts(noncontiguous):
            _check_grad(fn, arrays, kwargs, layout, rng, g_rtol, g_atol, f"{label} [{layout}] grad")


def _build_inputs(lib, arrays, layout, requires_grad=False):
    out = []
    for a in arrays:
        if isinstance(a, np.ndarray):
            out.append(make_tensor(lib, a, layout, requires_grad=requires_grad and is_float(a.dtype)))
        else:
            out.append(_convert(a, lib))
    return out


def _check_forward(fn, arrays, kwargs, layout, rtol, atol, equal_nan, allow_raise, what) -> bool:
    """Compare one run; True when both libraries raised (and allow_raise accepted that)."""
    t_in = _build_inputs(torch, arrays, layout)
    c_in = _build_inputs(cltorch, arrays, layout)
    t_exc = c_exc = None
    try:
        t_out = _resolve(fn, torch)(*t_in, **_convert(kwargs, torch))
    except Exception as exc:  # noqa: BLE001 - compared below
        t_exc = exc
    try:
        c_out = _resolve(fn, cltorch)(*c_in, **_convert(kwargs, cltorch))
    except Exception as exc:  # noqa: BLE001
        c_exc = exc
    if t_exc is not None:
        if not allow_raise:
            raise AssertionError(f"{what}: torch raised {type(t_exc).__name__}: {t_exc} (a test for bad input "
                                 "wants check_raises_same, or allow_raise=True)") from t_exc
        assert c_exc is not None, f"{what}: torch raised {type(t_exc).__name__}: {t_exc}; cltorch did not"
        _assert_same_exception(c_exc, t_exc, what)
        return True
    if c_exc is not None:
        raise AssertionError(f"{what}: cltorch raised {type(c_exc).__name__}: {c_exc}; torch did not") from c_exc
    assert_same(c_out, t_out, rtol=rtol, atol=atol, equal_nan=equal_nan, what=what)
    # In-place ops return their input itself, and every input ends up as torch's does.
    for c_res, t_res in zip(_flat_tensors(c_out), _flat_tensors(t_out)):
        for i, t_x in enumerate(t_in):
            if t_res is t_x:
                assert c_res is c_in[i], f"{what}: torch returns input {i} itself (in place); cltorch a new tensor"
    for i, (c_x, t_x) in enumerate(zip(c_in, t_in)):
        if isinstance(t_x, torch.Tensor):
            assert_same(c_x, t_x, rtol=rtol, atol=atol, equal_nan=equal_nan, what=f"{what}: input {i} afterwards")
    return False


def _check_grad(fn, arrays, kwargs, layout, rng, rtol, atol, what):
    t_in = _build_inputs(torch, arrays, layout, requires_grad=True)
    c_in = _build_inputs(cltorch, arrays, layout, requires_grad=True)
    t_out = _flat_tensors(_resolve(fn, torch)(*t_in, **_convert(kwargs, torch)))
    c_out = _flat_tensors(_resolve(fn, cltorch)(*c_in, **_convert(kwargs, cltorch)))
    assert len(c_out) == len(t_out), f"{what}: {len(c_out)} output tensors, torch {len(t_out)}"
    pairs = []
    for i, (c_o, t_o) in enumerate(zip(c_out, t_out)):
        assert bool(c_o.requires_grad) == bool(t_o.requires_grad), \
            f"{what}: output {i} requires_grad={c_o.requires_grad}, torch {t_o.requires_grad}"
        if t_o.requires_grad:
            pairs.append((c_o, t_o))
    for k, (c_o, t_o) in enumerate(pairs):
        g = random_array(tuple(t_o.shape), dtype_name(t_o.dtype), rng)
        last = k == len(pairs) - 1
        t_o.backward(make_tensor(torch, g), retain_graph=not last)
        c_o.backward(make_tensor(cltorch, g), retain_graph=not last)
    for i, (c_x, t_x) in enumerate(zip(c_in, t_in)):
        if not isinstance(t_x, torch.Tensor) or not t_x.requires_grad:
            continue
        if t_x.grad is None:
            assert c_x.grad is None, f"{what}: input {i} got a grad; torch's is None"
            continue
        assert c_x.grad is not None, f"{what}: input {i} has no grad; torch has one"
        assert_same(c_x.grad, t_x.grad, rtol=rtol, atol=atol, what=f"{what}: grad of input {i}")


def check_same(fn, *, rtol=None, atol=None, equal_nan: bool = True) -> None:
    """Run fn(lib) with lib = cltorch and lib = torch and compare the results (or the exceptions)."""
    what = _label(fn)
    t_exc = c_exc = None
    try:
        t_out = fn(torch)
    except Exception as exc:  # noqa: BLE001
        t_exc = exc
    try:
        c_out = fn(cltorch)
    except Exception as exc:  # noqa: BLE001
        c_exc = exc
    if t_exc is not None:
        assert c_exc is not None, f"{what}: torch raised {type(t_exc).__name__}: {t_exc}; cltorch did not"
        _assert_same_exception(c_exc, t_exc, what)
        return
    if c_exc is not None:
        raise AssertionError(f"{what}: cltorch raised {type(c_exc).__name__}: {c_exc}; torch did not") from c_exc
    assert_same(c_out, t_out, rtol=rtol, atol=atol, equal_nan=equal_nan, what=what)


def _builtin_class(exc_type: type) -> type:
    """The most derived built-in exception class of exc_type (torch.OutOfMemoryError -> RuntimeError)."""
    for klass in exc_type.__mro__:
        if klass.__module__ == "builtins":
            return klass
    return Exception


def _assert_same_exception(c_exc, t_exc, what) -> None:
    expected = _builtin_class(type(t_exc))
    assert isinstance(c_exc, expected), (
        f"{what}: cltorch raised {type(c_exc).__name__}: {c_exc}\n"
        f"  torch raised {type(t_exc).__name__} ({expected.__name__}): {t_exc}")


def check_raises_same(fn, args=(), kwargs=None) -> None:
    """Both libraries raise, and cltorch's exception is an instance of the built-in class torch raises.

    fn is named as in check; NumPy arrays in args and kwargs become tensors and
    DT markers dtypes of each library; everything else passes through.
    """
    kwargs = kwargs or {}
    what = _label(fn)
    with pytest.raises(Exception) as t_info:
        _resolve(fn, torch)(*_convert(tuple(args), torch), **_convert(kwargs, torch))
    c_exc = None
    try:
        c_out = _resolve(fn, cltorch)(*_convert(tuple(args), cltorch), **_convert(kwargs, cltorch))
    except Exception as exc:  # noqa: BLE001
        c_exc = exc
    if c_exc is not None:
        # checked outside the except block, so a mismatch reports one short traceback, not two chained ones
        _assert_same_exception(c_exc, t_info.value, what)
        return
    raise AssertionError(f"{what}: torch raised {type(t_info.value).__name__}: {t_info.value}; "
                         f"cltorch returned {c_out!r}")
