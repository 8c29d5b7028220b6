"""Fused cross entropy of (N, C) scores and class-index targets: one kernel forward, one backward."""
from __future__ import annotations

from .. import _creation, _dtype
from .._index_checks import deferred_index_errors, flag_buffer, raise_if_flagged
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.graph import needs_grad, record
from ..ops import loss as loss_ops
from ..ops.layout import is_dense
from ..tensor import Tensor, _alloc
from ._functional_activation import softmax

_FLOATS = (_dtype.float32, _dtype.float64)


def fusable(input: Tensor, target: Tensor, weight, reduction: str, label_smoothing: float) -> bool:
    """True for the common case the fused kernels handle: (N, C) float scores, (N,) class indices."""
    return (weight is None and label_smoothing <= 0 and reduction in ("mean", "sum", "none")
            and input.dim() == 2 and target.dim() == 1 and target.shape[0] == input.shape[0]
            and input.dtype in _FLOATS and input.device == target.device)


def fused_cross_entropy(input: Tensor, target: Tensor, ignore_index: int, reduction: str) -> Tensor:
    """cross_entropy(input, target) of a fusable case, recorded as one NllLossBackward0 node."""
    x = input if is_dense(input) else input.contiguous()
    t = target if target.dtype is _dtype.int64 else target.long()
    if not is_dense(t):
        t = t.contiguous()
    n, c = x._shape
    out = _alloc((n,) if reduction == "none" else (), x.dtype, x.device)
    aux = _alloc((n + 1,), x.dtype, x.device)
    rt = x._storage.runtime
    message = f"Target out of bounds: expected class indices in [0, {c})"
    with deferred_index_errors(IndexError, message):  # a bad target raises at the next sync
        loss_ops.ce_forward(out, aux, x, t, ignore_index, reduction, flag_buffer(rt))
        raise_if_flagged(rt, message, IndexError)
    if needs_grad(x):
        record("NllLossBackward0", out, (x,),
               lambda g: (_ce_grad(g, x, t, aux, ignore_index, reduction),), saved=(x, t, aux))
    return out


def _ce_grad(g: Tensor, x: Tensor, t: Tensor, aux: Tensor, ignore_index: int, reduction: str) -> Tensor:
    """d loss / d x: one kernel, or differentiable ops when the backward itself is recorded."""
    if g.dtype is not x.dtype:
        g = g.to(x.dtype)
    if is_grad_enabled():
        return _composed_grad(g, x, t, aux, ignore_index, reduction)
    if not is_dense(g):
        g = g.contiguous()
    gx = _alloc(x._shape, x.dtype, x.device)
    if gx.numel():
        loss_ops.ce_backward(gx, g, aux, x, t, ignore_index, reduction)
    return gx


def _composed_grad(g, x, t, aux, ignore_index, reduction):
    """(softmax(x) - onehot(t)) * scale from differentiable ops (create_graph=True)."""
    c = x.shape[1]
    classes = _creation.arange(c, device=x.device).unsqueeze(0)
    tt = t.unsqueeze(1)
    onehot = classes.eq(tt).to(x.dtype)
    keep = (tt.ne(ignore_index) & tt.ge(0) & tt.lt(c)).to(x.dtype)
    if reduction == "none":
        scale = g.reshape(-1, 1) * keep
    elif reduction == "sum":
        scale = g * keep
    else:
        scale = g / aux[-1] * keep
    return (softmax(x, 1) - onehot) * scale
