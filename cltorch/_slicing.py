"""Views that pick parts of a tensor: narrow, select, unbind, the split family, diagonal, unfold, as_strided.

The backward of a view that picks parts writes the gradient into the same
region of a zero tensor shaped like the input (``_view_grads.embed``); ops that
return several views record one node whose gradients are joined back.
"""
from __future__ import annotations

import operator
from collections.abc import Sequence

from . import _dtype
from ._registry import mark_backward, register
from ._shape_utils import parse_size
from ._view_grads import embed, strided_grad, track, zeros_for
from ._view_ops import alias_view, wrap_dim
from .ops.layout import contiguous_strides, numel
from .tensor import Tensor

__all__ = ["narrow", "select", "unbind", "split", "chunk", "tensor_split", "hsplit", "vsplit", "dsplit",
           "diagonal", "as_strided"]


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """The view input[..., start:start+length, ...] along dim; start may be negative."""
    if input.dim() == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    start, length = operator.index(start), operator.index(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = wrap_dim(dim, input.dim())
    size = input._shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if start > size - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return sliced(input, d, start, length)


def slice_dim(t: Tensor, d: int, start: int, length: int) -> Tensor:
    """The view of t's elements start..start+length along dim d (no checks, no autograd)."""
    shape = list(t._shape)
    shape[d] = length
    return alias_view(t, shape, t._stride, t._offset + start * t._stride[d])


def sliced(t: Tensor, d: int, start: int, length: int) -> Tensor:
    """slice_dim with autograd (SliceBackward0)."""
    in_shape = t._shape
    return track("SliceBackward0", slice_dim(t, d, start, length), (t,),
                 lambda g: (slice_grad(g, in_shape, d, start),))


def slice_grad(g: Tensor, in_shape, d: int, start: int, name: str = "SliceBackwardBackward0") -> Tensor:
    """Zeros of in_shape with g written at start along dim d."""
    cs = contiguous_strides(in_shape)
    return embed(g, in_shape, g._shape, cs, start * cs[d], name)


def select(input: Tensor, dim: int, index) -> Tensor:
    """The view input[..., index, ...] along dim, with that dim removed."""
    if input.dim() == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, input.dim())
    index, size = operator.index(index), input._shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input._shape)} at "
                         f"dimension {d}")
    index %= size
    in_shape = input._shape
    return track("SelectBackward0", _selected(input, d, index), (input,),
                 lambda g: (select_grad(g, in_shape, d, index),))


def _selected(input: Tensor, d: int, index: int) -> Tensor:
    return alias_view(input, input._shape[:d] + input._shape[d + 1:], input._stride[:d] + input._stride[d + 1:],
                      input._offset + index * input._stride[d])


def select_grad(g: Tensor, in_shape, d: int, index: int, name: str = "SelectBackwardBackward0") -> Tensor:
    """Zeros of in_shape with g written at index along dim d."""
    cs = contiguous_strides(in_shape)
    return embed(g, in_shape, g._shape, cs[:d] + cs[d + 1:], index * cs[d], name)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """All slices along dim, as a tuple of views."""
    if input.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, input.dim())
    pieces = tuple(_selected(input, d, i) for i in range(input._shape[d]))
    piece_shape = input._shape[:d] + input._shape[d + 1:]

    def backward(*grads):
        from ._joining import stack
        return (stack([zeros_for(piece_shape, _first(grads)) if g is None else g for g in grads], d),)
    return track("UnbindBackward0", pieces, (input,), backward) if pieces else pieces


def _first(grads) -> Tensor:
    return next(g for g in grads if g is not None)


