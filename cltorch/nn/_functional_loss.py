"""Loss functions of ``cltorch.nn.functional`` (reduction none/mean/sum as torch).

Losses are compositions of device tensor ops, so autograd follows; the
binary-cross-entropy pair and log-sigmoid record their own backward so that the
gradient equals torch's formula everywhere (at logits of exactly 0, at
probabilities of exactly 0 or 1). Class-index losses live in
``_functional_loss_class``.
"""
from __future__ import annotations

import math
import warnings

from .. import _elementwise as _ew
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor
from ._functional_loss_class import cross_entropy, multi_margin_loss, nll_loss
from ._loss_utils import _no_grad_arg, _reduce, _reduction, backward_named

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div", "poisson_nll_loss",
           "gaussian_nll_loss", "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss", "triplet_margin_loss", "multi_margin_loss"]


def _warn_size(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _weighted(loss: Tensor, input: Tensor, weight, reduction: str, mean_by_weight: bool) -> Tensor:
    """Apply torch 2.x's elementwise loss weight (same size as input) and reduce."""
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


# -- regression losses ----------------------------------------------------------------------
@backward_named("MseLossBackward0")
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Mean squared error (input - target)^2, reduced (a weight gives sum(w*l)/sum(w) for 'mean')."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _weighted((input - target).square(), input, weight, reduction, True)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """Mean absolute error |input - target|, reduced."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _weighted((input - target).abs(), input, weight, reduction, True)


def _huber(diff: Tensor, delta: float, scale: float) -> Tensor:
    """0.5 d^2 inside |d| < delta, delta * (|d| - delta/2) outside, times scale."""
    a = diff.abs()
    inner = diff.square() * (0.5 * scale)
    outer = (a - 0.5 * delta) * (delta * scale)
    return _ew.where(a < delta, inner, outer)


@backward_named("SmoothL1LossBackward0")
def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Huber loss divided by beta: quadratic below beta, L1 above (beta=0 is L1)."""
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    diff = input - target
    if beta == 0:
        return _reduce(diff.abs(), reduction)
    return _reduce(_huber(diff, beta, 1.0 / beta), reduction)


@backward_named("HuberLossBackward0")
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """Quadratic below delta, delta-scaled L1 above."""
    _warn_size(input, target)
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _weighted(_huber(input - target, delta, 1.0), input, weight, reduction, False)


# -- binary cross entropy ---------------------------------------------------------------------
def _bce_logs(x: Tensor):
    return x.log().clamp_min(-100), (-x).log1p().clamp_min(-100)


def _bce(x: Tensor, t: Tensor, w) -> Tensor:
    """Elementwise BCE with torch's gradients (x - t) / max(x (1 - x), 1e-12)."""
    _no_grad_arg("binary_cross_entropy", "weight", w)
    with no_grad():
        lx, l1x = _bce_logs(x)
        loss = -(t * lx + (1 - t) * l1x)
        if w is not None:
            loss = loss * w
    if needs_grad(x, t, w):
        def backward(g):
            gw = g * w if w is not None else g
            gx = gw * (x - t) / ((1 - x) * x).clamp_min(1e-12) if x.requires_grad else None
            gt = None
            if t.requires_grad:
                a, b = _bce_logs(x)
                gt = gw * (b - a)
            return gx, gt, None
        record("BinaryCrossEntropyBackward0", loss, (x, t, w), backward,
               tuple(v for v in (x, t, w) if v is not None))
    return loss


@backward_named("BinaryCrossEntropyBackward0")
def binary_cross_entropy(input: Tensor, target: Tensor, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """-(t log x + (1 - t) log(1 - x)) with each log clamped to >= -100, as torch."""
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    return _reduce(_bce(input, target, weight), reduction)


def _softplus_neg(x: Tensor) -> Tensor:
    """log(1 + exp(-x)) computed stably as max(-x, 0) + log1p(exp(-|x|))."""
    return (-x).clamp_min(0) + (-x.abs()).exp().log1p()


def _bce_logits(x: Tensor, t: Tensor, w, pw) -> Tensor:
    """(1 - t) x + (1 + (pw - 1) t) softplus(-x), weighted, with torch's closed-form gradients."""
    _no_grad_arg("binary_cross_entropy_with_logits", "weight", w)
    _no_grad_arg("binary_cross_entropy_with_logits", "pos_weight", pw)
    with no_grad():
        sp = _softplus_neg(x)
        lw = (pw - 1) * t + 1 if pw is not None else None
        loss = (1 - t) * x + (lw * sp if pw is not None else sp)
        if w is not None:
            loss = loss * w
    if needs_grad(x, t, w, pw):
        def backward(g):
            gw = g * w if w is not None else g
            gx = gt = None
            if x.requires_grad:
                s = x.sigmoid()
                gx = gw * (lw * s - pw * t) if pw is not None else gw * (s - t)
            if t.requires_grad:
                gt = gw * ((pw - 1) * _softplus_neg(x) - x) if pw is not None else gw * -x
            return gx, gt, None, None
        record("BinaryCrossEntropyWithLogitsBackward0", loss, (x, t, w, pw), backward,
               tuple(v for v in (x, t, w, pw) if v is not None))
    return loss


@backward_named("BinaryCrossEntropyWithLogitsBackward0")
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """BCE of sigmoid(input), computed stably from the logits; pos_weight weighs positives per class."""
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    return _reduce(_bce_logits(input, target, weight, pos_weight), reduction)


def _log_sigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), with gradient sigmoid(-x)."""
    with no_grad():
        out = -_softplus_neg(x)
    if needs_grad(x):
        record("LogSigmoidBackward0", out, (x,), lambda g: (g * (-x).sigmoid(),), (x,))
    return out


# -- divergences and likelihoods ----------------------------------------------------------------
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Pointwise KL divergence target * (log target - input); 'batchmean' divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        if reduction != "batchmean":
            reduction = _reduction(None, None, reduction)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = _ew.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Poisson negative log likelihood; ``full`` adds Stirling's term where target > 1."""
    reduction = _reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + _ew.where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """0.5 (log var + (input - target)^2 / var), var clamped to >= eps without blocking its gradient."""
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.new_full(tuple(input.shape), float(var))
    in_shape, v_shape = tuple(input.shape), tuple(var.shape)
    if v_shape != in_shape:
        if in_shape[:-1] == v_shape:
            var = var.unsqueeze(-1)
        elif not (len(in_shape) == len(v_shape)
                  and sum(v for i, v in zip(in_shape, v_shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var + (var.detach().clamp_min(eps) - var.detach())  # clamp the value, keep the gradient
    loss = 0.5 * (var.log() + (input - target).square() / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# -- margin and embedding losses ------------------------------------------------------------
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) for target 1, max(0, cos - margin) for target -1."""
    reduction = _reduction(size_average, reduce, reduction)
    tdim = target.dim()
    if tdim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if tdim == 1 else 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(f"{tdim}D target tensor expects {want}D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    d = want - 1
    eps = 1e-12
    prod = (input1 * input2).sum(d)
    mag = ((input1 * input1).sum(d) + eps) * ((input2 * input2).sum(d) + eps)
    cos = prod / mag.sqrt()
    pos = _ew.where(target == 1, 1 - cos, 0.0)
    neg = _ew.where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(pos + neg, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    hinge = _ew.where(target != 1, (margin - input).clamp_min(0), 0.0)
    keep = _ew.where(target != -1, input, 0.0)
    return _reduce(hinge + keep, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input))."""
    reduction = _reduction(size_average, reduce, reduction)
    _no_grad_arg("soft_margin_loss", "target", target)
    loss = (-input * target).exp().log1p()
    if tuple(loss.shape) != tuple(input.shape):
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast shape "
                           f"{list(loss.shape)}")
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Per-sample mean over classes of the binary logistic loss of each label."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * _log_sigmoid(input) + (1 - target) * _log_sigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    return (x1 - x2 + eps).norm(p, dim=max(x1.dim(), x2.dim()) - 1)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with p-norm distances."""
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, po, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == po == n):
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a}D, positive {po}D, and negative {n}D inputs")
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ew.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)
