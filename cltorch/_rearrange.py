"""Ops that rearrange elements into a new tensor: repeat, tile, flip, roll, tril/triu, diag.

Most are one strided copy (ops/copy.copy_into) from a cleverly strided view:
flip reads through negative strides, repeat through stride-0 dims, roll and
diag copy between narrowed or diagonal views. tril/triu have their own kernel.
Each records its backward (flip, roll back, sum the repeats, ...) beside it.
"""
from __future__ import annotations

import itertools
import operator
import warnings
from collections.abc import Sequence

from ._registry import mark_backward, register
from ._shape_utils import parse_size
from ._slicing import diagonal as diagonal_view, diagonal_grad, slice_dim
from ._view_grads import refuse_out_with_grad, track
from ._view_ops import reshape, wrap_dim
from .autograd.grad_mode import no_grad
from .autograd.graph import needs_grad
from .ops import copy as copy_ops
from .ops import fill as fill_ops
from .ops import shape as shape_ops
from .ops.layout import contiguous_strides
from .tensor import Tensor, _alloc

__all__ = ["tile", "flip", "fliplr", "flipud", "roll", "tril", "triu", "diag", "diag_embed"]


def _raw(t: Tensor, shape, stride, offset) -> Tensor:
    """An internal read-only operand over t's storage (may have negative strides)."""
    return Tensor._make(t._storage, offset, tuple(shape), tuple(stride), t.dtype, t.device)


def out_target(out: Tensor | None, shape, dtype, dev, fn: str) -> Tensor:
    """The tensor a result is written to: a new one, or out (resized as torch does when its shape differs)."""
    if out is None:
        return _alloc(shape, dtype, dev)
    if out.device != dev:
        raise RuntimeError(f"{fn}: Expected out tensor to be on device {dev}, but got {out.device}")
    shape = tuple(shape)
    if out._shape != shape:
        if out.numel() != 0:
            warnings.warn(f"{fn}: the out= tensor of shape {list(out._shape)} was resized to the result's shape "
                          f"{list(shape)}; PyTorch deprecates resizing a non-empty out= tensor, pass an empty one.",
                          UserWarning, stacklevel=3)
        fresh = _alloc(shape, out.dtype, dev)
        out._storage, out._offset, out._shape, out._stride = fresh._storage, 0, shape, fresh._stride
    return out


def check_no_overlap(out: Tensor, inputs, fn: str) -> None:
    for i, x in enumerate(inputs):
        if x._storage is out._storage:
            raise RuntimeError(f"{fn}(): unsupported operation: input tensor {i} shares memory with the out= tensor")


# -- repeat and tile -------------------------------------------------------------------
def _repeat(self: Tensor, *repeats) -> Tensor:
    """Tile the tensor repeats[i] times along each dim (new leading dims allowed); always a copy."""
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    repeats = parse_size(repeats, "repeat")
    if len(repeats) < self.dim():
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           f"of tensor; repeats {list(repeats)}, tensor sizes {list(self._shape)}")
    lead = len(repeats) - self.dim()
    shape = (1,) * lead + self._shape
    stride = (0,) * lead + self._stride
    out_shape = tuple(r * s for r, s in zip(repeats, shape))
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(repeats)}: {list(repeats)}")
    out = _alloc(out_shape, self.dtype, self.device)
    # View the output as (r0, s0, r1, s1, ...) and read the source with stride 0 on each r.
    dst_shape, dst_stride, src_stride = [], [], []
    for r, s, st, ost in zip(repeats, shape, stride, contiguous_strides(out_shape)):
        dst_shape += [r, s]
        dst_stride += [s * ost, ost]
        src_stride += [0, st]
    copy_ops.copy_into(_raw(out, dst_shape, dst_stride, 0), self, tuple(src_stride))
    in_shape = self._shape
    return track("RepeatBackward0", out, (self,), lambda g: (_repeat_grad(g, in_shape, repeats),))