def _split_sizes(input: Tensor, sizes, d: int, name: str = "SplitBackward0") -> tuple:
    """Consecutive views of the given sizes along d, recorded as one node with several outputs."""
    pieces, start = [], 0
    for n in sizes:
        pieces.append(slice_dim(input, d, start, n))
        start += n
    pieces = tuple(pieces)
    shapes = [p._shape for p in pieces]

    def backward(*grads):
        from ._joining import cat
        return (cat([zeros_for(s, _first(grads)) if g is None else g for g, s in zip(grads, shapes)], d),)
    return track(name, pieces, (input,), backward)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of consecutive pieces along dim: equal pieces of an int size (the last may be shorter) or a list."""
    if tensor.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, tensor.dim())
    length = tensor._shape[d]
    if isinstance(split_size_or_sections, Sequence):
        sizes = [operator.index(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
        if sum(sizes) != length:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
                               f"size at dimension {d}), but got split_sizes={sizes}")
        return _split_sizes(tensor, sizes, d, "SplitWithSizesBackward0")
    size = operator.index(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0 and length != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}")
    count = max((length + size - 1) // size, 1) if size else 1
    return _split_sizes(tensor, [min(size, length - i * size) for i in range(count)], d)


def _split_method(self: Tensor, split_size, dim: int = 0) -> tuple:
    """Tensor.split: see split."""
    return split(self, split_size, dim)


def _split_with_sizes(self: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Views of consecutive pieces of the given sizes along dim."""
    return split(self, list(split_sizes), dim)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into at most `chunks` views of ceil(size / chunks) along dim."""
    if input.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input.dim())
    length = input._shape[d]
    size = (length + chunks - 1) // chunks
    if length == 0:
        return _split_sizes(input, [0] * chunks, d)
    return split(input, size, d)


def _sections_arg(indices_or_sections, fn: str):
    if isinstance(indices_or_sections, Tensor):
        t = indices_or_sections
        if t.dtype is not _dtype.int64:
            raise RuntimeError(f"{fn} expected tensor_indices_or_sections to have integer dtype, but got "
                               f"{t.dtype}")
        if t.dim() > 1:
            raise RuntimeError(f"{fn} expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {t.dim()} dims")
        return t.tolist()  # the caller's own split points, as torch reads them
    if isinstance(indices_or_sections, Sequence):
        return [operator.index(i) for i in indices_or_sections]
    return operator.index(indices_or_sections)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views split along dim into n nearly equal sections, or at the given indices."""
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    spec = _sections_arg(indices_or_sections, "tensor_split")
    d = wrap_dim(dim, input.dim())
    length = input._shape[d]
    if isinstance(spec, int):
        if spec <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {spec}")
        small, extra = divmod(length, spec)
        sizes = [small + (i < extra) for i in range(spec)]
        starts = [sum(sizes[:i]) for i in range(spec)]
        return tuple(sliced(input, d, a, n) for a, n in zip(starts, sizes))
    bounds, pieces = [0] + spec + [length], []
    for a, b in zip(bounds[:-1], bounds[1:]):
        a = min(max(a + length if a < 0 else a, 0), length)
        b = min(max(b + length if b < 0 else b, 0), length)
        pieces.append(sliced(input, d, a, max(b - a, 0)))
    return tuple(pieces)


def _directional_split(name: str, min_dim: int, dim_of):
    def fn(input: Tensor, indices_or_sections) -> tuple:
        if input.dim() < min_dim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension"
                               f"{'s' if min_dim > 1 else ''}, but got a tensor with {input.dim()} dimensions!")
        d = dim_of(input)
        spec = _sections_arg(indices_or_sections, name)
        if isinstance(spec, int) and spec != 0 and input._shape[d] % spec:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the "
                               f"dimension {input._shape[d]} is not divisible by the split_size {spec}!")
        return tensor_split(input, spec, d)
    fn.__name__ = name
    fn.__doc__ = f"tensor_split along dimension {name[0]} (as numpy.{name})."
    return fn


hsplit = _directional_split("hsplit", 1, lambda x: 0 if x.dim() == 1 else 1)
vsplit = _directional_split("vsplit", 2, lambda x: 0)
dsplit = _directional_split("dsplit", 3, lambda x: 2)


# -- strided views: as_strided, unfold, diagonal ---------------------------------------
def _storage_check(t: Tensor, shape, stride, offset: int) -> None:
    if len(shape) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {list(shape)} and {list(stride)}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = 0 if numel(shape) == 0 else (offset + sum((n - 1) * s for n, s in zip(shape, stride)) + 1)
    need *= t.dtype.itemsize
    if need > t._storage.nbytes:
        raise RuntimeError(f"as_strided: sizes {list(shape)}, strides {list(stride)} and storage offset {offset} "
                           f"need {need} bytes of storage (itemsize {t.dtype.itemsize}), out of bounds for a "
                           f"storage of {t._storage.nbytes} bytes")


