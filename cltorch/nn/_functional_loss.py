"""Loss functions of ``cltorch.nn.functional`` (reduction none/mean/sum as torch)."""
from __future__ import annotations

import warnings

from .. import _elementwise as _ew
from ..tensor import Tensor
from ._functional_activation import log_softmax

_REDUCTIONS = ("none", "mean", "sum")


__all__ = ["mse_loss", "l1_loss", "binary_cross_entropy", "nll_loss", "cross_entropy"]

# -- losses --------------------------------------------------------------------------------
def _reduction(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_same_size(input: Tensor, target: Tensor, name: str) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Mean squared error (input - target)^2, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_same_size(input, target, "mse_loss")
    diff = input - target
    loss = diff * diff
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """Mean absolute error |input - target|, reduced."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_same_size(input, target, "l1_loss")
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy(input: Tensor, target: Tensor, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)) with each log clamped to >= -100, as torch."""
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    log_x = input.log().clamp(min=-100)
    log_1mx = (1 - input).log().clamp(min=-100)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def nll_loss(input: Tensor, target: Tensor, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class-index targets: -input[n, target[n]] (weighted, ignore_index)."""
    reduction = _reduction(size_average, reduce, reduction)
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() == 1:  # (C,) input with a 0-d target
        out = nll_loss(input.unsqueeze(0), target.reshape(1), weight, None, ignore_index, None, reduction)
        return out.squeeze(0) if reduction == "none" else out
    n, c = input.shape[0], input.shape[1]
    if target.shape[0] != n:
        raise ValueError(f"Expected input batch_size ({n}) to match target batch_size ({target.shape[0]}).")
    spatial = tuple(input.shape[2:])
    if spatial:  # (N, C, d1, ...): classes last, then flatten
        flat_in = input.movedim(1, -1).reshape(-1, c)
        out = nll_loss(flat_in, target.reshape(-1), weight, None, ignore_index, None, reduction)
        return out.reshape((n,) + spatial) if reduction == "none" else out
    if weight is not None and tuple(weight.shape) != (c,):
        raise RuntimeError(f"weight tensor should be defined either for all {c} classes or no classes but got "
                           f"weight tensor of shape: {list(weight.shape)}")
    keep = target.ne(ignore_index)
    safe = _ew.where(keep, target, 0)
    picked = -input.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = keep.to(input.dtype)
    if weight is not None:
        w = weight.index_select(0, safe) * w
    loss = picked * w
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def cross_entropy(input: Tensor, target: Tensor, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """nll_loss(log_softmax(input, 1), target); a floating target of input's shape gives soft labels."""
    reduction = _reduction(size_average, reduce, reduction)
    class_dim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, class_dim)
    c = input.shape[class_dim]
    if target.dtype.is_floating_point:  # class probabilities
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / c
        wlogp = logp if weight is None else logp * weight.reshape((c,) + (1,) * (input.dim() - class_dim - 1))
        loss = -(target * wlogp).sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (loss.numel() if input.dim() > 1 else 1)
        return _reduce(loss, reduction)
    loss = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing > 0:
        wlogp = logp if weight is None else logp * weight.reshape((c,) + (1,) * (input.dim() - class_dim - 1))
        smooth = -wlogp.sum(class_dim)
        keep = target.ne(ignore_index).to(input.dtype)
        smooth = smooth * keep
        if reduction == "mean":
            if weight is None:
                smooth = smooth.sum() / keep.sum()
            else:
                denom = (weight.index_select(0, _ew.where(target.ne(ignore_index), target, 0).reshape(-1))
                         * keep.reshape(-1)).sum()
                smooth = smooth.sum() / denom
        elif reduction == "sum":
            smooth = smooth.sum()
        loss = loss * (1 - label_smoothing) + smooth * (label_smoothing / c)
    return loss
