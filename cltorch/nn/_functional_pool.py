"""Pooling functions of ``cltorch.nn.functional``: max/avg/adaptive/lp pooling and max-unpooling.

Each forward is one kernel (cl_kernels/pool.cl) over a plane view of the input,
so strided inputs are read in place; backwards are gather kernels (no atomics).
Interpolation lives in _functional_interpolate.
"""
from __future__ import annotations

from .. import _dtype
from .._promotion import torch_name
from ..autograd.graph import needs_grad, record
from ..ops import pool as pool_ops
from ..tensor import Tensor, _alloc
from ._functional_interpolate import *  # noqa: F403
from ._functional_interpolate import __all__ as _interp_all
from ._pool_core import LinearPair, as_tuple, dense_planes, out_shape, planes, require_float

__all__ = ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d",
           "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "max_unpool1d", "max_unpool2d", "lp_pool1d", "lp_pool2d"] + list(_interp_all)


# -- argument checks -----------------------------------------------------------------------
def _check_batch_dims(input: Tensor, spatial: int, fn: str) -> None:
    """torch's checks: (N,) C and the spatial dims; only the batch may be empty."""
    want = (2, 3) if spatial == 1 else (3, 4)
    lead = "max_pool1d: " if fn == "max_pool1d" else ""
    if input.dim() not in want or any(s == 0 for s in input._shape[input.dim() - spatial - 1:]):
        raise RuntimeError(f"{lead}Expected {want[0]}D or {want[1]}D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{list(input._shape)}")


def _output_size(size: int, k: int, pad: int, stride: int, dil: int, ceil_mode: bool) -> int:
    """Pooled length: the last window must start inside the input or the left padding."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > ((k - 1) * dil + 1) // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pad}, "
                           f"kernel_size={k} and dilation={dil}")
    span = size + 2 * pad - dil * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _check_max_pool1d(input, k, s, p, d, ceil_mode) -> None:
    """max_pool1d's own argument checks and messages (the other 1-D ops share the 2-D ones)."""
    for what, v, ok in (("kernel_size", k, k > 0), ("stride", s, s > 0), ("dilation", d, d > 0)):
        if not ok:
            raise RuntimeError(f"max_pool1d() {what} must be greater than zero, but got {v}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and "
                           f"kernel_size={k}")
    out = _output_size(input._shape[-1], k, p, s, d, ceil_mode)
    if out <= 0:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")


def _window(input, spatial, fn, kernel_size, stride, padding, dilation, ceil_mode):
    """(window tuple for pool.cl, dims (H, W, OH, OW)) after torch's argument checks."""
    n = spatial
    k = as_tuple(kernel_size, n, fn, "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else \
        as_tuple(stride, n, fn, "stride")
    p = as_tuple(padding, n, fn, "padding")
    d = as_tuple(dilation, n, fn, "dilation")
    if fn == "max_pool1d":
        _check_max_pool1d(input, k[0], s[0], p[0], d[0], ceil_mode)
    if n == 1:
        k, s, p, d = (1,) + k, (1,) + s, (0,) + p, (1,) + d
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} kW: {k[1]}")
    if 0 not in s and min(s) < 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {s[0]} dW: {s[1]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {d[0]} dilationW: {d[1]}")
    x4 = planes(input, spatial)
    H, W = x4._shape[2:]
    OH = _output_size(H, k[0], p[0], s[0], d[0], ceil_mode)
    OW = _output_size(W, k[1], p[1], s[1], d[1], ceil_mode)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = {p[1]}, "
                           f"padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")
    if OH < 1 or OW < 1:
        C = x4._shape[1]
        raise RuntimeError(f"Given input size: ({C}x{H}x{W}). Calculated output size: ({C}x{OH}x{OW}). "
                           "Output size is too small")
    window = (k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1])
    return window, (H, W, OH, OW)


def _name(spatial: int, stem: str) -> str:
    return f"{stem}{spatial}DBackward0" if spatial == 2 else "SqueezeBackward1"


# -- max pooling ---------------------------------------------------------------------------
def _max_pool(input, spatial, window, dims, adaptive: bool, name: str):
    """(values, int64 indices) of max pooling; the backward gathers by argmax."""
    shape = out_shape(input, spatial, dims[2:])
    out = _alloc(shape, input.dtype, input.device)
    idx = _alloc(shape, _dtype.int64, input.device)
    if out.numel():
        x4, o4, i4 = planes(input, spatial), planes(out, spatial), planes(idx, spatial)
        if adaptive:
            pool_ops.adaptive_max_pool(o4, i4, x4, dims)
        else:
            pool_ops.max_pool(o4, i4, x4, dims, window)
    if needs_grad(input):
        def scatter(gi4, g4):
            if adaptive:
                pool_ops.adaptive_max_pool_backward(gi4, g4, planes(idx, spatial), dims)
            else:
                pool_ops.max_pool_backward(gi4, g4, planes(idx, spatial), dims, window)

        def gather(o4, x4):
            pool_ops.plane_gather(o4, x4, planes(idx, spatial), dims)

        pair = LinearPair(gather, scatter, input._shape, shape, spatial, (name + "Backward", name + "Backward"),
                          input.dtype)
        record(name, out, (input,), lambda g: (pair.backward(g),), saved=(input, idx))
    return out, idx


