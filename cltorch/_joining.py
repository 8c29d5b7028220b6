"""Joining tensors: cat and stack and their numpy-style variants.

Each input is copied (with dtype conversion) into its slice of one output
tensor, so a join costs one strided copy per input. The backward hands each
input its slice of the gradient, cast back to the input's dtype.
"""
from __future__ import annotations

from collections.abc import Sequence

from . import _promotion as P
from ._rearrange import check_no_overlap, out_target
from ._registry import mark_backward, register
from ._slicing import slice_dim
from ._view_grads import refuse_out_with_grad, track, zeros_for
from ._view_ops import atleast_1d, atleast_2d, atleast_3d, reshape, wrap_dim
from .ops import copy as copy_ops
from .tensor import Tensor

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack"]


def _tensor_list(tensors, fn: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(f"{fn}(): argument 'tensors' must be tuple of Tensors, not {type(tensors).__name__}")
    tensors = list(tensors)
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}")
    return tensors


def _common_device(tensors):
    dev = tensors[0].device
    for x in tensors[1:]:
        if x.device != dev:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{dev} and {x.device}!")
    return dev


def _output(out, shape, dtype, dev, inputs, fn: str) -> Tensor:
    if out is not None:
        if not P.can_cast(dtype, out.dtype):
            raise TypeError(f"{fn}(): input types can't be cast to the desired output type "
                               f"{P.torch_name(out.dtype)}")
        check_no_overlap(out, inputs, fn)
    return out_target(out, shape, dtype, dev, fn)


def _skipped(x: Tensor) -> bool:
    """torch's legacy rule: 1-D empty tensors are ignored by cat, whatever the other shapes."""
    return x.dim() == 1 and x._shape[0] == 0


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Concatenate tensors along an existing dim (inputs promoted to a common dtype)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dev = _common_device(tensors)
    dtype = P.result_type(*tensors)
    kept = [(i, x) for i, x in enumerate(tensors) if not _skipped(x)]
    if not kept:
        shape, d = (0,), 0
    else:
        ref = kept[0][1]
        d = wrap_dim(dim, ref.dim())
        for i, x in kept:
            if x.dim() != ref.dim():
                raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.dim()} and {x.dim()}")
            for k in range(ref.dim()):
                if k != d and x._shape[k] != ref._shape[k]:
                    raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                       f"{ref._shape[k]} but got size {x._shape[k]} for tensor number {i} in the "
                                       f"list.")
        shape = list(ref._shape)
        shape[d] = sum(x._shape[d] for _, x in kept)
    refuse_out_with_grad("cat", out, *tensors)
    result = _output(out, shape, dtype, dev, tensors, "torch.cat")
    start, spans = 0, {}
    for i, x in kept:
        n = x._shape[d]
        if n:
            copy_ops.copy_into(slice_dim(result, d, start, n), x)
        spans[i] = (start, n)
        start += n
    if out is not None:
        out._bump_version()
        return result
    dtypes = [x.dtype for x in tensors]

    def backward(g):
        return tuple(_as(g.narrow(d, *spans[i]), dt) if i in spans else zeros_for((0,), g).to(dt)
                     for i, dt in enumerate(dtypes))
    return track("CatBackward0", result, tensors, backward)


def _as(g: Tensor, dtype) -> Tensor:
    """g in dtype (a differentiable cast when it differs)."""
    return g if g.dtype is dtype or not dtype.is_floating_point else g.to(dtype)


def concat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Alias of cat."""
    return cat(tensors, dim, out=out)


def concatenate(tensors, axis: int = 0, out=None, *, dim=None) -> Tensor:
    """Alias of cat (numpy's spelling, with axis)."""
    return cat(tensors, axis if dim is None else dim, out=out)


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equally shaped tensors along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]
    for i, x in enumerate(tensors):
        if x._shape != ref._shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref._shape)} at entry 0 "
                               f"and {list(x._shape)} at entry {i}")
    d = wrap_dim(dim, ref.dim() + 1)
    dev = _common_device(tensors)
    shape = ref._shape[:d] + (len(tensors),) + ref._shape[d:]
    refuse_out_with_grad("stack", out, *tensors)
    result = _output(out, shape, P.result_type(*tensors), dev, tensors, "stack")
    for i, x in enumerate(tensors):
        copy_ops.copy_into(_plane(result, d, i), x)
    if out is not None:
        out._bump_version()
        return result
    dtypes = [x.dtype for x in tensors]
    return track("StackBackward0", result, tensors,
                 lambda g: tuple(_as(g.select(d, i), dt) for i, dt in enumerate(dtypes)))


def _plane(t: Tensor, d: int, i: int) -> Tensor:
    """t's slice i along d, with that dim removed (a raw view to copy into)."""
    return Tensor._make(t._storage, t._offset + i * t._stride[d], t._shape[:d] + t._shape[d + 1:],
                        t._stride[:d] + t._stride[d + 1:], t.dtype, t.device)


def hstack(tensors, *, out=None) -> Tensor:
    """Concatenate column-wise: along dim 0 for 1-D inputs, dim 1 otherwise."""
    tensors = _tensor_list(tensors, "hstack")
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    parts = atleast_1d(tensors)
    return cat(parts, 0 if parts[0].dim() == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    """Concatenate row-wise (inputs made at least 2-D)."""
    tensors = _tensor_list(tensors, "vstack")
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(atleast_2d(tensors), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    """Concatenate depth-wise along dim 2 (inputs made at least 3-D)."""
    tensors = _tensor_list(tensors, "dstack")
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(atleast_3d(tensors), 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    """Stack 0-d/1-d inputs as columns (and concatenate 2-D ones) along dim 1."""
    tensors = _tensor_list(tensors, "column_stack")
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    cols = [reshape(x, (x.numel(), 1)) if x.dim() <= 1 else x for x in tensors]
    return cat(cols, 1, out=out)


register("cat concat concatenate stack hstack vstack row_stack dstack column_stack", "joining", forms=("function",))
mark_backward("cat concat concatenate stack hstack vstack row_stack dstack column_stack")