def _repeat_grad(g: Tensor, in_shape, repeats) -> Tensor:
    """Sum the copies: view the gradient as (r0, s0, r1, s1, ...) and sum over the r dims."""
    lead = len(repeats) - len(in_shape)
    shape = (1,) * lead + tuple(in_shape)
    split = [n for r, s in zip(repeats, shape) for n in (r, s)]
    return g.reshape(split).sum(dim=tuple(range(0, len(split), 2))).reshape(in_shape)


def tile(input: Tensor, dims) -> Tensor:
    """repeat, with dims padded with leading ones when shorter than input.dim()."""
    dims = parse_size((dims,), "tile")
    return _repeat(input, *((1,) * (input.dim() - len(dims)) + dims))


# -- flip and roll ---------------------------------------------------------------------
def flip(input: Tensor, dims) -> Tensor:
    """A copy with the order of elements reversed along each of dims."""
    dims = tuple(dims) if isinstance(dims, Sequence) else (dims,)
    wrapped = [wrap_dim(d, input.dim()) for d in dims]
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    out = _alloc(input._shape, input.dtype, input.device)
    if input.dim() == 0 or input.numel() == 0:
        copy_ops.copy_into(out, input)
    else:
        stride, offset = list(input._stride), input._offset
        for d in wrapped:
            offset += (input._shape[d] - 1) * stride[d]
            stride[d] = -stride[d]
        copy_ops.copy_into(out, _raw(input, input._shape, stride, offset))
    dims = tuple(wrapped)
    return track("FlipBackward0", out, (input,), lambda g: (g.flip(dims),))


def _flip_method(self: Tensor, *dims) -> Tensor:
    """Tensor.flip(*dims) or flip(dims)."""
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and isinstance(dims[0], Sequence):
        dims = tuple(dims[0])
    return flip(self, dims)


def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dim 1) of a tensor with at least 2 dims."""
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dim 0) of a tensor with at least 1 dim."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along dims (of the flattened tensor when dims is None)."""
    shifts = tuple(shifts) if isinstance(shifts, Sequence) else (shifts,)
    shifts = tuple(operator.index(s) for s in shifts)
    with no_grad():
        out = _roll(input, shifts, dims)
    back = tuple(-s for s in shifts)
    return track("RollBackward0", out, (input,), lambda g: (g.roll(back, dims),))


def _roll(input: Tensor, shifts, dims) -> Tensor:
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        flat = _roll(reshape(input, (-1,)), shifts, 0)
        return Tensor._make(flat._storage, 0, input._shape, contiguous_strides(input._shape), flat.dtype,
                            flat.device, flat._version_counter)
    dims = tuple(dims) if isinstance(dims, Sequence) else (dims,)
    if len(shifts) != len(dims) or not dims:
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    total = {}
    for s, d in zip(shifts, dims):
        d = wrap_dim(d, input.dim(), scalar_ok=False)
        total[d] = total.get(d, 0) + s
    out = _alloc(input._shape, input.dtype, input.device)
    if input.numel() == 0 or input.dim() == 0:
        copy_ops.copy_into(out, input)
        return out
    # Each rolled dim splits into two blocks; copy every combination of blocks once.
    pieces = []
    for d, s in total.items():
        n = input._shape[d]
        s %= n
        pieces.append([(d, src, dst, m) for src, dst, m in ((0, s, n - s), (n - s, 0, s)) if m])
    for combo in itertools.product(*pieces):
        src, dst = input, out
        for d, src_start, dst_start, m in combo:
            src, dst = slice_dim(src, d, src_start, m), slice_dim(dst, d, dst_start, m)
        copy_ops.copy_into(dst, src)
    return out


