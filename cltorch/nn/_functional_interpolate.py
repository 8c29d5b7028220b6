"""``interpolate`` and the ``upsample*`` aliases of ``cltorch.nn.functional``.

nearest, nearest-exact, linear (3-D input) and bilinear (4-D input) run one
kernel each way (cl_kernels/pool.cl); the source coordinates follow torch's
rules exactly, in the same float precision (float32 for nearest, the input's
compute type for linear), so the same input elements are picked. 'area' is
adaptive average pooling.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import _dtype
from ..ops import pool as pool_ops
from ..tensor import Tensor
from ._pool_core import LinearPair, require_float

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def _sizes(input: Tensor, size, scale_factor, mode: str, recompute_scale_factor):
    """(output sizes, scale factors or None) as torch resolves size / scale_factor."""
    dim = input.dim() - 2
    spatial = list(input._shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got input "
                                 f"with spatial dimensions of {spatial} and output size of {size}. Please provide "
                                 "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                                 "format.")
            out = list(size)
        else:
            out = [size] * dim
        for s in out:
            if not isinstance(s, numbers.Integral) or isinstance(s, bool):
                raise TypeError(f"interpolate(): size must be a tuple of ints, got {size!r}")
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return [int(s) for s in out], None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please "
                             "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, "
                             "...,sK) format.")
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * dim
    out = [math.floor(float(n) * s) for n, s in zip(spatial, scales)]
    if mode == "area" or recompute_scale_factor:
        return out, None
    return out, scales


def _check_sizes(input: Tensor, out) -> None:
    names = ("H", "W") if len(out) == 2 else ("W",)
    spatial = input._shape[2:]
    if min(spatial) <= 0 or min(out) <= 0:
        fmt = lambda v: ", ".join(f"{n}: {s}" for n, s in zip(names, v))  # noqa: E731
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({fmt(spatial)}) "
                           f"output ({fmt(out)})")
    if input._shape[1] == 0:
        raise RuntimeError(f"Non-empty {input.dim()}D data tensor expected but got a tensor with sizes "
                           f"{list(input._shape)}")


def _nearest_scale(n_in: int, n_out: int, scale) -> float:
    """torch's float32 step of nearest: 1/scale_factor when given, else in/out."""
    if scale is not None and scale > 0:
        return np.float32(1.0 / scale)
    return np.float32(n_in) / np.float32(n_out)


def _linear_scale(n_in: int, n_out: int, scale, align_corners: bool, ct):
    """torch's step of linear interpolation in the compute type ct (float32 or float64)."""
    if align_corners:
        return ct(n_in - 1) / ct(n_out - 1) if n_out > 1 else ct(0)
    if scale is not None and scale > 0:
        return ct(1.0 / scale)
    return ct(n_in) / ct(n_out)


def _resample(input: Tensor, out_sizes, scales, mode: str, align_corners: bool) -> Tensor:
    spatial = input.dim() - 2
    in_sizes = list(input._shape[2:])
    if spatial == 1:
        in_sizes, out_sizes = [1] + in_sizes, [1] + list(out_sizes)
        scales = None if scales is None else [None] + list(scales)
    sc = scales or [None, None]
    dims = tuple(in_sizes) + tuple(out_sizes)
    out_shape = tuple(input._shape[:2]) + tuple(out_sizes[2 - spatial:])
    if mode in ("nearest", "nearest-exact"):
        if not input.dtype.is_floating_point and input.dtype is not _dtype.uint8:
            require_float(input, f"upsample_{mode.replace('-', '_')}{spatial}d")
        step = [_nearest_scale(i, o, s) for i, o, s in zip(in_sizes, out_sizes, sc)]
        exact = mode == "nearest-exact"
        fwd = lambda o4, x4: pool_ops.nearest(o4, x4, dims, step, exact)  # noqa: E731
        bwd = lambda gi4, g4: pool_ops.nearest_backward(gi4, g4, dims, step, exact)  # noqa: E731
        stem = "UpsampleNearestExact" if exact else "UpsampleNearest"
    else:
        require_float(input, f"upsample_{mode}{spatial}d")
        ct = np.float64 if input.dtype is _dtype.float64 else np.float32
        step = [_linear_scale(i, o, s, align_corners, ct) for i, o, s in zip(in_sizes, out_sizes, sc)]
        fwd = lambda o4, x4: pool_ops.linear(o4, x4, dims, step, align_corners)  # noqa: E731
        bwd = lambda gi4, g4: pool_ops.linear_backward(gi4, g4, dims, step, align_corners)  # noqa: E731
        stem = "UpsampleBilinear" if spatial == 2 else "UpsampleLinear"
    name = f"{stem}{spatial}DBackward0"
    names = (name, name.replace("Backward0", "BackwardBackward0"))
    pair = LinearPair(fwd, bwd, input._shape, out_shape, spatial, names, input.dtype)
    return pair.forward(input)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False) -> Tensor:
    """Resize the spatial dims (N, C, W) or (N, C, H, W) to size, or by scale_factor."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    out, scales = _sizes(input, size, scale_factor, mode, recompute_scale_factor)
    if antialias and not (mode in ("bilinear", "bicubic") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and requires a 4-D tensor "
                         "as input")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported by cltorch yet")
    nd = input.dim()
    if mode == "area" and nd in (3, 4):
        from ._functional_pool import adaptive_avg_pool1d, adaptive_avg_pool2d
        return (adaptive_avg_pool1d if nd == 3 else adaptive_avg_pool2d)(input, out)
    if mode in ("nearest", "nearest-exact") and nd in (3, 4) or (mode, nd) in (("linear", 3), ("bilinear", 4)):
        _check_sizes(input, out)
        return _resample(input, out, scales, mode, bool(align_corners))
    if mode == "bilinear" and nd == 3:
        raise NotImplementedError("Got 3D input, but bilinear mode needs 4D input")
    if mode == "linear" and nd == 4:
        raise NotImplementedError("Got 4D input, but linear mode needs 3D input")
    if mode in ("bicubic", "trilinear", "lanczos") or nd == 5:
        raise NotImplementedError(f"interpolate(): mode '{mode}' on {nd}D input is not supported by cltorch yet")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {nd}D) for the modes: "
                              f"{_MODES} (got {mode})")


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners=None) -> Tensor:
    """Deprecated alias of interpolate."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate with mode='nearest'."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate with mode='bilinear', align_corners=True."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
