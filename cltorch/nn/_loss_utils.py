"""Shared pieces of the loss functions: reduction arguments, reducing, un-broadcasting gradients."""
from __future__ import annotations

import functools
import warnings

from ..autograd.graph import rename
from ..tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")
_DTYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def backward_named(name: str):
    """Decorate a composite loss so its result's grad_fn reads like torch's fused op (repr, scripts)."""
    def wrap(fn):
        @functools.wraps(fn)
        def loss(*args, **kwargs):
            return rename(fn(*args, **kwargs), name)
        return loss
    return wrap


def _torch_name(dt) -> str:
    """torch's C++ scalar-type name of a dtype (Float, Long, ...), as its error messages print it."""
    return _DTYPE_NAMES.get(dt.name, dt.name)


def _reduction(size_average, reduce, reduction: str) -> str:
    """The reduction string, from the legacy size_average/reduce pair (with torch's warning) when given."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", stacklevel=3)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _sum_to(g: Tensor, shape) -> Tensor:
    """Sum a broadcast gradient back to shape."""
    shape = tuple(shape)
    if tuple(g.shape) == shape:
        return g
    lead = g.dim() - len(shape)
    dims = list(range(lead)) + [lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1]
    if dims:
        g = g.sum(dims, keepdim=True)
    return g.reshape(shape)


def _no_grad_arg(fn: str, arg: str, t) -> None:
    """torch's error for an argument a loss does not differentiate (when t requires grad under grad mode)."""
    from ..autograd.graph import needs_grad
    if t is not None and needs_grad(t):
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{arg}'. "
                           "This input cannot have requires_grad True.")
