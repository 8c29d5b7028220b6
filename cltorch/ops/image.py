"""Launchers for image.cl: dtype conversion with normalisation, resize and affine warps.

Inputs are read through explicit strides (so host layouts such as HWC, crops and
flips are read in place); outputs are dense tensors allocated by the caller.
"""
from __future__ import annotations

import numpy as np

from .layout import numel

_I64, _I32 = np.int64, np.int32


def _buf(t):
    return t._storage.buffer


def compute_tag(in_dtype, out_dtype) -> str:
    """The tag arithmetic runs in: float64 when either side is, float32 for other floats, int64 for int->int."""
    if "f64" in (in_dtype.tag, out_dtype.tag):
        return "f64"
    if in_dtype.is_floating_point or out_dtype.is_floating_point:
        return "f32"
    return "i64"


def _scalar(tag: str, value):
    if tag == "f64":
        return np.float64(value)
    if tag == "f32":
        return np.float32(value)
    return np.int64(int(value))


def convert(out, src, strides4, mode: int = 0, factor=1, params=None) -> None:
    """out (dense B,C,H,W) = normalise(rescale(src)); src is read at ``strides4`` (b, c, h, w) from its offset.

    mode 0 casts, 1 divides by factor, 2 multiplies, 3 floor-divides (integers);
    params, when given, is a dense tensor [mean_0..mean_C-1, std_0..std_C-1] of the compute dtype."""
    n = numel(out._shape)
    if n == 0:
        return
    _, C, H, W = out._shape
    tag = params.dtype.tag if params is not None else compute_tag(src.dtype, out.dtype)
    rt = out._storage.runtime
    k = rt.kernel("image.cl", "image_convert", {"IN": src.dtype.tag, "OUT": out.dtype.tag, "CT": tag})
    pbuf = _buf(params) if params is not None else _buf(out)
    rt.launch(k, n, _buf(out), _buf(src), _I64(src._offset), _I64(C), _I64(H), _I64(W),
              *(_I64(s) for s in strides4), _I32(mode), _scalar(tag, factor), _I32(params is not None), pbuf,
              _I64(n))


def _plane_args(src):
    """(offset, H, W, plane stride, row stride, column stride) of a (P, H, W) view."""
    _, H, W = src._shape
    sp, sh, sw = src._stride
    return _I64(src._offset), _I64(H), _I64(W), _I64(sp), _I64(sh), _I64(sw)


def resize(out, src, mode: int) -> None:
    """out (dense P,OH,OW) = src (P,H,W) resized; mode 0 nearest, 1 bilinear, 2 nearest-exact."""
    n = numel(out._shape)
    if n == 0:
        return
    _, H, W = src._shape
    _, OH, OW = out._shape
    tag = compute_tag(src.dtype, out.dtype) if src.dtype.tag == "f64" else "f32"
    rt = out._storage.runtime
    k = rt.kernel("image.cl", "image_resize", {"IN": src.dtype.tag, "OUT": out.dtype.tag, "CT": tag})
    rt.launch(k, n, _buf(out), _buf(src), *_plane_args(src), _I64(OH), _I64(OW), _scalar(tag, H / OH),
              _scalar(tag, W / OW), _I32(mode), _I64(n))


def warp(out, src, matrix, mode: int, channels: int, fill=None) -> None:
    """out (dense P,OH,OW) = src (P,H,W) sampled through the inverse affine ``matrix`` (6 numbers).

    mode 0 nearest, 1 bilinear; fill, when given, is a dense tensor of one value per channel
    (plane p has channel p % channels) in the compute dtype."""
    n = numel(out._shape)
    if n == 0:
        return
    _, OH, OW = out._shape
    tag = "f64" if src.dtype.tag == "f64" else "f32"
    rt = out._storage.runtime
    k = rt.kernel("image.cl", "image_warp", {"IN": src.dtype.tag, "OUT": out.dtype.tag, "CT": tag})
    m = [_scalar(tag, v) for v in matrix]
    rt.launch(k, n, _buf(out), _buf(src), *_plane_args(src), _I64(OH), _I64(OW), _I64(channels), *m, _I32(mode),
              _I32(fill is not None), _buf(fill) if fill is not None else _buf(out), _I64(n))

