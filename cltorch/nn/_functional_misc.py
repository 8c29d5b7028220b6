"""Shape and regularisation functions of ``cltorch.nn.functional``: dropout, pad, normalize, distances, bilinear.

Dropout draws its mask with Philox and applies it in one kernel (dropout.cl);
the backward redraws the same mask from the saved (seed, counter) instead of
keeping it. The others compose differentiable tensor ops.
"""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from .. import _creation, _dtype, _einsum, _promotion
from .. import _elementwise as _ew
from .. import random as _random
from .._tensor_autograd import adopt_inplace
from .._view_ops import broadcast_tensors
from ..autograd.grad_mode import no_grad
from ..autograd.graph import needs_grad, record
from ..ops import dropout as dropout_ops
from ..ops.layout import is_dense
from ..tensor import Tensor, _alloc

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout", "pad",
           "normalize", "cosine_similarity", "pairwise_distance", "bilinear"]

# -SELU's negative saturation value, lambda * alpha
_ALPHA = 1.7580993408473766


# -- dropout -------------------------------------------------------------------------------
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply_mask(x: Tensor, seed: int, base: int, keep_p: float, affine: tuple, nmask: int, name: str) -> Tensor:
    """x * (keep ? scale : 0) + shift with the mask named by (seed, base); the backward redraws it."""
    if not is_dense(x):
        x = x.contiguous()
    out = _alloc(x._shape, x.dtype, x.device)
    inner = x.numel() // nmask if nmask else 0
    dropout_ops.dropout(out, x, seed, base, keep_p, *affine, nmask, inner)
    if needs_grad(x):
        linear = (affine[0], 0.0, 0.0)
        record(name, out, (x,), lambda g: (_apply_mask(g, seed, base, keep_p, linear, nmask, name),))
    return out


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, mask_dims: int, alpha: bool,
             name: str) -> Tensor:
    """Shared body: a mask over the first mask_dims dims (all dims: elementwise), scaled or alpha-shifted."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_promotion.torch_name(input.dtype)}")
    if p == 1:
        keep_p, affine = 0.0, (0.0, 0.0, 0.0)  # torch multiplies by zero, so NaN stays NaN
    elif alpha:
        a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        keep_p, affine = 1.0 - p, (a, _ALPHA * a * p, _ALPHA * a * p - _ALPHA * a)
    else:
        keep_p, affine = 1.0 - p, (1.0 / (1.0 - p), 0.0, 0.0)
    nmask = math.prod(input.shape[:mask_dims])
    seed, base = _random.default_generator.take(dropout_ops.blocks_needed(nmask))
    if inplace and not needs_grad(input):
        if is_dense(input):
            dropout_ops.dropout(input, input, seed, base, keep_p, *affine, nmask, input.numel() // nmask)
            input._bump_version()
            return input
        return input.copy_(_apply_mask(input, seed, base, keep_p, affine, nmask, name))
    result = _apply_mask(input, seed, base, keep_p, affine, nmask, name)
    return adopt_inplace(input, result) if inplace else result


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p)."""
    return _dropout(input, p, training, inplace, input.dim(), False, "NativeDropoutBackward0")


def _feature_dims(input: Tensor, batched: bool) -> int:
    needed = 2 if batched else 1
    if input.dim() < needed:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return needed


def _warn_unusual_dims(spatial: int, ndim: int) -> None:
    """torch's deprecation warning when dropout2d/3d gets other than (spatial + 1)- or (spatial + 2)-D input."""
    if ndim not in (spatial + 1, spatial + 2):
        fn = f"dropout{spatial}d"
        warnings.warn(f"{fn}: Received a {ndim}-D input to {fn}, which is deprecated and will result in an error "
                      "in a future release. To retain the behavior and silence this warning, please use dropout "
                      f"instead. Note that {fn} exists to provide channel-wise dropout on inputs with {spatial} "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability p."""
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                           "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    dims = _feature_dims(input, input.dim() == 3)
    return _dropout(input, p, training, inplace, dims, False, "MulBackward0")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability p."""
    _check_p(p)
    ndim = input.dim()
    _warn_unusual_dims(2, ndim)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _dropout(input, p, training, inplace, _feature_dims(input, True), False, "MulBackward0")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    _check_p(p)
    ndim = input.dim()
    _warn_unusual_dims(3, ndim)
    dims = _feature_dims(input, ndim == 5)
    return _dropout(input, p, training, inplace, dims, False, "MulBackward0")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU activations at zero mean and unit variance."""
    return _dropout(input, p, training, inplace, input.dim(), True, "AddBackward0")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """alpha_dropout with one mask value per channel."""
    return _dropout(input, p, training, inplace, _feature_dims(input, True), True, "AddBackward0")


# -- pad -----------------------------------------------------------------------------------
_MODES = ("constant", "reflect", "replicate", "circular")
_LETTERS = "DHW"


def _pad_list(pad) -> list:
    out = []
    for i, v in enumerate(pad):
        if isinstance(v, Tensor):
            v = v.item()
        if isinstance(v, (float, np.floating, bool)):
            raise TypeError(f"pad(): argument 'pad' failed to unpack the object at pos {i + 1} with error "
                            f"\"type must be tuple of ints,but got {type(v).__name__}\"")
        out.append(int(v))
    return out


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the last len(pad) // 2 dims (pad lists (left, right) from the last dim backwards)."""
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    pads = _pad_list(pad)
    if mode != "constant" and value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pads) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pads)} and input of dimension {input.dim()}")
    if mode == "constant":
        return _pad_constant(input, pads, 0 if value is None else value)
    return _pad_index(input, pads, mode)


