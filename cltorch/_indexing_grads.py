"""Backward formulas of indexing, gather/scatter and sorting, written with differentiable Tensor ops.

Each maker returns ``(backward, saved)``: ``backward(grad)`` gives one
gradient (or None) per differentiable input, and ``saved`` lists exactly the
tensors it reads. The formulas are the usual adjoint pairs (gather <->
scatter_add, index_select <-> index_add, getitem <-> index_put with
accumulate, masked_select <-> masked_scatter), so ``create_graph=True``
differentiates them again. Repeated indices accumulate because scatter_add,
index_add and accumulating index_put sum every repeat (deterministically).
"""
from __future__ import annotations

from . import _dtype
from ._index_checks import validated_indices
from ._shape_utils import broadcast_shapes
from ._view_grads import embed, sum_to, zeros_for
from .autograd.graph import needs_grad, record
from .ops.layout import contiguous_strides


class _Spec:
    """The shape and dtype of an input that wants a gradient (kept instead of the tensor itself)."""

    __slots__ = ("_shape", "dtype")

    def __init__(self, t):
        self._shape, self.dtype = t._shape, t.dtype

    def numel(self) -> int:
        n = 1
        for s in self._shape:
            n *= s
        return n


def _spec(x):
    """A _Spec of x when it is a tensor that requires grad, else None (no gradient to compute)."""
    return _Spec(x) if getattr(x, "requires_grad", False) else None


def track(name: str, out, inputs, maker, *args):
    """Record out's backward, built by maker(*args) -> (backward, saved), when an input requires grad."""
    if needs_grad(*inputs):
        backward, saved = maker(*args)
        record(name, out, inputs, backward, saved)
    return out


def inplace_needs_grad(self, *others) -> bool:
    """True when an in-place write into self must go through autograd (only floating self can carry it)."""
    return self.dtype.is_floating_point and needs_grad(self, *others)


def pad_to(t, shape):
    """t in the leading corner of zeros of shape (a source larger than its index gets zeros elsewhere)."""
    shape = tuple(shape)
    if t._shape == shape:
        return t
    return embed(t, shape, t._shape, contiguous_strides(shape), 0, "SliceBackward0")


def corner(t, shape):
    """The leading corner of t with the given shape, as a differentiable view."""
    shape = tuple(shape)
    if t._shape == shape:
        return t
    return t[tuple(slice(0, n) for n in shape)]


def _as(g, like):
    """g reshaped (same element count) and cast to like's (a tensor's or _Spec's) shape and dtype."""
    if g._shape != like._shape:
        g = g.reshape(like._shape)
    return g if g.dtype is like.dtype else g.to(like.dtype)


def _long(index):
    return index if index.dtype is _dtype.int64 else index.long()


def _mask(cond, like):
    """A bool condition as 0/1 values of like's dtype."""
    return cond.to(like.dtype)


def validated(backward):
    """backward run with index range checks skipped: the forward checked the index it saved
    (autograd refuses a saved tensor changed since), so re-checking would only wait on the device."""
    def run(*grads):
        with validated_indices():
            return backward(*grads)
    return run


def not_implemented(message: str, exc=RuntimeError):
    """A backward that raises torch's 'derivative ... is not implemented' error."""
    def backward(*grads):
        raise exc(message)
    return backward, ()


# -- gather, take, index_select --------------------------------------------------------
def gather(input, dim: int, index):
    """d gather: the gradient scatter-added back to the positions read."""
    shape = input._shape

    def backward(g):
        return (zeros_for(shape, g).scatter_add(dim, _long(index), g),)
    return validated(backward), (index,)


def take(input, index):
    """d take: the flat gradient index-added at the (wrapped) flat positions."""
    shape, n = input._shape, input.numel()

    def backward(g):
        flat = zeros_for((n,), g)
        if g.numel():
            idx = index.reshape(-1).remainder(n)
            flat = flat.index_add(0, idx, g.reshape(-1))
        return (flat.reshape(shape),)
    return validated(backward), (index,)


def index_select(input, dim: int, index):
    """d index_select: the gradient's slices index-added back along dim."""
    shape = input._shape

    def backward(g):
        return (zeros_for(shape, g).index_add(dim, index, g),)
    return validated(backward), (index,)


