"""Normalisation functions of ``cltorch.nn.functional`` (batch_norm, layer_norm, group_norm, instance_norm).

All four run through one core: the input is viewed as (A, G, B) with
statistics per group g (over A and B) and an affine index (i // wdiv) % wmod;
forward and backward are the fused kernels of ``norm.cl``. Under
``create_graph`` the backward is written with differentiable tensor ops instead,
so double backward works.
"""
from __future__ import annotations

import math
import numbers

from .. import _dtype
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..autograd.graph import needs_grad, record
from ..ops import norm as K
from ..ops.layout import is_dense
from ..tensor import Tensor, _alloc

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]

_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half"}


class _Plan:
    """Statistics over the view (a, g, b); weight/bias element of flat index i is (i // wdiv) % wmod."""

    def __init__(self, a: int, g: int, b: int, wdiv: int, wmod: int):
        self.a, self.g, self.b, self.wdiv, self.wmod = a, g, b, wdiv, wmod

    @property
    def count(self) -> int:
        return self.a * self.b

    @property
    def aff_view(self) -> tuple:
        return (self.a * self.g * self.b // max(self.wdiv * self.wmod, 1), self.wmod, self.wdiv)


def _stat_dtype(x: Tensor):
    return _dtype.float64 if x.dtype is _dtype.float64 else _dtype.float32


def _dense(t: Tensor, offset0: bool = False) -> Tensor:
    """t detached and dense (offset 0 too when asked): the layout the kernels index."""
    t = t.detach()
    if is_dense(t) and (t._offset == 0 or not offset0):
        return t
    return t.clone(memory_format=None) if is_dense(t) else t.contiguous()


def _check_param_dtype(x: Tensor, *params) -> None:
    for p in params:
        if p is None or p.dtype is x.dtype:
            continue
        if not (x.dtype is _dtype.float16 and p.dtype is _dtype.float32):
            raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{_TORCH_NAMES.get(x.dtype.name, x.dtype.name)}")


# -- the shared core ------------------------------------------------------------------------
def _normalize(x: Tensor, weight, bias, eps: float, plan: _Plan, name: str, given=None, running=None) -> Tensor:
    """Normalise x by per-group statistics (batch ones, or ``given`` (mean, rstd)), then apply weight/bias."""
    xd = _dense(x)
    wd = _dense(weight).reshape(-1) if weight is not None else None
    bd = _dense(bias).reshape(-1) if bias is not None else None
    sd = _stat_dtype(x)
    out = _alloc(x.shape, x.dtype, x.device)
    rows = False
    if given is not None:
        mean, rstd = given
        if x.numel():
            K.apply(out, xd, mean, rstd, wd, bd, plan.g, plan.b, plan.wdiv, plan.wmod)
    else:
        mean = _alloc((plan.g,), sd, x.device)
        rstd = _alloc((plan.g,), sd, x.device)
        if x.numel():
            chunk, p = K.chunking(x._storage.runtime, plan.count, plan.g)
            rows = plan.a == 1 and p == 1 and running is None
            if rows:
                K.rows_fwd(out, xd, mean, rstd, wd, bd, plan.g, plan.b, eps, plan.wdiv, plan.wmod)
            else:
                part = _alloc((2, p, plan.g), sd, x.device)
                K.stats(xd, plan.a, plan.g, plan.b, part, mean, rstd, eps, chunk, p, running)
                K.apply(out, xd, mean, rstd, wd, bd, plan.g, plan.b, plan.wdiv, plan.wmod)
    if needs_grad(x, weight, bias):
        backward = _make_backward(x, xd, weight, wd, bias, mean, rstd, eps, plan, given is not None, rows)
        record(name, out, (x, weight, bias), backward, tuple(t for t in (x, weight) if t is not None))
    return out


def _grad_sums(gd: Tensor, xd: Tensor, mean, rstd, wd, view: tuple, plan: _Plan) -> Tensor:
    """(2, G') sums over the view (A', G', B') of grad (times the weight when wd is given) and grad * xhat."""
    a, g, b = view
    rt = xd._storage.runtime
    by_row = plan.b == g and plan.g == a  # layer norm's columns: statistics per row
    by_col = plan.b == 1 and plan.g == g  # batch norm of (N, C): statistics per column
    if b == 1 and wd is None and (by_row or by_col):
        chunk, p = K.col_chunking(rt, a, g)
        part = _alloc((2, p, g), mean.dtype, xd.device)
        K.grad_cols(gd, xd, mean, rstd, part, a, g, chunk, p, by_row)
    else:
        chunk, p = K.chunking(rt, a * b, g)
        part = _alloc((2, p, g), mean.dtype, xd.device)
        K.grad_partial(gd, xd, mean, rstd, wd, part, view, chunk, p, (plan.g, plan.b), plan.wdiv, plan.wmod)
    return part.sum(1) if p > 1 else part.reshape(2, g)


def _make_backward(x, xd, weight, wd, bias, mean, rstd, eps, plan: _Plan, stats_fixed: bool, rows: bool):
    """The backward closure of _normalize: fused kernels, or composed ops when building a graph."""
    def backward(g):
        need_x = x.requires_grad
        need_w = weight is not None and weight.requires_grad
        need_b = bias is not None and bias.requires_grad
        if is_grad_enabled():
            return _composed_grads(x, g, weight, bias, mean, rstd, eps, plan, stats_fixed)
        if x.numel() == 0:
            return (x.new_zeros(x.shape) if need_x else None,
                    weight.new_zeros(weight.shape) if need_w else None,
                    bias.new_zeros(bias.shape) if need_b else None)
        gd = _dense(g if g.dtype is x.dtype else g.to(x.dtype))
        dx = dw = db = sums = None
        if need_w or need_b:
            sums = _grad_sums(gd, xd, mean, rstd, None, plan.aff_view, plan)
            db = sums[0].to(bias.dtype).reshape(bias.shape) if need_b else None
            dw = sums[1].to(weight.dtype).reshape(weight.shape) if need_w else None
        if need_x:
            dx = _alloc(x.shape, x.dtype, x.device)
            if stats_fixed:
                K.bwd_apply(dx, gd, xd, mean, rstd, None, None, wd, plan.g, plan.b, plan.wdiv, plan.wmod)
            elif rows:
                K.rows_bwd(dx, gd, xd, mean, rstd, wd, plan.g, plan.b, plan.wdiv, plan.wmod)
            else:
                if sums is not None and plan.aff_view == (plan.a, plan.g, plan.b):
                    s1, s2 = sums[0], sums[1]
                    if wd is not None:  # weight is per group here: sum(w * dy) = w * sum(dy)
                        s1, s2 = s1 * wd, s2 * wd
                else:
                    ws = _grad_sums(gd, xd, mean, rstd, wd, (plan.a, plan.g, plan.b), plan)
                    s1, s2 = ws[0], ws[1]
                n = float(plan.count)
                c1, c2 = _dense(s1 / n, True), _dense(s2 / n, True)
                if c1.dtype is not mean.dtype:
                    c1, c2 = c1.to(mean.dtype), c2.to(mean.dtype)
                K.bwd_apply(dx, gd, xd, mean, rstd, c1, c2, wd, plan.g, plan.b, plan.wdiv, plan.wmod)
        return dx, dw, db
    return backward


def _composed_grads(x, g, weight, bias, mean, rstd, eps, plan: _Plan, stats_fixed: bool):
    """The same gradients from differentiable tensor ops (used under create_graph)."""
    a, gr, b = plan.a, plan.g, plan.b
    x3 = x.reshape(a, gr, b)
    if stats_fixed:
        mu, rs = mean.reshape(1, gr, 1), rstd.reshape(1, gr, 1)
    else:
        mu = x3.mean((0, 2), keepdim=True)
        rs = ((x3 - mu).square().mean((0, 2), keepdim=True) + eps).rsqrt()
    xhat = (x3 - mu) * rs
    a2, c2, b2 = plan.aff_view
    g3 = g.reshape(a2, c2, b2)
    dxhat = g3 * weight.reshape(1, c2, 1) if weight is not None else g3
    dxhat = dxhat.reshape(a, gr, b)
    if stats_fixed:
        dx = dxhat * rs
    else:
        dx = rs * (dxhat - dxhat.mean((0, 2), keepdim=True)
                   - xhat * (dxhat * xhat).mean((0, 2), keepdim=True))
    dx = dx.reshape(x.shape).to(x.dtype) if x.requires_grad else None
    dw = db = None
    if weight is not None and weight.requires_grad:
        dw = (g3 * xhat.reshape(a2, c2, b2)).sum((0, 2)).reshape(weight.shape).to(weight.dtype)
    if bias is not None and bias.requires_grad:
        db = g3.sum((0, 2)).reshape(bias.shape).to(bias.dtype)
    return dx, dw, db


def _given_stats(mean: Tensor, var: Tensor, eps: float, sd):
    """(mean, 1/sqrt(var + eps)) as dense statistics tensors of dtype sd."""
    mean = _dense(mean.detach().to(sd), True)
    rstd = _dense((var.detach().to(sd) + eps).rsqrt(), True)
    return mean, rstd


# -- batch norm ---------------------------------------------------------------------------
def _verify_batch_size(size) -> None:
    n = size[0]
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def batch_norm(input: Tensor, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by batch statistics (training) or the running ones."""
    return _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps, count=None) -> Tensor:
    """batch_norm; ``count`` (num_batches_tracked) with momentum None gives the cumulative average."""
    if training:
        _verify_batch_size(input.shape)
        if (running_mean is None) != (running_var is None):
            raise ValueError("running_mean and running_var must either both be None or neither be None")
    else:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    c = input.shape[1] if input.dim() > 1 else 0
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    _check_param_dtype(input, weight, bias)
    spatial = math.prod(input.shape[2:])
    plan = _Plan(input.shape[0], c, spatial, spatial, c)
    if not training:
        given = _given_stats(running_mean, running_var, eps, _stat_dtype(input))
        return _normalize(input, weight, bias, eps, plan, "NativeBatchNormBackward0", given=given)
    if running_mean is None or input.numel() == 0:
        return _normalize(input, weight, bias, eps, plan, "NativeBatchNormBackward0")
    rm, rv = _dense(running_mean), _dense(running_var)
    cumulative = momentum is None
    if cumulative and count is None:
        raise TypeError("batch_norm(): argument 'momentum' must be float, not NoneType")
    running = (rm, rv, _dense(count) if cumulative else None, 0.0 if cumulative else momentum)
    out = _normalize(input, weight, bias, eps, plan, "NativeBatchNormBackward0", running=running)
    for src, dst in ((rm, running_mean), (rv, running_var)):
        if src._storage is dst._storage and src._offset == dst._offset and src._stride == dst._stride:
            dst._bump_version()  # the kernel wrote the buffer itself
        else:
            with no_grad():
                dst.copy_(src)
    return out


# -- layer norm, group norm, instance norm ----------------------------------------------------
def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims of each sample, then weight/bias elementwise."""
    if isinstance(normalized_shape, numbers.Integral):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int")
    ns = tuple(int(s) for s in normalized_shape)
    k = len(ns)
    shape = tuple(input.shape)
    if k == 0 or len(shape) < k or shape[len(shape) - k:] != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in ns)}], but got input of size{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != ns:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(ns)}")
    _check_param_dtype(input, weight, bias)
    inner = math.prod(ns)
    rows = input.numel() // inner if inner else 0
    plan = _Plan(1, rows, inner, 1, inner)
    return _normalize(input, weight, bias, eps, plan, "NativeLayerNormBackward0")


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over groups of channels, then a per-channel weight/bias."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    n, c = input.shape[0], input.shape[1]
    _verify_batch_size([n * c // num_groups, num_groups] + list(input.shape[2:]))
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    _check_param_dtype(input, weight, bias)
    hw = math.prod(input.shape[2:])
    plan = _Plan(1, n * num_groups, (c // num_groups) * hw, hw, c)
    return _normalize(input, weight, bias, eps, plan, "NativeGroupNormBackward0")


def instance_norm(input: Tensor, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) over its spatial elements; optionally track running statistics."""
    if use_input_stats:
        if math.prod(input.shape[2:]) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    elif running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    n, c = input.shape[0], input.shape[1]
    _check_param_dtype(input, weight, bias)
    hw = math.prod(input.shape[2:])
    if not use_input_stats:
        plan = _Plan(n, c, hw, hw, c)
        given = _given_stats(running_mean, running_var, eps, _stat_dtype(input))
        return _normalize(input, weight, bias, eps, plan, "NativeBatchNormBackward0", given=given)
    plan = _Plan(1, n * c, hw, hw, c)
    out = _normalize(input, weight, bias, eps, plan, "NativeBatchNormBackward0")
    if running_mean is not None and running_var is not None and input.numel():
        with no_grad():  # the running statistics average the per-instance ones over the batch
            x3 = input.detach().reshape(n, c, hw)
            running_mean.mul_(1 - momentum).add_(x3.mean(2).mean(0).to(running_mean.dtype), alpha=momentum)
            running_var.mul_(1 - momentum).add_(x3.var(2).mean(0).to(running_var.dtype), alpha=momentum)
    return out