def _pad_constant(x: Tensor, pads: list, value) -> Tensor:
    shape = list(x.shape)
    new, starts = list(shape), []
    for j in range(len(pads) // 2):
        d = x.dim() - 1 - j
        left, right = pads[2 * j], pads[2 * j + 1]
        kept = shape[d] - max(-left, 0) - max(-right, 0)
        if kept < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        new[d] = kept + max(left, 0) + max(right, 0)
        starts.append((d, max(-left, 0), max(left, 0), kept))
    if x.dtype is _dtype.bool_:
        value = bool(value)
    elif not x.dtype.is_floating_point:
        value = int(value.item() if isinstance(value, Tensor) else value)
    with no_grad():
        out = _creation.full(new, value, dtype=x.dtype, device=x.device)
        src, dst = x.detach(), out
        for d, src_start, dst_start, kept in starts:
            src, dst = src.narrow(d, src_start, kept), dst.narrow(d, dst_start, kept)
        if src.numel():
            dst.copy_(src)
    if needs_grad(x):
        # the adjoint of a constant pad is the pad with negated amounts (cropping what was added)
        record("ConstantPadNdBackward0", out, (x,), lambda g: (_pad_constant(g, [-p for p in pads], 0),))
    return out


_SUPPORTED = ("Supported combinations for non-constant padding:\n"
              "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
              "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
              "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _check_index_pad(x: Tensor, pads: list, mode: str) -> None:
    k, shape = len(pads) // 2, list(x.shape)
    if k not in (1, 2, 3) or x.dim() not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pads)} is not supported for {x.dim()}D input tensor.\n"
                                  + _SUPPORTED)
    pairs = [(x.dim() - 1 - j, pads[2 * j], pads[2 * j + 1]) for j in range(k)]
    if mode == "circular":
        for d, left, right in pairs:
            center = shape[d] - max(-left, 0) - max(-right, 0)
            if left > shape[d] or right > shape[d] or (center <= 0 < max(left, right)):
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if center + max(left, 0) + max(right, 0) < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        return
    if 0 in shape[-(k + 1):]:
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {shape}")
    if mode == "reflect":
        for j, (d, left, right) in enumerate(pairs):
            if left >= shape[d] or right >= shape[d]:
                raise RuntimeError(f"Argument #{4 + 2 * j}: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({left}, {right}) at dimension {d} of input {shape}")
    outs = [shape[d] + left + right for d, left, right in pairs]
    if min(outs) < 1:
        letters = _LETTERS[3 - k:]
        sizes = ", ".join(f"{c}: {shape[d]}" for c, (d, _, _) in zip(letters, reversed(pairs)))
        calc = " ".join(f"{c}: {o}" for c, o in zip(letters, reversed(outs)))
        raise RuntimeError(f"input ({sizes}) is too small. Calculated output {calc}")


@functools.lru_cache(maxsize=256)
def _pad_indices(mode: str, size: int, left: int, right: int) -> tuple:
    """The source index of every output position along one padded dim."""
    k = np.arange(size + left + right) - left
    if mode == "reflect":
        k = np.abs(k)
        k = np.where(k > size - 1, 2 * (size - 1) - k, k)
    elif mode == "replicate":
        k = np.clip(k, 0, size - 1)
    else:
        start = max(-left, 0)
        center = size - start - max(-right, 0)
        k = start + (np.arange(size + left + right) - max(left, 0)) % max(center, 1)
    return tuple(int(i) for i in k)


def _pad_index(x: Tensor, pads: list, mode: str) -> Tensor:
    """reflect / replicate / circular: one index_select per padded dim (its backward sums the copies)."""
    _check_index_pad(x, pads, mode)
    out = x
    for j in range(len(pads) // 2):
        d = x.dim() - 1 - j
        left, right = pads[2 * j], pads[2 * j + 1]
        if left == 0 and right == 0:
            continue
        idx = _pad_indices(mode, x.shape[d], left, right)
        out = out.index_select(d, _creation.tensor(idx, dtype=_dtype.int64, device=x.device))
    return out if out is not x else x.clone()


# -- normalize and distances ---------------------------------------------------------------
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """x / max(||x||_p over dim, eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return _ew.div(input, denom, out=out)


def _float_common(x1: Tensor, x2: Tensor):
    dt = _promotion.result_type(x1, x2)
    if not dt.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{_promotion.torch_name(dt)}")
    return x1.to(dt), x2.to(dt)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along dim, after broadcasting."""
    x1, x2 = broadcast_tensors(*_float_common(x1, x2))
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    last = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, last, keepdim=keepdim)


# -- bilinear ------------------------------------------------------------------------------
def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias=None) -> Tensor:
    """y[..., o] = sum_ij input1[..., i] * weight[o, i, j] * input2[..., j] + bias[o]."""
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional (out, in1, in2), but got {weight.dim()} dims")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {weight.shape[2]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                           f"{weight.shape[0]}")
    out = _einsum.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out + bias if bias is not None else out
