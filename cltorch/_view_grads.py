"""Autograd for views and shape ops: recording, strided embedding and a view's regenerated history.

Backward formulas of the shape ops live beside the ops; this module holds what
they share: ``track`` (record when an input requires grad), ``sum_to`` (undo a
broadcast), ``embed`` (a differentiable "zeros with g written into a strided
region", the backward of every view that picks parts), ``strided_grad`` (the
backward of as_strided over raw storage) and the ``grad_fn`` property that,
as torch does, gives a view fresh history after its base was written in place.
"""
from __future__ import annotations

import itertools

from .autograd.graph import needs_grad, record
from .ops import copy as copy_ops
from .ops import fill as fill_ops
from .ops.layout import contiguous_strides, numel
from .tensor import Tensor, _alloc


def track(name: str, out, inputs, backward):
    """Record backward under name on out (a tensor or tuple) when an input requires grad; return out."""
    if needs_grad(*inputs):
        record(name, out, inputs, backward)
    return out


def track_view(name: str, view: Tensor, input: Tensor) -> Tensor:
    """Record any strided view of input (e.g. a basic-indexing result) with the as_strided backward."""
    geometry = (input._shape, input._stride, input._offset)
    size, stride, offset = view._shape, view._stride, view._offset
    return track(name, view, (input,), lambda g: (strided_grad(g, geometry, size, stride, offset),))


def refuse_out_with_grad(fn: str, out, *inputs) -> None:
    """torch's error for out= while an input requires grad."""
    if out is not None and needs_grad(*inputs):
        raise RuntimeError(f"{fn}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def zeros_for(shape, like: Tensor) -> Tensor:
    """A constant zero tensor with like's dtype and device (stands in for a missing gradient)."""
    out = _alloc(shape, like.dtype, like.device)
    fill_ops.fill(out, 0)
    return out


def sum_to(g: Tensor, shape) -> Tensor:
    """Sum a gradient of a broadcast (expanded) result back to shape."""
    shape = tuple(shape)
    if g._shape == shape:
        return g
    lead = g.dim() - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and g._shape[lead + i] != 1)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    return g.reshape(shape) if g._shape != shape else g


def non_overlapping(size, stride) -> bool:
    """True when no two indices of (size, stride) reach the same element (a sufficient test)."""
    reach = 0
    for n, s in sorted(((n, s) for n, s in zip(size, stride) if n > 1), key=lambda p: p[1]):
        if s <= reach:
            return False
        reach += (n - 1) * s
    return True


def embed(g: Tensor, shape, size, stride, offset: int, name: str) -> Tensor:
    """Zeros of shape with g written into the region (size, stride, offset) of its dense layout.

    The region must not overlap itself. Differentiable: the gradient is the region's part.
    """
    out = zeros_for(shape, g)
    if numel(size):
        region = Tensor._make(out._storage, out._offset + offset, tuple(size), tuple(stride), out.dtype, out.device)
        copy_ops.copy_into(region, g)
    size, stride = tuple(size), tuple(stride)
    return track(name, out, (g,), lambda gg: (dense_region(gg, size, stride, offset),))


def dense_region(t: Tensor, size, stride, offset: int) -> Tensor:
    """The region (size, stride, offset) of t's dense row-major layout, as a differentiable view."""
    from ._slicing import as_strided
    t = t.contiguous()
    return as_strided(t, size, stride, t._offset + offset)


def _extent(shape, stride, offset):
    return offset, offset + sum((n - 1) * s for n, s in zip(shape, stride)) + 1


def strided_grad(g: Tensor, inp_geometry, size, stride, offset: int) -> Tensor:
    """Gradient of inp for out = as_strided(inp, size, stride, offset), geometries in storage elements.

    Each storage element gets the sum of the gradients of the output elements
    that read it; an input element receives its storage element's share (split
    evenly when the input itself reads an element several times, as torch does).
    """
    in_shape, in_stride, in_offset = inp_geometry
    size, stride = list(size), list(stride)
    if numel(size) == 0 or numel(in_shape) == 0:
        return zeros_for(in_shape, g)
    bcast = tuple(d for d, (n, s) in enumerate(zip(size, stride)) if s == 0 and n > 1)
    if bcast:
        g = g.sum(dim=bcast, keepdim=True)
        for d in bcast:
            size[d] = 1
    out_lo, out_hi = _extent(size, stride, offset)
    in_lo, in_hi = _extent(in_shape, in_stride, in_offset)
    flat = non_overlapping(size, stride)
    dense_in = all(n == 1 or s == c for n, s, c in zip(in_shape, in_stride, contiguous_strides(in_shape)))
    if flat and dense_in and in_lo <= out_lo and out_hi <= in_hi:
        return embed(g, in_shape, size, stride, offset - in_offset, "AsStridedBackwardBackward0")
    lo, hi = min(in_lo, out_lo), max(in_hi, out_hi)
    buf = accumulate(g, hi - lo, size, stride, offset - lo)
    if not non_overlapping(in_shape, in_stride):
        ones = _alloc(in_shape, g.dtype, g.device)
        fill_ops.fill(ones, 1)
        buf = buf / accumulate(ones, hi - lo, in_shape, in_stride, in_offset - lo).clamp(min=1)
    return dense_region(buf, in_shape, in_stride, in_offset - lo)


