"""Shared machinery of the pooling and interpolation functions: plane views, argument
checks, and differentiable kernel pairs.

Every op here works on (N, C, H, W) "plane" views of its operands (unbatched
inputs get N = 1, 1-D ops H = 1), built without copying. A ``LinearPair`` is a
linear map A and its adjoint A^T, each one kernel: A records A^T as its
backward and A^T records A, so gradients of any order come from the same two
kernels (avg pooling and its backward, nearest/linear resampling and theirs,
max pooling's backward and the gather by argmax indices).
"""
from __future__ import annotations

import numbers

from .._promotion import torch_name
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor, _alloc


def planes(t: Tensor, spatial: int) -> Tensor:
    """t viewed as (N, C, H, W) without copying: unbatched gets N = 1, 1-D gets H = 1."""
    shape, st = list(t._shape), list(t._stride)
    if len(shape) == spatial + 1:
        shape, st = [1] + shape, [0] + st
    if spatial == 1:
        shape.insert(2, 1)
        st.insert(2, 0)
    return Tensor._make(t._storage, t._offset, tuple(shape), tuple(st), t.dtype, t.device)


def dense_planes(t: Tensor, spatial: int) -> Tensor:
    """planes() of t after making it dense (index tensors the kernels read flat)."""
    return planes(t.contiguous(), spatial)


def as_tuple(value, n: int, fn: str, what: str, allow_none: bool = False) -> tuple:
    """An int or a sequence of 1 or n ints as an n-tuple (torch's _single/_pair with its errors)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) in (1, n) and all(
            (allow_none and v is None) or (isinstance(v, numbers.Integral) and not isinstance(v, bool))
            for v in value):
        vals = tuple(None if v is None else int(v) for v in value)
        return vals * n if len(vals) == 1 else vals
    if n == 1:
        got = len(value) if isinstance(value, (tuple, list)) else type(value).__name__
        raise RuntimeError(f"{fn}() {what} must be an int, list of ints or tuple of ints of size 1 but got size {got}")
    raise RuntimeError(f"{fn}: {what} must either be a single int, or a tuple of two ints")


def require_float(t: Tensor, fn: str) -> None:
    """Raise torch's NotImplementedError for ops defined on floating types only."""
    if not t.dtype.is_floating_point:
        raise NotImplementedError(f"\"{fn}\" not implemented for '{torch_name(t.dtype)}'")


def out_shape(input: Tensor, spatial: int, size) -> tuple:
    """input's shape with its last `spatial` dims replaced by size (an output plane)."""
    return tuple(input._shape[:input.dim() - spatial]) + tuple(size[2 - spatial:])


class LinearPair:
    """A linear map (forward: input plane -> output plane) and its adjoint, as kernels.

    fwd(out4, x4) and bwd(gi4, g4) launch the kernels on plane views; the shapes
    are the full (unflattened) input and output shapes; names are the node names."""

    def __init__(self, fwd, bwd, in_shape, out_shape_, spatial: int, names, dtype):
        self.fwd, self.bwd = fwd, bwd
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape_)
        self.spatial, self.names, self.dtype = spatial, names, dtype

    def _run(self, launch, x: Tensor, shape, name: str, other) -> Tensor:
        out = _alloc(shape, x.dtype, x.device)
        if out.numel():
            launch(planes(out, self.spatial), planes(x, self.spatial))
        if needs_grad(x):
            record(name, out, (x,), lambda g: (other(g),))
        return out

    def forward(self, x: Tensor) -> Tensor:
        """A x (records A^T as its backward)."""
        return self._run(self.fwd, x, self.out_shape, self.names[0], self.backward)

    def backward(self, g: Tensor) -> Tensor:
        """A^T g (records A as its backward)."""
        if g.dtype is not self.dtype:
            g = g.to(self.dtype)
        return self._run(self.bwd, g, self.in_shape, self.names[1], self.forward)
