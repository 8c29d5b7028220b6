"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, aminmax, all/any, count_nonzero.

Every op runs reduce.cl on the tensor's device (cltorch/ops/reduce.py); the
statistics (std, var, norm, logsumexp) live in _reductions_stats.py and the
scans (cumsum, cumprod) in _reductions_scan.py. All of them are exported and
bound as Tensor methods here.
"""
from __future__ import annotations

from . import _dtype
from . import _promotion as P
from . import _reductions_grads as G
from ._registry import ALL, FLOAT, NUMERIC, mark_backward, register
from ._reductions_common import (check_tensor, finish, numpy_aliases, out_shape, reduce_dims, require_nonempty,
                                 return_type, run, sum_dtype)
from ._reductions_scan import cumprod, cumprod_, cumsum, cumsum_
from ._reductions_stats import logsumexp, norm, std, std_mean, var, var_mean
from .tensor import Tensor

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "aminmax", "all", "any",
           "count_nonzero", "std", "var", "std_mean", "var_mean", "norm", "logsumexp", "cumsum", "cumprod",
           "return_types"]


class return_types:
    """Named result tuples, as torch.return_types."""

    max = return_type("max")
    min = return_type("min")
    aminmax = return_type("aminmax", ("min", "max"))


def _all_dims(x: Tensor) -> tuple:
    return tuple(range(x.dim()))


def sum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Sum over dim (every dim when None); integer and bool inputs sum to int64."""
    check_tensor(input, "sum")
    G.refuse_out("sum", out, input)
    dims = reduce_dims(input, dim, "sum")
    rd = sum_dtype(input, dtype)
    res = run("SUM", input, dims, out_shape(input._shape, dims, keepdim), rd, rd)
    name = "SumBackward0" if dim is None and not keepdim else "SumBackward1"
    return finish(G.attach(name, res, input, G.sum_, dims, keepdim), out)


def mean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Arithmetic mean over dim; floating inputs (or a floating dtype=) only, as torch."""
    check_tensor(input, "mean")
    if dtype is None:
        if not input.dtype.is_floating_point:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point "
                               f"or complex dtype. Got: {P.torch_name(input.dtype)}")
        rd = input.dtype
    else:
        rd = _dtype.to_dtype(dtype)
        if not rd.is_floating_point:
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be either a floating "
                               f"point or complex dtype. Got: {P.torch_name(rd)}")
    G.refuse_out("mean", out, input)
    dims = reduce_dims(input, dim, "mean")
    res = run("SUM", input, dims, out_shape(input._shape, dims, keepdim), rd, rd, post="MEAN")
    name = "MeanBackward0" if dim is None and not keepdim else "MeanBackward1"
    return finish(G.attach(name, res, input, G.mean, dims, keepdim), out)


def prod(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Product over one dim (or every element); integer and bool inputs multiply in int64."""
    check_tensor(input, "prod")
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    G.refuse_out("prod", out, input)
    dims = reduce_dims(input, dim, "prod")
    rd = sum_dtype(input, dtype)
    res = run("PROD", input, dims, out_shape(input._shape, dims, keepdim), rd, rd)
    if dim is None:
        return finish(G.attach("ProdBackward0", res, input, G.prod, None, keepdim), out)
    return finish(G.attach("ProdBackward1", res, input, G.prod, dims[0] if dims else 0, keepdim), out)


def _single_dim(input, dim, name: str) -> int:
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return reduce_dims(input, dim, name)[0] if input.dim() else 0


def _extreme(name: str, red: str, pairwise):
    tuple_type = getattr(return_types, name)
    node = name.capitalize() + "Backward"

    def fn(input, dim=None, keepdim: bool = False, *, out=None):
        check_tensor(input, name)
        if isinstance(dim, Tensor):
            return pairwise(input, dim, out=out)
        G.refuse_out(name, out, input)
        if dim is None:
            if input.numel() == 0:
                raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                                   "Specify the reduction dim with the 'dim' argument.")
            res = run(red, input, _all_dims(input), (), input.dtype, input.dtype)
            return finish(G.attach(node + "1", res, input, G.extreme_all), out)
        d = _single_dim(input, dim, name)
        require_nonempty(input, (d,), name)
        values, indices = run("ARG" + red, input, (d,), out_shape(input._shape, (d,), keepdim), input.dtype,
                              input.dtype, index=True)
        G.attach(node + "0", (values, indices), input, G.indexed, d, keepdim)
        if out is not None:
            finish(values, out[0])
            finish(indices, out[1])
            return tuple_type(out[0], out[1])
        return tuple_type(values, indices)

    fn.__name__ = name
    fn.__doc__ = (f"The {name}imum of all elements, or (values, indices) along dim (first index on ties; "
                  f"NaN wins); {name}(input, other) is the elementwise {name}imum.")
    return fn


def _maximum(input, other, *, out=None):
    from ._elementwise import maximum
    return maximum(input, other, out=out)


