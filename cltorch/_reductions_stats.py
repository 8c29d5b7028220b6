"""Statistical reductions: var/std (two-pass), var_mean/std_mean, norm, logsumexp."""
from __future__ import annotations

import math
import numbers

from . import _dtype
from . import _promotion as P
from . import _reductions_grads as G
from ._reductions_common import (accumulate_dtype, check_tensor, finish, out_shape, reduce_dims, require_float,
                                 run)

_VAR_ERROR = "std and var only support floating point and complex dtypes"


def _correction(name: str, unbiased, correction) -> float:
    if correction is not None and unbiased is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments: unbiased and correction "
                        "cannot both be given")
    if correction is not None:
        return float(correction)
    return 0.0 if unbiased is False else 1.0


def _var(name: str, input, dim, unbiased, keepdim, correction, root: bool):
    """(var or std, mean in the accumulation dtype, dims, correction) over dim."""
    check_tensor(input, name)
    if isinstance(dim, bool):  # var(input, unbiased) overload
        dim, unbiased = None, dim
    require_float(input, _VAR_ERROR)
    corr = _correction(name, unbiased, correction)
    dims = reduce_dims(input, dim, name)
    shape = out_shape(input._shape, dims, keepdim)
    means = run("SUM", input, dims, shape, accumulate_dtype(input.dtype), input.dtype, post="MEAN")
    result = run("VAR", input, dims, shape, input.dtype, input.dtype, aux=means, param=corr,
                 post="SQRT" if root else None)
    return result, means, dims, corr


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None):
    """Variance over dim with Bessel's correction by default (correction= or unbiased= change it)."""
    G.refuse_out("var", out, input)
    v, _, dims, corr = _var("var", input, dim, unbiased, keepdim, correction, False)
    return finish(G.attach("VarBackward0", v, input, G.moments, dims, keepdim, corr, False), out)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None):
    """Standard deviation over dim (the square root of var)."""
    G.refuse_out("std", out, input)
    s, _, dims, corr = _var("std", input, dim, unbiased, keepdim, correction, True)
    return finish(G.attach("StdBackward0", s, input, G.moments, dims, keepdim, corr, True), out)


def _with_mean(name: str, input, dim, unbiased, keepdim, correction, root: bool):
    r, m, dims, corr = _var(name, input, dim, unbiased, keepdim, correction, root)
    pair = (r, m if m.dtype is input.dtype else m.to(input.dtype))
    node = "StdMeanBackward0" if root else "VarMeanBackward0"
    return G.attach(node, pair, input, G.moments, dims, keepdim, corr, root)


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(var, mean) over dim from one mean pass and one variance pass."""
    return _with_mean("var_mean", input, dim, unbiased, keepdim, correction, False)


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(std, mean) over dim."""
    return _with_mean("std_mean", input, dim, unbiased, keepdim, correction, True)


def _norm_kernel(p: float):
    """(reduction, element map, finish) for the p-norm."""
    if p == math.inf:
        return "MAX", "ABS", None
    if p == -math.inf:
        return "MIN", "ABS", None
    if p == 0:
        return "SUM", "NZ", None
    if p == 1:
        return "SUM", "ABS", None
    if p == 2:
        return "SUM", "SQ", "SQRT"
    return "SUM", "POW", "ROOT"


def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None):
    """Vector p-norm over dim (every element when None): p = 'fro', 2, 1, 0, inf, -inf or any number."""
    check_tensor(input, "norm")
    ct = input.dtype if dtype is None else _dtype.to_dtype(dtype)
    if not input.dtype.is_floating_point or not ct.is_floating_point:
        bad = input.dtype if not input.dtype.is_floating_point else ct
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{P.torch_name(bad)} instead.")
    if p is None or p == "fro":
        p = 2
    elif p == "nuc":
        raise NotImplementedError("norm(): the nuclear norm needs an SVD, which cltorch does not have yet")
    elif isinstance(p, str) or not isinstance(p, numbers.Real):
        raise RuntimeError(f"norm(): unsupported norm type {p!r}")
    p = float(p)
    dims = reduce_dims(input, dim, "norm")
    red, pre, post = _norm_kernel(p)
    if red != "SUM" and any(input._shape[d] == 0 for d in dims if input.dim()):
        raise RuntimeError(f"linalg.vector_norm cannot compute the {'-' if p < 0 else ''}inf norm on an empty "
                           "tensor because the operation does not have an identity")
    G.refuse_out("norm", out, input)
    result = run(red, input, dims, out_shape(input._shape, dims, keepdim), ct, ct, pre=pre, post=post, param=p)
    return finish(G.attach("LinalgVectorNormBackward0", result, input, G.norm, p, dims, keepdim), out)


def logsumexp(input, dim, keepdim: bool = False, *, out=None):
    """log(sum(exp(input))) over dim, computed stably (online max shift); integers give the default float."""
    check_tensor(input, "logsumexp")
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' (position 2) must be tuple of ints, not NoneType")
    if isinstance(dim, (tuple, list)) and not dim and input.dim():
        raise RuntimeError(f"logsumexp(): output with shape [] doesn't match the broadcast shape "
                           f"{[1] * input.dim()}")
    rd = P.float_result(input.dtype)
    G.refuse_out("logsumexp", out, input)
    dims = reduce_dims(input, dim, "logsumexp")
    result = run("LSE", input, dims, out_shape(input._shape, dims, keepdim), rd, rd)
    return finish(G.attach("LogsumexpBackward0", result, input, G.logsumexp, dims, keepdim), out)