_MAX_PASSES = 64


def accumulate(g: Tensor, n: int, size, stride, offset: int) -> Tensor:
    """A length-n tensor where each position sums the elements of g that (size, stride, offset) maps there.

    The dims that keep the geometry free of overlap are written in one strided
    pass; the other dims are looped over, one pass (an embed and an add) per
    index, so the result stays differentiable with plain ops. Geometries that
    would need more than 64 passes scatter-add through index_add instead.
    """
    if non_overlapping(size, stride):
        return embed(g, (n,), size, stride, offset, "AsStridedBackwardBackward0")
    keep, reach = [], 0
    for d in sorted(range(len(size)), key=lambda d: stride[d]):
        if size[d] == 1 or stride[d] > reach:
            keep.append(d)
            reach += (size[d] - 1) * stride[d]
    loop = [d for d in range(len(size)) if d not in keep]
    if numel([size[d] for d in loop]) > _MAX_PASSES:
        return _scatter_add(g.reshape(-1), _positions(n, size, stride, offset, g), n)
    keep.sort()
    total = None
    for index in itertools.product(*(range(size[d]) for d in loop)):
        piece, start = g, offset
        for d, i in sorted(zip(loop, index), reverse=True):
            piece, start = piece.select(d, i), start + i * stride[d]
        part = embed(piece, (n,), [size[d] for d in keep], [stride[d] for d in keep], start,
                     "AsStridedBackwardBackward0")
        total = part if total is None else total + part
    return total


def _positions(n: int, size, stride, offset: int, like: Tensor) -> Tensor:
    """The flat positions in [0, n) that a (size, stride, offset) geometry reads, as an int64 tensor."""
    from . import _dtype
    from ._creation import arange
    ramp = arange(n, dtype=_dtype.int64, device=like.device)
    picked = Tensor._make(ramp._storage, ramp._offset + offset, tuple(size), tuple(stride), ramp.dtype, ramp.device)
    return picked.reshape(-1)


def _scatter_add(values: Tensor, positions: Tensor, n: int) -> Tensor:
    """A length-n tensor where position p holds the sum of the values at p (differentiable in values)."""
    return zeros_for((n,), values).index_add(0, positions, values)


# -- a view's history after in-place writes to its base --------------------------------
def _regenerate(view: Tensor):
    """Make view's grad_fn read its values from its base's current history (torch's AsStridedBackward0)."""
    base = view._base
    geometry = (base._shape, base._stride, base._offset)
    size, stride, offset = view._shape, view._stride, view._offset
    record("AsStridedBackward0", view, (base,), lambda g: (strided_grad(g, geometry, size, stride, offset),))
    return view._grad_fn


def _get_grad_fn(self):
    try:
        fn = self._grad_fn
    except AttributeError:  # a tensor made before this property existed
        return self.__dict__.get("grad_fn")
    base = self._base
    if (base is not None and self._grad_fn_version != self._version_counter.value and self.requires_grad
            and base.requires_grad):
        fn = _regenerate(self)
    return fn


def _set_grad_fn(self, fn) -> None:
    self._grad_fn = fn
    self._grad_fn_version = self._version_counter.value


def keep_history_current(t: Tensor) -> None:
    """Note that t's grad_fn already accounts for t's latest version (after an in-place change of t)."""
    t._grad_fn_version = t._version_counter.value


Tensor.grad_fn = property(_get_grad_fn, _set_grad_fn,
                          doc="The node that made this tensor (None for leaves); a view whose base was written "
                              "in place gets one that reads the base's new history.")