def _minimum(input, other, *, out=None):
    from ._elementwise import minimum
    return minimum(input, other, out=out)


max = _extreme("max", "MAX", _maximum)
min = _extreme("min", "MIN", _minimum)


def _amaxmin(name: str, red: str):
    def fn(input, dim=(), keepdim: bool = False, *, out=None):
        check_tensor(input, name)
        dims = reduce_dims(input, dim, name)
        if input.numel() == 0 and (dim is None or dim == ()):
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        require_nonempty(input, dims, name)
        G.refuse_out(name, out, input)
        res = run(red, input, dims, out_shape(input._shape, dims, keepdim), input.dtype, input.dtype)
        return finish(G.attach(name.capitalize() + "Backward0", res, input, G.amaxmin, dims, keepdim), out)

    fn.__name__ = name
    fn.__doc__ = f"The {name[1:]}imum over one or more dims (values only; NaN propagates)."
    return fn


amax = _amaxmin("amax", "MAX")
amin = _amaxmin("amin", "MIN")


def _argextreme(name: str, red: str):
    def fn(input, dim=None, keepdim: bool = False, *, out=None):
        check_tensor(input, name)
        if input.dtype is _dtype.bool_:
            raise RuntimeError(f"\"{name}_cpu\" not implemented for 'Bool'")
        if dim is None:
            if input.numel() == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            dims = _all_dims(input)
            shape = (1,) * input.dim() if keepdim else ()
        else:
            dims = (_single_dim(input, dim, name),)
            require_nonempty(input, dims, name)
            shape = out_shape(input._shape, dims, keepdim)
        _, indices = run(red, input, dims, shape, input.dtype, input.dtype, index=True)
        return finish(indices, out)

    fn.__name__ = name
    fn.__doc__ = f"Index of the {name[3:]}imum (of the flattened input when dim is None); first index on ties."
    return fn


argmax = _argextreme("argmax", "ARGMAX")
argmin = _argextreme("argmin", "ARGMIN")


def aminmax(input, *, dim=None, keepdim: bool = False):
    """(min, max) over dim, or over every element when dim is None."""
    check_tensor(input, "aminmax")
    dims = _all_dims(input) if dim is None else (_single_dim(input, dim, "aminmax"),)
    if input.numel() == 0 and dim is None:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    if dim is not None and input.dim() and input._shape[dims[0]] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    shape = out_shape(input._shape, dims, keepdim)
    lo = run("MIN", input, dims, shape, input.dtype, input.dtype)
    hi = run("MAX", input, dims, shape, input.dtype, input.dtype)
    G.attach("AminmaxBackward0", (lo, hi), input, G.aminmax, dims, keepdim)
    return return_types.aminmax(lo, hi)


def _logical(name: str, red: str):
    def fn(input, dim=None, keepdim: bool = False, *, out=None):
        check_tensor(input, name)
        dims = reduce_dims(input, dim, name, empty_means_all=False)
        rd = _dtype.uint8 if input.dtype is _dtype.uint8 else _dtype.bool_
        return finish(run(red, input, dims, out_shape(input._shape, dims, keepdim), rd, input.dtype), out)

    fn.__name__ = name
    fn.__doc__ = (f"Whether {'all' if red == 'ALL' else 'any'} elements are nonzero, over dim or everywhere "
                  "(bool; uint8 for uint8 input, as torch).")
    return fn


all = _logical("all", "ALL")
any = _logical("any", "ANY")


def count_nonzero(input, dim=None):
    """Number of nonzero elements over dim (every dim when None), as int64."""
    check_tensor(input, "count_nonzero")
    dims = reduce_dims(input, dim, "count_nonzero")
    return run("SUM", input, dims, out_shape(input._shape, dims, False), _dtype.int64, _dtype.int64, pre="NZ")


# -- registry and Tensor methods ------------------------------------------------
register("sum prod max min amax amin argmax argmin aminmax count_nonzero cumsum cumprod", "reduction", NUMERIC)
register("all any", "reduction", ALL)
register("mean std var norm logsumexp", "reduction", FLOAT)
register("std_mean var_mean", "reduction", FLOAT, forms=("function",))
register("cumsum_ cumprod_", "reduction", NUMERIC, forms=("method",))
mark_backward("sum mean prod max min amax amin aminmax std var std_mean var_mean norm logsumexp cumsum cumprod "
              "cumsum_ cumprod_")

for _name in ("sum mean prod max min amax amin argmax argmin aminmax all any count_nonzero std var std_mean var_mean "
              "logsumexp cumsum cumprod").split():
    globals()[_name] = numpy_aliases(globals()[_name])

_METHODS = ("sum mean prod max min amax amin argmax argmin aminmax all any count_nonzero std var norm logsumexp "
            "cumsum cumprod cumsum_ cumprod_").split()
for _name in _METHODS:
    setattr(Tensor, _name, globals()[_name])
del _name
