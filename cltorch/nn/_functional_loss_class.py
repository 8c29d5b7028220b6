"""Class-index losses of ``cltorch.nn.functional``: nll_loss, cross_entropy, multi_margin_loss."""
from __future__ import annotations

from .. import _creation, _dtype
from .. import _elementwise as _ew
from .._index_checks import deferred_index_errors
from ..tensor import Tensor
from ._functional_activation import log_softmax
from ._functional_fused_ce import fused_cross_entropy, fusable
from ._loss_utils import _no_grad_arg, _reduce, _reduction, _torch_name, backward_named

__all__ = ["nll_loss", "cross_entropy", "multi_margin_loss"]


def _check_index_target(target: Tensor) -> None:
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_torch_name(target.dtype)}")


def _flatten_classes(input: Tensor, target: Tensor):
    """(M, C) scores and (M,) targets of an (N, C, d1, ...) or (C,) input, after torch's shape checks."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() == 1:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return input.unsqueeze(0), target.reshape(-1)
    n, c = input.shape[0], input.shape[1]
    if target.dim() >= 1 and target.shape[0] != n:
        raise ValueError(f"Expected input batch_size ({n}) to match target batch_size ({target.shape[0]}).")
    if input.dim() == 2:
        if target.dim() != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return input, target
    expected = (n,) + tuple(input.shape[2:])
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    return input.movedim(1, -1).reshape(-1, c), target.reshape(-1)


@backward_named("NllLossBackward0")
def nll_loss(input: Tensor, target: Tensor, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class-index targets: -input[n, target[n]] (weighted, ignore_index)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_index_target(target)
    _no_grad_arg("nll_loss_forward", "weight", weight)
    scores, flat = _flatten_classes(input, target)
    c = scores.shape[1]
    if weight is not None and weight.numel() != c:
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                           f"weight tensor of shape: {list(weight.shape)}")
    flat = flat.long()
    keep = flat.ne(ignore_index)
    safe = _ew.where(keep, flat, 0)
    with _deferred_target_errors(c):  # a bad target raises at the next sync (loss.item()), not here
        picked = -scores.gather(1, safe.unsqueeze(1)).squeeze(1)
        w = keep.to(scores.dtype)
        if weight is not None:
            w = weight.reshape(-1).index_select(0, safe) * w
    loss = picked * w
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def _deferred_target_errors(c: int):
    return deferred_index_errors(IndexError, f"Target out of bounds: expected class indices in [0, {c})")


def _class_weight(weight, c: int, ndim: int, class_dim: int):
    return weight.reshape((c,) + (1,) * (ndim - class_dim - 1))


def cross_entropy(input: Tensor, target: Tensor, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """nll_loss(log_softmax(input, 1), target); a target of input's shape holds class probabilities."""
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    if tuple(target.shape) == tuple(input.shape):
        return _soft_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing, class_dim)
    _check_index_target(target)
    if fusable(input, target, weight, reduction, label_smoothing):
        return fused_cross_entropy(input, target, ignore_index, reduction)
    logp = log_softmax(input, class_dim)
    loss = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0:
        return loss  # NllLossBackward0, as torch
    c = input.shape[class_dim]
    wlogp = logp if weight is None else logp * _class_weight(weight, c, input.dim(), class_dim)
    target = target.long()
    keep = target.ne(ignore_index)
    smooth = -wlogp.sum(class_dim) * keep.to(input.dtype)
    if reduction == "mean":
        if weight is None:
            denom = keep.sum()
        else:
            safe = _ew.where(keep, target, 0).reshape(-1)
            with _deferred_target_errors(c):
                picked = weight.reshape(-1).index_select(0, safe)
            denom = (picked * keep.reshape(-1).to(weight.dtype)).sum()
        smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / c)


def _soft_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing, class_dim):
    """Cross entropy against class probabilities (target of input's shape)."""
    if not target.dtype.is_floating_point:
        raise RuntimeError("Expected floating point type for target with class probabilities, got "
                           f"{_torch_name(target.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    logp = log_softmax(input, class_dim)
    c = input.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / c
    if weight is not None:
        logp = logp * _class_weight(weight, c, input.dim(), class_dim)
    loss = -(logp * target).sum(class_dim)
    if reduction == "mean":
        return loss.sum() / (input.numel() / c if c else 0.0)
    return _reduce(loss, reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge: mean over classes i != y of max(0, margin - x[y] + x[i])^p (times weight[y])."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _no_grad_arg("multi_margin_loss", "weight", weight)
    if input.dim() > 2 or input.numel() == 0 and input.dim() != 2:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    n, c = x.shape
    t = target.reshape(-1).long()
    if t.numel() != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    z = (margin - x.gather(1, t.unsqueeze(1)) + x).clamp_min(0)
    if p == 2:
        z = z * z
    classes = _creation.arange(c, device=x.device)
    z = _ew.where(classes.unsqueeze(0) == t.unsqueeze(1), 0.0, z)
    if weight is not None:
        z = z * weight.index_select(0, t).unsqueeze(1)
    loss = z.sum(1) / c
    loss = loss.reshape(target.shape) if input.dim() == 1 else loss
    return _reduce(loss, reduction)
