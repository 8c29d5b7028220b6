"""Launchers for convolutions: im2col/col2im of conv.cl plus the batched GEMM of gemm.py.

Shapes are (N, C, *spatial) with one to three spatial dims. ``Geometry``
describes one convolution: the "image" side (the convolution's input, or a
transposed convolution's output) and the "column" side (one entry per window
position). Three routines cover forward and backward of both directions:

* ``conv_forward``      columns side from the image side   (conv, conv_transpose's input grad)
* ``conv_input_grad``   image side from the columns side   (conv's input grad, conv_transpose)
* ``conv_weight_grad``  weight gradient from both sides

Weights and biases must be dense; images and column-side tensors may have any
strides. The column matrix is built for a chunk of the batch at a time so it
stays under ``COL_BYTES``; the GEMM consumes batch and group strides directly.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import Storage
from .copy import copy_into
from .fill import fill
from .gemm import _View, gemm
from .layout import contiguous_strides, numel

COL_BYTES = 64 << 20  # upper bound of one column buffer (a chunk of the batch)


class Geometry:
    """One convolution's sizes per spatial dim: image, columns, kernel, stride, leading padding, dilation."""

    __slots__ = ("img", "col", "kernel", "stride", "padding", "dilation", "groups")

    def __init__(self, img, col, kernel, stride, padding, dilation, groups):
        self.img, self.col, self.kernel = tuple(img), tuple(col), tuple(kernel)
        self.stride, self.padding, self.dilation = tuple(stride), tuple(padding), tuple(dilation)
        self.groups = int(groups)

    @property
    def pointwise(self) -> bool:
        """A 1x1 convolution with stride 1 and no padding: the columns are the image itself."""
        return (all(k == 1 for k in self.kernel) and all(s == 1 for s in self.stride)
                and all(p == 0 for p in self.padding) and self.img == self.col)


def _pad3(values, fill_value) -> tuple:
    return (fill_value,) * (3 - len(values)) + tuple(values)


def _pack(g: Geometry, channels, nb, img_off, img_s, col_off, col_s) -> np.ndarray:
    """The conv_geom_t struct of conv.cl as an int64 array."""
    return np.array([channels, *_pad3(g.img, 1), *_pad3(g.col, 1), *_pad3(g.kernel, 1), *_pad3(g.stride, 1),
                     *_pad3(g.padding, 0), *_pad3(g.dilation, 1), nb, img_off, *img_s, col_off, *col_s],
                    dtype=np.int64)


def _img_strides(t) -> tuple:
    """t's (n, c, d, h, w) strides, missing leading spatial dims given stride 0."""
    return tuple(t._stride[:2]) + _pad3(t._stride[2:], 0)


def _merged(t):
    """(size, stride) of t's spatial dims merged into one, or None when they do not merge."""
    dims = [(s, st) for s, st in zip(t._shape[2:], t._stride[2:]) if s != 1]
    size = math.prod(t._shape[2:])
    if not dims:
        return size, 1
    stride = dims[-1][1]
    expected = stride * dims[-1][0]
    for s, st in reversed(dims[:-1]):
        if st != expected:
            return None
        expected = st * s
    return size, stride


def _flat(t):
    """t viewed as (N, C, L) with its spatial dims merged (a dense copy when they do not merge)."""
    merged = _merged(t)
    if merged is None:
        dense = _View(Storage(t._storage.runtime, numel(t._shape) * t.dtype.itemsize), 0, t._shape,
                      contiguous_strides(t._shape), t.dtype)
        copy_into(dense, t)
        t, merged = dense, _merged(dense)
    return _View(t._storage, t._offset, t._shape[:2] + (merged[0],), t._stride[:2] + (merged[1],), t.dtype)