# -- triangles and diagonals -----------------------------------------------------------
def _triangle(name: str, upper: bool):
    node = name.capitalize() + "Backward0"

    def fn(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
        if input.dim() < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        diagonal = operator.index(diagonal)
        if out is not None and out.dtype is not input.dtype:
            raise RuntimeError(f"Expected out tensor to have dtype {input.dtype}, but got {out.dtype} instead")
        if out is not None:
            check_no_overlap(out, [input], name)
            refuse_out_with_grad(name, out, input)
        target = out_target(out, input._shape, input.dtype, input.device, name)
        shape_ops.triangle(target, input, upper, diagonal)
        if out is not None:
            out._bump_version()
            return target
        return track(node, target, (input,), lambda g: (fn(g, diagonal),))

    def fn_(self: Tensor, diagonal: int = 0) -> Tensor:
        if self.dim() < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        if needs_grad(self):
            from ._tensor_autograd import adopt_inplace
            return adopt_inplace(self, fn(self.clone(), diagonal))
        shape_ops.triangle_(self, upper, operator.index(diagonal))
        self._bump_version()
        return self

    fn.__name__, fn_.__name__ = name, name + "_"
    side = "upper" if upper else "lower"
    fn.__doc__ = f"A copy keeping the {side} triangle (relative to diagonal) of the last two dims, zeros elsewhere."
    fn_.__doc__ = f"In-place {name}: zero the elements outside the {side} triangle."
    return fn, fn_


tril, tril_ = _triangle("tril", False)
triu, triu_ = _triangle("triu", True)


def diag(input: Tensor, diagonal: int = 0, *, out=None) -> Tensor:
    """1-D input: a square matrix with input on the given diagonal; 2-D input: a copy of that diagonal."""
    k = operator.index(diagonal)
    if out is not None:
        check_no_overlap(out, [input], "diag")
    in_shape = input._shape
    if input.dim() == 1:
        n = input._shape[0] + abs(k)
        target = out_target(out, (n, n), input.dtype, input.device, "diag")
        fill_ops.fill(target, 0)
        copy_ops.copy_into(_raw_diagonal(target, k, 0, 1), input)
        name, backward = "DiagEmbedBackward0", lambda g: (g.diagonal(k),)
    elif input.dim() == 2:
        src = _raw_diagonal(input, k, 0, 1)
        target = out_target(out, src._shape, input.dtype, input.device, "diag")
        copy_ops.copy_into(target, src)
        name = "DiagonalBackward0_copy"
        backward = lambda g: (diagonal_grad(g, in_shape, k, 0, 1, "DiagonalBackward0_copyBackward0"),)
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")
    if out is not None:
        out._bump_version()
        return target
    return track(name, target, (input,), backward)


def _raw_diagonal(t: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:
    """The diagonal view, without autograd (an operand of a copy)."""
    with no_grad():
        return diagonal_view(t, offset, dim1, dim2)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Tensors whose (dim1, dim2) planes hold input's last dim on the offset diagonal, zeros elsewhere."""
    n = input.dim() + 1
    a, b = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = operator.index(offset)
    m = (input._shape[-1] if input.dim() else 1) + abs(offset)
    rest = iter(input._shape[:-1])
    shape = [m if d in (a, b) else next(rest) for d in range(n)]
    out = _alloc(shape, input.dtype, input.device)
    fill_ops.fill(out, 0)
    src = _raw(input, (1,), (1,), input._offset) if input.dim() == 0 else input
    copy_ops.copy_into(_raw_diagonal(out, offset, a, b), src)
    in_shape = input._shape
    return track("DiagEmbedBackward0", out, (input,), lambda g: (g.diagonal(offset, a, b).reshape(in_shape),))


Tensor.repeat = _repeat
def _tile_method(self: Tensor, *dims) -> Tensor:
    """Tensor.tile(*dims) or tile(dims): see tile."""
    return tile(self, parse_size(dims, "tile"))


Tensor.tile = _tile_method
Tensor.flip = _flip_method
for _fn in (fliplr, flipud, roll, tril, tril_, triu, triu_, diag, diag_embed):
    setattr(Tensor, _fn.__name__, _fn)

register("repeat tril_ triu_", "shape", forms=("method",))
register("tile flip fliplr flipud roll tril triu diag diag_embed", "shape")
mark_backward("repeat tile flip fliplr flipud roll tril triu tril_ triu_ diag diag_embed")
