"""Backward formulas of the reductions and scans, written with differentiable Tensor ops.

Each maker takes the op's input, its output(s) and parameters and returns
``(backward, saved)``: ``backward(*grads)`` gives one gradient per input and
``saved`` lists exactly the tensors it reads. The gradients are built from
unsqueeze/expand, where, elementwise arithmetic and the reductions themselves,
so ``create_graph=True`` differentiates them again. Masks (ties, zeros, the
returned index) are comparisons, which carry no gradient, as in torch.
"""
from __future__ import annotations

import math

from ._linalg_grads import refuse_out
from .autograd.grad_mode import is_grad_enabled
from .autograd.graph import needs_grad, record

__all__ = ["attach", "refuse_out"]


def attach(name: str, outputs, x, maker, *params):
    """Record outputs' backward (built by maker(x, outputs, *params)) when x requires grad; return outputs."""
    if needs_grad(x):
        backward, saved = maker(x, outputs, *params)
        record(name, outputs, (x,), backward, saved)
    return outputs


# -- shape helpers ----------------------------------------------------------------
def _cast(grad, x):
    """grad in x's dtype (a reduction with dtype= may have computed in another one)."""
    return grad if grad.dtype is x.dtype else grad.to(x.dtype)


def _keep(t, ndim: int, dims, keepdim: bool):
    """t (a reduction result) with the reduced dims put back as size 1."""
    if keepdim or ndim == 0:
        return t
    for d in sorted(dims):
        t = t.unsqueeze(d)
    return t


def _count(shape, dims) -> int:
    return math.prod(shape[d] for d in dims) if shape else 1


def _sum_kept(t, dims):
    """Sum over dims with keepdim, for masks (dims may be empty for 0-d tensors)."""
    return t.sum(dim=tuple(dims), keepdim=True) if dims else t


# -- sum, mean, prod -----------------------------------------------------------------
def sum_(x, out, dims, keepdim):
    """d(sum): the gradient spread back over the summed dims."""
    shape, nd = x.shape, x.dim()

    def backward(g):
        return (_cast(_keep(g, nd, dims, keepdim).expand(shape), x),)
    return backward, ()


def mean(x, out, dims, keepdim):
    """d(mean): the gradient spread back and divided by the number of averaged elements."""
    shape, nd, n = x.shape, x.dim(), _count(x.shape, dims)

    def backward(g):
        return (_cast(_keep(g, nd, dims, keepdim).expand(shape) / n, x),)
    return backward, ()


def _exclusive_cumprod(x, d):
    """The product of the elements before each position along d (1 at the first)."""
    from ._joining import cat
    shape = list(x.shape)
    shape[d] = 1
    return cat([x.new_ones(shape), x.narrow(d, 0, x.shape[d] - 1)], d).cumprod(d)


def _prod_grad(x, d):
    """The product of the other factors along d: prefix times suffix products, exact with any zeros."""
    if x.shape[d] == 0:
        return x
    return _exclusive_cumprod(x, d) * _exclusive_cumprod(x.flip(d), d).flip(d)


def prod(x, out, dim, keepdim):
    """d(prod) over one dim, or over everything when dim is None (done on the flattened input)."""
    def backward(g):
        if x.dim() == 0:
            return (_cast(g, x),)
        if dim is None:
            return (_cast((g * _prod_grad(x.reshape(-1), 0)).reshape(x.shape), x),)
        return (_cast(_keep(g, x.dim(), (dim,), keepdim) * _prod_grad(x, dim), x),)
    return backward, (x,)


# -- max, min, amax, amin, aminmax ------------------------------------------------------
def indexed(x, outputs, d, keepdim):
    """d(max/min along d): the gradient goes to the returned index only."""
    indices = outputs[1]

    def backward(g, _g_indices=None):
        if x.dim() == 0:
            return (g,)
        from ._creation import arange
        view = [1] * x.dim()
        view[d] = x.shape[d]
        positions = arange(x.shape[d], device=x.device).reshape(view)
        hit = _keep(indices, x.dim(), (d,), keepdim) == positions
        return (_keep(g, x.dim(), (d,), keepdim).where(hit, 0.0),)
    return backward, (indices,)


def _spread(x, out, g, dims, keepdim, nan_wins: bool):
    """g shared evenly among the elements equal to the result (ties split, as torch)."""
    out_k = _keep(out, x.dim(), dims, keepdim)
    hit = x == out_k
    if nan_wins:
        hit = hit | (x.isnan() & out_k.isnan())
    return _keep(g, x.dim(), dims, keepdim) * hit / _sum_kept(hit, dims)


def extreme_all(x, out):
    """d(max()/min() of every element): ties share the gradient; a NaN result sends it to the NaNs."""
    dims = tuple(range(x.dim()))

    def backward(g):
        return (_spread(x, out, g, dims, False, True),)
    return backward, (x, out)


def amaxmin(x, out, dims, keepdim):
    """d(amax/amin): ties share the gradient evenly."""
    def backward(g):
        return (_spread(x, out, g, dims, keepdim, False),)
    return backward, (x, out)


def aminmax(x, outputs, dims, keepdim):
    """d(aminmax): each result's gradient shared among its ties."""
    lo, hi = outputs

    def backward(g_lo, g_hi):
        parts = [_spread(x, o, g, dims, keepdim, False) for o, g in ((lo, g_lo), (hi, g_hi)) if g is not None]
        return (parts[0] + parts[1] if len(parts) == 2 else parts[0] if parts else None,)
    return backward, (x, lo, hi)