def _chunk(n: int, per_image_bytes: int) -> int:
    """Images per column buffer: as many as fit in COL_BYTES, at least one."""
    return max(1, min(n, COL_BYTES // max(per_image_bytes, 1)))


def _mm(c, a, a_strides, b, b_strides, k, beta=0) -> None:
    """gemm over c's batch dims, dropping those of size 1 (no batch lets large problems pack B)."""
    nb = len(c._shape) - 2
    keep = [i for i in range(nb) if c._shape[i] != 1] + list(range(nb, nb + 2))
    pick = lambda seq: tuple(seq[i] for i in keep)  # noqa: E731
    gemm(_View(c._storage, c._offset, pick(c._shape), pick(c._stride), c.dtype), a, pick(a_strides),
         b, pick(b_strides), k, 1, beta)


def _rows_per_item(rt, rows: int) -> int:
    """Rows one work-item of im2col/col2im walks: a whole plane on CPUs, one row on GPUs."""
    return 1 if rt.variant == "gpu" else max(rows, 1)


def _launch_im2col(col, col_off, col_s, img, n0, nb, g: Geometry) -> None:
    rt = img._storage.runtime
    channels = img._shape[1]
    kv = math.prod(g.kernel)
    s = _img_strides(img)
    o = _pad3(g.col, 1)
    rpi = _rows_per_item(rt, o[0] * o[1])
    packed = _pack(g, channels, nb, img._offset + n0 * s[0], s, col_off, col_s)
    rt.launch(rt.kernel("conv.cl", "im2col", {"DT": img.dtype.tag}),
              channels * kv * nb * (-(-o[0] * o[1] // rpi)), col._storage.buffer, img._storage.buffer, packed,
              np.int64(rpi))


def _launch_col2im(img, n0, nb, col, col_off, col_s, g: Geometry, bias=None) -> None:
    rt = img._storage.runtime
    channels = img._shape[1]
    s = _img_strides(img)
    i = _pad3(g.img, 1)
    rpi = _rows_per_item(rt, i[0] * i[1])
    packed = _pack(g, channels, nb, img._offset + n0 * s[0], s, col_off, col_s)
    bias_buf = (bias if bias is not None else col)._storage.buffer
    bias_off = bias._offset if bias is not None else 0
    rt.launch(rt.kernel("conv.cl", "col2im", {"DT": img.dtype.tag}), nb * channels * (-(-i[0] * i[1] // rpi)),
              img._storage.buffer, col._storage.buffer, bias_buf, np.int64(bias_off), np.int32(bias is not None),
              packed, np.int64(rpi))


def _fill_bias(out, bias) -> bool:
    """Dense out[n, c, ...] = bias[c] (or 0 without bias); True when a bias was written."""
    if bias is None:
        fill(out, 0)
        return False
    rt = out._storage.runtime
    planes, ell = out._shape[0] * out._shape[1], math.prod(out._shape[2:])
    span = 1 if rt.variant == "gpu" else max(ell, 1)
    items = planes * -(-ell // span)
    rt.launch(rt.kernel("conv.cl", "bias_fill", {"DT": out.dtype.tag}), items, out._storage.buffer,
              np.int64(out._offset), bias._storage.buffer, np.int64(bias._offset), np.int64(bias._stride[0]),
              np.int64(out._shape[1]), np.int64(ell), np.int64(span), np.int64(items))
    return True


def _temp(rt, shape, dtype) -> _View:
    """A dense temporary from the caching allocator."""
    return _View(Storage(rt, numel(shape) * dtype.itemsize), 0, tuple(shape), contiguous_strides(shape), dtype)


# -- unfold / fold -----------------------------------------------------------------------
def unfold(out, x, g: Geometry) -> None:
    """out (N, C*KV, L), dense = the patches of x (N, C, *g.img) at every window position."""
    if numel(out._shape) == 0:
        return
    _launch_im2col(out, out._offset, out._stride, x, 0, x._shape[0], g)


def fold(out, cols, g: Geometry) -> None:
    """out (N, C, *g.img), dense = the sum of the patches cols (N, C*KV, L) back at their positions."""
    if numel(out._shape) == 0:
        return
    if numel(cols._shape) == 0:
        fill(out, 0)
        return
    _launch_col2im(out, 0, out._shape[0], cols, cols._offset, cols._stride, g)


# -- convolution -----------------------------------------------------------------------------
def conv_forward(out, x, w, bias, g: Geometry) -> None:
    """out (N, OC, *g.col), dense = conv(x (N, C, *g.img), w (OC, C/G, *kernel)) + bias."""
    n, c = x._shape[:2]
    oc = w._shape[0]
    groups = g.groups
    ocg, cg = oc // groups, c // groups
    ck = cg * math.prod(g.kernel)
    ell = math.prod(g.col)
    if numel(out._shape) == 0:
        return
    beta = 0
    if bias is not None or ck == 0:
        beta = 1 if _fill_bias(out, bias) else 0
    if ck == 0:
        return
    c_view = (out._shape[0], groups, ocg, ell)
    c_strides = (oc * ell, ocg * ell, ell, 1)
    a_strides = (0, ocg * ck, ck, 1)
    if g.pointwise:
        xf = _flat(x)
        xs = xf._stride
        _mm(_View(out._storage, out._offset, c_view, c_strides, out.dtype), w, a_strides,
            xf, (xs[0], cg * xs[1], xs[1], xs[2]), ck, beta)
        return
    rows = c * math.prod(g.kernel)
    chunk = _chunk(n, rows * ell * x.dtype.itemsize)
    col = _temp(out._storage.runtime, (chunk * rows * ell,), x.dtype)
    for n0 in range(0, n, chunk):
        nb = min(chunk, n - n0)
        _launch_im2col(col, 0, (rows * ell, ell, 1), x, n0, nb, g)
        c_chunk = _View(out._storage, out._offset + n0 * oc * ell, (nb,) + c_view[1:], c_strides, out.dtype)
        _mm(c_chunk, w, a_strides, col, (rows * ell, ck * ell, ell, 1), ck, beta)


def conv_input_grad(gx, gy, w, g: Geometry, bias=None) -> None:
    """gx (N, C, *g.img), dense = the adjoint of conv_forward applied to gy (N, OC, *g.col), + bias."""
    n, c = gx._shape[:2]
    oc = gy._shape[1]
    groups = g.groups
    ocg, cg = oc // groups, c // groups
    kv = math.prod(g.kernel)
    ck = cg * kv
    if numel(gx._shape) == 0:
        return
    if numel(gy._shape) == 0:
        _fill_bias(gx, bias)
        return
    gyf = _flat(gy)
    ell = gyf._shape[2]
    ys = gyf._stride
    a_strides = (0, ocg * ck, 1, ck)           # w[g]^T: rows are (c, k), columns output channels
    b_strides = (ys[0], ocg * ys[1], ys[1], ys[2])
    if g.pointwise:
        beta = 1 if bias is not None and _fill_bias(gx, bias) else 0
        c_view = _View(gx._storage, gx._offset, (n, groups, cg, ell), (c * ell, cg * ell, ell, 1), gx.dtype)
        _mm(c_view, w, a_strides, gyf, b_strides, ocg, beta)
        return
    rows = c * kv
    chunk = _chunk(n, rows * ell * gx.dtype.itemsize)
    col = _temp(gx._storage.runtime, (chunk * rows * ell,), gx.dtype)
    for n0 in range(0, n, chunk):
        nb = min(chunk, n - n0)
        c_view = _View(col._storage, 0, (nb, groups, ck, ell), (rows * ell, ck * ell, ell, 1), gx.dtype)
        gy_chunk = _View(gyf._storage, gyf._offset + n0 * ys[0], gyf._shape, ys, gyf.dtype)
        _mm(c_view, w, a_strides, gy_chunk, b_strides, ocg)
        _launch_col2im(gx, n0, nb, col, 0, (rows * ell, ell, 1), g, bias)


def conv_weight_grad(gw, x, gy, g: Geometry) -> None:
    """gw (OC, C/G, *kernel), dense = sum over the batch of gy (N, OC, *g.col) times x's patches.

    Per chunk of images: one batched GEMM gives each image's product (dot products
    along the positions, both operands contiguous there), a second GEMM against a
    broadcast one sums them over the chunk into gw. Chunks of one image accumulate
    into gw directly."""
    n, c = x._shape[:2]
    oc = gy._shape[1]
    groups = g.groups
    ocg = oc // groups
    rows = c * math.prod(g.kernel)
    ck = rows // groups
    ell = math.prod(g.col)
    if numel(gw._shape) == 0:
        return
    if n == 0 or ell == 0:
        fill(gw, 0)
        return
    rt = gw._storage.runtime
    gyf = _flat(gy)
    ys = gyf._stride
    chunk = _chunk(n, max(rows * ell, oc * ck) * x.dtype.itemsize)
    col = _temp(rt, (chunk * rows * ell,), x.dtype)
    # one image per chunk: its product accumulates straight into gw
    part = gw if chunk == 1 else _temp(rt, (chunk, oc * ck), gw.dtype)
    if chunk > 1:
        one = _temp(rt, (1,), gw.dtype)
        fill(one, 1)
        total = _View(gw._storage, gw._offset, (1, oc * ck), (oc * ck, 1), gw.dtype)
    for n0 in range(0, n, chunk):
        nb = min(chunk, n - n0)
        first = n0 == 0
        _launch_im2col(col, 0, (rows * ell, ell, 1), x, n0, nb, g)
        p_view = _View(part._storage, part._offset, (nb, groups, ocg, ck), (oc * ck, ocg * ck, ck, 1), gw.dtype)
        gy_chunk = _View(gyf._storage, gyf._offset + n0 * ys[0], gyf._shape, ys, gyf.dtype)
        _mm(p_view, gy_chunk, (ys[0], ocg * ys[1], ys[1], ys[2]), col, (rows * ell, ck * ell, 1, ell), ell,
            0 if first or chunk > 1 else 1)
        if chunk > 1:
            _mm(total, one, (0, 0), part, (oc * ck, 1), nb, 0 if first else 1)
