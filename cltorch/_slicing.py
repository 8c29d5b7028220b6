"""Views that pick parts of a tensor: narrow, select, unbind and the split family."""
from __future__ import annotations

import operator
from collections.abc import Sequence

from . import _dtype
from ._registry import register
from ._view_ops import alias_view, wrap_dim
from .tensor import Tensor

__all__ = ["narrow", "select", "unbind", "split", "chunk", "tensor_split", "hsplit", "vsplit", "dsplit"]


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
    return slice_dim(input, d, start, length)


def slice_dim(t: Tensor, d: int, start: int, length: int) -> Tensor:
    """The view of t's elements start..start+length along dim d (no checks)."""
    shape = list(t._shape)
    shape[d] = length
    return alias_view(t, shape, t._stride, t._offset + start * t._stride[d])


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
    return alias_view(input, input._shape[:d] + input._shape[d + 1:], input._stride[:d] + input._stride[d + 1:],
                      input._offset + index * input._stride[d])


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """All slices along dim, as a tuple of views."""
    if input.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, input.dim())
    return tuple(select(input, d, i) for i in range(input._shape[d]))


def _split_sizes(input: Tensor, sizes, d: int) -> tuple:
    pieces, start = [], 0
    for n in sizes:
        pieces.append(slice_dim(input, d, start, n))
        start += n
    return tuple(pieces)


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
        return _split_sizes(tensor, sizes, d)
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
        return _split_sizes(input, [small + (i < extra) for i in range(spec)], d)
    bounds, pieces = [0] + spec + [length], []
    for a, b in zip(bounds[:-1], bounds[1:]):
        a = min(max(a + length if a < 0 else a, 0), length)
        b = min(max(b + length if b < 0 else b, 0), length)
        pieces.append(slice_dim(input, d, a, max(b - a, 0)))
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


for _fn in (narrow, select, unbind, chunk, tensor_split, hsplit, vsplit, dsplit):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.split = _split_method
Tensor.split_with_sizes = _split_with_sizes

register("split_with_sizes", "views", forms=("method",))
register("narrow select unbind split chunk tensor_split hsplit vsplit dsplit", "views")