# -- var, std, var_mean, std_mean ---------------------------------------------------------
def _var_grad(x, g_k, dims, correction):
    """d(var) times g: 2 (x - mean) g / max(N - correction, 0)."""
    denom = max(_count(x.shape, dims) - correction, 0)
    centered = x - (x.mean(dim=tuple(dims), keepdim=True) if dims else x)
    return centered * g_k * (2.0 / denom) if denom else centered * g_k * 2.0 / 0.0


def _std_to_var(g_k, std_k):
    """g through the square root: g / (2 std), and 0 where std is 0 (as torch)."""
    flat = std_k == 0
    return (g_k / (std_k.where(~flat, 1.0) * 2)).where(~flat, 0.0)


def _moments(x, result, g, g_mean, dims, keepdim, correction, root: bool):
    grad = None
    if g is not None:
        g_k = _keep(g, x.dim(), dims, keepdim)
        if root:
            g_k = _std_to_var(g_k, _keep(result, x.dim(), dims, keepdim))
        grad = _var_grad(x, g_k, dims, correction)
    if g_mean is not None:
        gm = _keep(g_mean, x.dim(), dims, keepdim).expand(x.shape) / _count(x.shape, dims)
        grad = gm if grad is None else grad + gm
    return grad


def moments(x, outputs, dims, keepdim, correction, root: bool):
    """d(var/std), or d(var_mean/std_mean) when outputs is a (result, mean) pair."""
    pair = isinstance(outputs, tuple)
    result = outputs[0] if pair else outputs
    saved = (x, result) if root else (x,)

    def backward(g, g_mean=None):
        return (_moments(x, result, g, g_mean, dims, keepdim, correction, root),)
    return backward, saved


# -- norm, logsumexp ----------------------------------------------------------------------
def _nonzero_base(x):
    """|x| with zeros replaced by 1, so powers of it stay finite (and differentiable) everywhere."""
    return x.abs().where(x != 0, 1.0)


def norm(x, out, p, dims, keepdim):
    """d(vector p-norm): p = 2, 1, +-inf, 0 or general p; 0 where the norm is 0 (as torch)."""
    def backward(g):
        nd = x.dim()
        g_k, out_k = _keep(g, nd, dims, keepdim), _keep(out, nd, dims, keepdim)
        if p == 0:
            return (None,)
        if p == 1:
            return (_cast(g_k * x.sign(), x),)
        if p == 2:
            return (_cast(g_k * x / out_k.where(out_k != 0, 1.0), x),)
        if math.isinf(p):
            hit = x.abs() == out_k
            return (_cast(g_k * x.sign() * hit / _sum_kept(hit, dims), x),)
        safe_out = out_k.where(out_k != 0, 1.0)
        term = x.sign() * _nonzero_base(x).pow(p - 1) / safe_out.pow(p - 1)
        return (_cast((g_k * term).where(out_k != 0, 0.0), x),)
    saved = () if p == 0 else (x,) if p == 1 else (x, out)
    return backward, saved


def logsumexp(x, out, dims, keepdim):
    """d(logsumexp): the softmax of x over dims, times g."""
    def backward(g):
        nd = x.dim()
        return (_cast(_keep(g, nd, dims, keepdim) * (x - _keep(out, nd, dims, keepdim)).exp(), x),)
    return backward, (x, out)


# -- scans ------------------------------------------------------------------------------
def _reverse_cumsum(t, d):
    return t.flip(d).cumsum(d).flip(d)


def cumsum(x, out, d):
    """d(cumsum): the reversed running sum of the gradient."""
    def backward(g):
        return (_cast(g if x.dim() == 0 else _reverse_cumsum(g, d), x),)
    return backward, ()


def _cumprod_grad(x, out, g, d, depth: int):
    """Exact with zeros: before the first zero, reverse-cumsum(g * out) / x; at it, the explicit sum; after
    it, x[first zero] times the same gradient of x with that zero set to 1 (``depth`` levels deep, else 0)."""
    zero = x == 0
    seen = zero.cumsum(d)
    before, first = seen == 0, zero & (seen == 1)
    after = (seen >= 1) & ~first
    safe = x.where(before, 1.0)
    plain = _reverse_cumsum(g * out, d) / safe
    # at the first zero z: prod(x[<z]) * sum_{j>=z} g_j * prod(x[z<k<=j])
    tail = x.where(after, 1.0).cumprod(d)
    at_first = safe.prod(d, keepdim=True) * (g * tail).where(seen >= 1, 0.0).sum(d, keepdim=True)
    if depth > 1:
        # 0 in value, but its derivative with respect to the first zero is the gradient without that zero
        unzeroed = x.where(~first, 1.0)
        z_value = x.where(first, 0.0).sum(d, keepdim=True)
        later = z_value * _cumprod_grad(unzeroed, unzeroed.cumprod(d), g, d, depth - 1)
    else:
        later = 0.0
    return plain.where(before, at_first.where(first, later))


def cumprod(x, out, d):
    """d(cumprod), exact also when the input has zeros (its second derivative too)."""
    def backward(g):
        if x.dim() == 0:
            return (_cast(g, x),)
        return (_cast(_cumprod_grad(x, out, g, d, 2 if is_grad_enabled() else 1), x),)
    return backward, (x, out)