def as_strided(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """A view of input's storage with the given sizes, strides and offset (in elements)."""
    size, stride = parse_size((size,), "as_strided"), parse_size((stride,), "as_strided")
    offset = input._offset if storage_offset is None else operator.index(storage_offset)
    _storage_check(input, size, stride, offset)
    geometry = (input._shape, input._stride, input._offset)
    return track("AsStridedBackward0", alias_view(input, size, stride, offset), (input,),
                 lambda g: (strided_grad(g, geometry, size, stride, offset),))


def _unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """A view of every window of length size along dimension, taken step apart (a new last dim)."""
    d = wrap_dim(dimension, self.dim())
    length = self._shape[d] if self.dim() else 1
    st = self._stride[d] if self.dim() else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    shape, stride = list(self._shape), list(self._stride)
    if self.dim():
        shape[d], stride[d] = (length - size) // step + 1, st * step
    in_shape = self._shape
    return track("UnfoldBackward0", alias_view(self, shape + [size], stride + [st]), (self,),
                 lambda g: (_unfold_grad(g, in_shape, d, size, step),))


def _unfold_grad(g: Tensor, in_shape, d: int, size: int, step: int) -> Tensor:
    """Sum the windows' gradients back: window elements at most step apart never overlap, so
    the window dim is taken in groups of step, each one strided write into zeros."""
    if not in_shape:
        return g.sum()
    cs = contiguous_strides(in_shape)
    win_shape = list(g._shape[:-1])
    win_stride = list(cs)
    win_stride[d] = cs[d] * step
    total = None
    for start in range(0, max(size, 1), step):
        m = min(step, size - start)
        part = embed(g.narrow(-1, start, m), in_shape, win_shape + [m], win_stride + [cs[d]], start * cs[d],
                     "UnfoldBackwardBackward0")
        total = part if total is None else total + part
    return total


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the diagonal over dim1 and dim2, appended as the last dim."""
    n = input.dim()
    a, b = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = operator.index(offset)
    sa, sb = input._shape[a], input._shape[b]
    length = max(min(sa, sb - offset) if offset >= 0 else min(sa + offset, sb), 0)
    start = input._offset
    if length:
        start += offset * input._stride[b] if offset >= 0 else -offset * input._stride[a]
    keep = [d for d in range(n) if d not in (a, b)]
    out = alias_view(input, [input._shape[d] for d in keep] + [length],
                     [input._stride[d] for d in keep] + [input._stride[a] + input._stride[b]], start)
    in_shape = input._shape
    return track("DiagonalBackward0", out, (input,), lambda g: (diagonal_grad(g, in_shape, offset, a, b),))


def diagonal_grad(g: Tensor, in_shape, offset: int, a: int, b: int, name: str = "DiagonalBackwardBackward0"):
    """Zeros of in_shape with g (the diagonal, last dim) written onto the offset diagonal of dims a and b."""
    cs = contiguous_strides(in_shape)
    keep = [d for d in range(len(in_shape)) if d not in (a, b)]
    start = 0 if not g._shape[-1] else offset * cs[b] if offset >= 0 else -offset * cs[a]
    return embed(g, in_shape, g._shape, [cs[d] for d in keep] + [cs[a] + cs[b]], start, name)




for _fn in (narrow, select, unbind, chunk, tensor_split, hsplit, vsplit, dsplit, diagonal, as_strided):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.split = _split_method
Tensor.split_with_sizes = _split_with_sizes
Tensor.unfold = _unfold

register("split_with_sizes unfold", "views", forms=("method",))
register("narrow select unbind split chunk tensor_split hsplit vsplit dsplit as_strided diagonal", "views")
mark_backward("narrow select unbind split split_with_sizes chunk tensor_split hsplit vsplit dsplit as_strided "
              "diagonal unfold")