def _max_pool_nd(input, spatial, fn, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _check_batch_dims(input, spatial, fn)
    window, dims = _window(input, spatial, fn, kernel_size, stride, padding, dilation, ceil_mode)
    out, idx = _max_pool(input, spatial, window, dims, False, _name(spatial, "MaxPool2DWithIndices"))
    return (out, idx) if return_indices else out


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling over (N, C, L) or (C, L); with return_indices also the argmax positions."""
    return _max_pool_nd(input, 1, "max_pool1d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling over (N, C, H, W) or (C, H, W); indices are flat per H * W plane."""
    return _max_pool_nd(input, 2, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool1d returning (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """max_pool2d returning (values, indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# -- average pooling -----------------------------------------------------------------------
def _avg_pool_nd(input, spatial, fn, kernel_size, stride, padding, ceil_mode, count_include_pad,
                 divisor_override):
    lo, hi = (2, 3) if spatial == 1 else (3, 4)
    if input.dim() < lo or input.dim() > hi:
        if spatial == 2 and input.dim() < lo:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{input.dim()}, "
                             f"{input.dim() - 1}], but got -3)")
        if spatial == 2:
            raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                               f"but got:{list(input._shape)}")
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument #1 "
                           "'self' (while checking arguments for avg_pool1d)")
    if spatial == 1 and isinstance(kernel_size, (tuple, list)) and len(kernel_size) != 1:
        raise RuntimeError(f"avg_pool1d() argument 'kernel_size' should contain one int (got {len(kernel_size)})")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    window, dims = _window(input, spatial, fn, kernel_size, stride, padding, 1, ceil_mode)
    div = int(divisor_override or 0)

    def fwd(o4, x4):
        pool_ops.avg_pool(o4, x4, dims, window, count_include_pad, div)

    def bwd(gi4, g4):
        pool_ops.avg_pool_backward(gi4, g4, dims, window, count_include_pad, div)

    name = _name(spatial, "AvgPool2D")
    pair = LinearPair(fwd, bwd, input._shape, out_shape(input, spatial, dims[2:]), spatial,
                      (name, "AvgPool2DBackwardBackward0"), input.dtype)
    return pair.forward(input)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling over (N, C, L) or (C, L)."""
    return _avg_pool_nd(input, 1, "avg_pool1d", kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-D average pooling; divisor_override replaces the window size as divisor."""
    return _avg_pool_nd(input, 2, "avg_pool2d", kernel_size, stride, padding, ceil_mode, count_include_pad,
                        divisor_override)


# -- adaptive pooling ----------------------------------------------------------------------
def _adaptive_dims(input, spatial, output_size, fn):
    """dims (H, W, OH, OW) for an adaptive pool after torch's checks (None keeps an input size)."""
    if spatial == 1:
        if isinstance(output_size, (tuple, list)) and len(output_size) != 1:
            raise RuntimeError(f"{fn}() argument 'output_size' should contain one int (got {len(output_size)})")
        if input.dim() not in (2, 3):
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional tensor for argument "
                               f"#1 'self' (while checking arguments for {fn})")
    else:
        if isinstance(output_size, (tuple, list)) and len(output_size) != 2:
            raise RuntimeError(f"{fn}: output_size must be 2")
        if input.dim() not in (3, 4):
            sep = ", but got:" if "max" in fn else ", but got"
            raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor{sep} {list(input._shape)}")
    size = as_tuple(output_size, spatial, fn, "output_size", allow_none=True)
    in_sp = input._shape[input.dim() - spatial:]
    size = tuple(i if s is None else s for s, i in zip(size, in_sp))
    if min(size) < 0:
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but received "
                           "{" + ", ".join(str(s) for s in size) + "}")
    for d in range(1, input.dim()):
        if input._shape[d] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input._shape)} with dimension {d} being empty")
    require_float(input, fn)
    x4 = planes(input, spatial)
    return x4._shape[2:] + ((1,) + size if spatial == 1 else size)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D adaptive average pooling to output_size."""
    return _adaptive_avg(input, 1, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D adaptive average pooling to output_size (an int, or a pair with None entries kept)."""
    return _adaptive_avg(input, 2, output_size, "adaptive_avg_pool2d")