# -- index_add, index_copy, index_fill ---------------------------------------------------
def index_add(input, dim: int, index, source, alpha):
    """d index_add: the gradient itself for input, its selected slices (times alpha) for source."""
    want_input, source = _spec(input), _spec(source)

    def backward(g):
        gs = None
        if source:
            gs = g.index_select(dim, index)
            gs = _as(gs if alpha == 1 else gs * alpha, source)
        return (g if want_input else None, gs)
    return validated(backward), (index,)


def index_copy(input, dim: int, index, source):
    """d index_copy: the gradient with overwritten slices zeroed; source gets the selected slices."""
    want_input, source = _spec(input), _spec(source)

    def backward(g):
        gi = g.index_fill(dim, index, 0) if want_input else None
        gs = _as(g.index_select(dim, index), source) if source else None
        return gi, gs
    return validated(backward), (index,)


def index_fill(input, dim: int, index, value):
    """d index_fill: zeros at the filled slices; a tensor value gets the sum over them."""
    want_input, value = _spec(input), _spec(value)

    def backward(g):
        kept = g.index_fill(dim, index, 0)
        gv = _as((g - kept).sum(), value) if value else None
        return (kept if want_input else None, gv)
    return validated(backward), (index,)


# -- masked_* ----------------------------------------------------------------------------
def masked_fill(input, mask, value):
    """d masked_fill: zeros where filled (summed over broadcast dims); a tensor value gets their sum."""
    shape, want_input, value = input._shape, _spec(input), _spec(value)

    def backward(g):
        gi = sum_to(g.masked_fill(mask, 0), shape) if want_input else None
        gv = _as(g.masked_fill(~mask, 0).sum(), value) if value else None
        return gi, gv
    return backward, (mask,)


def masked_select(input, mask):
    """d masked_select: the 1-D gradient scattered back where mask is True."""
    shape = input._shape
    full = broadcast_shapes(shape, mask._shape)

    def backward(g):
        return (sum_to(zeros_for(full, g).masked_scatter(mask, g), shape),)
    return backward, (mask,)


def masked_scatter(input, mask, source):
    """d masked_scatter: zeros where written for input; the selected gradient (then zeros) for source."""
    shape, want_input, source = input._shape, _spec(input), _spec(source)

    def backward(g):
        gi = sum_to(g.masked_fill(mask, 0), shape) if want_input else None
        gs = None
        if source:
            gs = _as(pad_to(g.masked_select(mask), (source.numel(),)), source)
        return gi, gs
    return backward, (mask,)


# -- scatter family --------------------------------------------------------------------------
def scatter(input, dim: int, index, src):
    """d scatter (src or value): zeros where overwritten; src gets the gradient at its target."""
    want_input, src = _spec(input), _spec(src)

    def backward(g):
        gi = g.scatter(dim, index, 0.0) if want_input else None
        gs = pad_to(g.gather(dim, index), src._shape) if src else None
        return gi, gs
    return validated(backward), (index,)


def scatter_add(input, dim: int, index, src):
    """d scatter_add: the gradient itself for input; src gets the gradient at its target."""
    want_input, src = _spec(input), _spec(src)

    def backward(g):
        gs = pad_to(g.gather(dim, index), src._shape) if src else None
        return (g if want_input else None), gs
    return validated(backward), (index,)


def scatter_reduce(input, dim: int, index, src, reduce: str, include_self: bool, result):
    """d scatter_reduce for sum, mean, amax/amin (ties share evenly) and prod (zeros included)."""
    want_input, want_src, src_shape = _spec(input), _spec(src), src._shape
    reads = (index,)
    if reduce not in ("sum", "mean"):  # these read the values; sum and mean keep no tensor but index
        reads = (index, input, src) + ((result,) if reduce != "prod" else ())
    else:
        input = src = None

    def backward(g):
        if reduce in ("sum", "mean"):
            gi, gp = _sum_mean_grads(g, dim, index, reduce, include_self)
        elif reduce == "prod":
            gi, gp = _prod_grads(g, input, dim, index, corner(src, index._shape), include_self)
        else:
            gi, gp = _extreme_grads(g, input, dim, index, corner(src, index._shape), include_self, result)
        return (gi if want_input else None), (pad_to(gp, src_shape) if want_src else None)
    return validated(backward), reads