def _adaptive_avg(input, spatial, output_size, fn):
    dims = _adaptive_dims(input, spatial, output_size, fn)

    def fwd(o4, x4):
        pool_ops.adaptive_avg_pool(o4, x4, dims)

    def bwd(gi4, g4):
        pool_ops.adaptive_avg_pool_backward(gi4, g4, dims)

    name = _name(spatial, "AdaptiveAvgPool2D")
    pair = LinearPair(fwd, bwd, input._shape, out_shape(input, spatial, dims[2:]), spatial,
                      (name, "AdaptiveAvgPool2DBackwardBackward0"), input.dtype)
    return pair.forward(input)


def _adaptive_max(input, spatial, output_size, return_indices, fn):
    dims = _adaptive_dims(input, spatial, output_size, fn)
    out, idx = _max_pool(input, spatial, None, dims, True, _name(spatial, "AdaptiveMaxPool2D"))
    return (out, idx) if return_indices else out


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """1-D adaptive max pooling (with return_indices also the argmax positions)."""
    return _adaptive_max(input, 1, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D adaptive max pooling (with return_indices also the flat argmax positions)."""
    return _adaptive_max(input, 2, output_size, return_indices, "adaptive_max_pool2d")


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool1d returning (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool2d returning (values, indices)."""
    return adaptive_max_pool2d(input, output_size, True)


# -- max unpooling -------------------------------------------------------------------------
def _unpool_size(input, spatial, kernel_size, stride, padding, output_size, fn):
    k = as_tuple(kernel_size, spatial, fn, "kernel_size")
    s = k if stride is None else as_tuple(stride, spatial, fn, "stride")
    p = as_tuple(padding, spatial, fn, "padding")
    default = [(input._shape[input.dim() - spatial + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(spatial)]
    if output_size is None:
        return tuple(default)
    size = list(output_size)
    if len(size) == spatial + 2:
        size = size[2:]
    if len(size) != spatial:
        raise ValueError(f"output_size should be a sequence containing {spatial} or {spatial + 2} elements, but it "
                         f"has a length of '{len(size)}'")
    for d in range(spatial):
        lo, hi = default[d] - s[d], default[d] + s[d]
        if not lo < size[d] < hi:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {lo} and {hi})')
    return tuple(int(v) for v in size)


def _max_unpool(input, indices, spatial, kernel_size, stride, padding, output_size, fn):
    size = _unpool_size(input, spatial, kernel_size, stride, padding, output_size, fn)
    if input.dim() not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"{fn}(): Expected {spatial + 1}D or {spatial + 2}D tensor, but got {list(input._shape)}")
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {torch_name(indices.dtype)}")
    if indices._shape != input._shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input._shape)}) but got indices tensor with shape: {list(indices._shape)}")
    idx4 = dense_planes(indices, spatial)
    in_dims = idx4._shape[2:]
    full = (1,) + size if spatial == 1 else size
    rt = input._runtime

    def fwd(o4, x4):
        o4.zero_()
        pool_ops.max_unpool(o4, x4, idx4, in_dims + full)
        if rt.take_error():
            lim = full[0] * full[1]
            host = indices.numpy()  # error path only: find the value to name in the message
            bad = int(host[(host < 0) | (host >= lim)].reshape(-1)[0])
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {full[0]}x{full[1]})")

    def bwd(gi4, g4):
        pool_ops.plane_gather(gi4, g4, idx4, full + in_dims)

    name = _name(spatial, "MaxUnpool2D")
    pair = LinearPair(fwd, bwd, input._shape, out_shape(input, spatial, full), spatial,
                      (name, "MaxUnpool2DBackwardBackward0"), input.dtype)
    return pair.forward(input)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Inverse of max_pool1d: values placed at their indices, zeros elsewhere."""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Inverse of max_pool2d: values placed at their flat per-plane indices, zeros elsewhere."""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d")


# -- power-average pooling -----------------------------------------------------------------
def _lp_pool(input, spatial, norm_type, kernel_size, stride, ceil_mode):
    k = as_tuple(kernel_size, spatial, f"lp_pool{spatial}d", "kernel_size")
    pool = avg_pool1d if spatial == 1 else avg_pool2d
    out = pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    area = k[0] * (k[1] if spatial == 2 else 1)
    return (out.sign() * out.abs().relu() * area).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type, kernel_size: int, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p)."""
    return _lp_pool(input, 1, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each 2-D window of x^p)^(1/p)."""
    return _lp_pool(input, 2, norm_type, kernel_size, stride, ceil_mode)