def _hits(like, dim, index):
    """How many sources each element of like's shape receives (as like's dtype)."""
    ones = zeros_for(index._shape, like) + 1
    return zeros_for(like._shape, like).scatter_add(dim, index, ones)


def _sum_mean_grads(g, dim, index, reduce, include_self):
    if reduce == "mean":
        count = _hits(g, dim, index)
        g = g / (count + 1 if include_self else count).clamp(min=1)
    gi = g if include_self else g.scatter(dim, index, 0.0)
    return gi, g.gather(dim, index)


def _extreme_grads(g, input, dim, index, part, include_self, result):
    at_src = _mask(part == result.gather(dim, index), g)
    if include_self:
        at_self = _mask(input == result, g)
    else:
        at_self = _mask(_hits(g, dim, index) == 0, g)
    count = at_self.scatter_add(dim, index, at_src)
    share = g / count
    return share * at_self, share.gather(dim, index) * at_src


def _prod_grads(g, input, dim, index, part, include_self):
    """Each factor's gradient is g times the product of the other factors at its target, zeros included."""
    src_zero = part == 0
    ones_src = part.masked_fill(src_zero, 1)
    if include_self:
        self_zero = input == 0
        ones_self = input.masked_fill(self_zero, 1)
        zeros = _mask(self_zero, g)
    else:
        ones_self = zeros_for(input._shape, g) + 1
        zeros = zeros_for(input._shape, g)
    nonzero_prod = ones_self.scatter_reduce(dim, index, ones_src, "prod")
    zeros = zeros.scatter_add(dim, index, _mask(src_zero, g))

    def others(is_zero, factor, n_zero, prod):
        return (prod / factor) * _mask((~is_zero) & (n_zero == 0), g) + prod * _mask(is_zero & (n_zero == 1), g)

    gp = g.gather(dim, index) * others(src_zero, ones_src, zeros.gather(dim, index), nonzero_prod.gather(dim, index))
    if include_self:
        gi = g * others(self_zero, ones_self, zeros, nonzero_prod)
    else:
        gi = g.scatter(dim, index, 0.0)
    return gi, gp


# -- getitem, index_put ------------------------------------------------------------------
def key_tensors(key) -> tuple:
    """The tensors inside an indexing key (saved so that in-place changes to them are caught)."""
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(k for k in parts if hasattr(k, "_shape"))


def index(input, key, put):
    """d input[key] (advanced): the gradient put back at key with accumulation (repeats add up)."""
    shape = input._shape

    def backward(g):
        return (put(zeros_for(shape, g), key, g, True),)
    return validated(backward), key_tensors(key)


def index_put(input, key, values, accumulate: bool, put):
    """d index_put: input keeps the gradient (zeroed at key unless accumulating); values get grad[key]."""
    want_input, values = _spec(input), _spec(values)

    def backward(g):
        gi = None
        if want_input:
            gi = g if accumulate else put(g, key, 0.0, False)
        gv = value_grad(g[key], values) if values else None
        return gi, gv
    return validated(backward), key_tensors(key)


def value_grad(g, values):
    """Sum a gradient at the indexing result's shape back to the (broadcast) values' shape."""
    vshape = values._shape
    shape = vshape
    while len(shape) > g.dim() and shape[0] == 1:
        shape = shape[1:]
    g = sum_to(g, shape)
    return _as(g, values)


# -- sorting ----------------------------------------------------------------------------------
def sort_like(input, dim: int, indices, keepdim: bool = True):
    """d sort/topk/kthvalue: the gradient scattered back to each value's original position."""
    shape = input._shape

    def backward(g, *_):
        if not shape:
            return (g,)
        idx = indices
        if not keepdim:
            g, idx = g.unsqueeze(dim), idx.unsqueeze(dim)
        return (zeros_for(shape, g).scatter(dim, idx, g),)
    return validated(backward), (indices,)
