"""Launchers for pool.cl: max/avg/adaptive pooling, max-unpooling and nearest/linear
interpolation over (planes, H, W), forward and backward.

The strided operand ``x`` (the input in forward, the upstream gradient in
backward) is a 4-D (N, C, h, w) view; outputs and indices are dense with
(N * C) planes of the output size. ``dims`` is (H, W, OH, OW): the input plane
and the output plane of the forward op, in backward as well. ``window`` is
(KH, KW, SH, SW, PH, PW, DH, DW).
"""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar, numel

_NO_WINDOW = (1, 1, 1, 1, 0, 0, 1, 1)
# Elements of a row per work-item on CPUs: amortises the index arithmetic (GPUs use 1).
CPU_SPAN = 16


def _buf(t):
    return t._storage.buffer


def _struct(x, dims, span: int, n: int, window=_NO_WINDOW, io: int = 0, flag: int = 0,
            divisor: int = 0) -> np.ndarray:
    """The pool_t struct of pool.cl (int64 fields in declaration order)."""
    sn, sc, sh, sw = x._stride
    fields = (x._shape[1], *dims, *window, x._offset, sn, sc, sh, sw, io, int(flag), int(divisor), span, n)
    return np.array(fields, dtype=np.int64)


def _launch(name: str, out, x, dims, total: int, backward: bool, *args, **geom) -> None:
    """Launch over `total` elements: rows of the output plane, or of the input plane when backward."""
    if total <= 0:
        return
    rt = out._storage.runtime
    width = dims[1] if backward else dims[3]
    span = min(CPU_SPAN, width) if rt.variant == "cpu" else 1
    n = (total // width) * ((width + span - 1) // span)
    k = rt.kernel("pool.cl", name, {"T": x.dtype.tag})
    rt.launch(k, n, *args, _struct(x, dims, span, n, **geom))


def max_pool(out, idx, x, dims, window) -> None:
    """out, idx (dense, OH x OW planes) = window maxima of x and their flat h * W + w."""
    _launch("max_pool_fwd", out, x, dims, numel(out._shape), False, _buf(out), _buf(idx), _buf(x), window=window)


def windows_disjoint(window) -> bool:
    """Whether no input element lies in two windows: the dilated span fits in the stride."""
    kh, kw, sh, sw, _, _, dh, dw = window
    return (kh - 1) * dh + 1 <= sh and (kw - 1) * dw + 1 <= sw


def max_pool_backward(gi, g, idx, dims, window) -> None:
    """gi (dense, H x W planes) = sum of g over the windows whose argmax is each element."""
    if windows_disjoint(window):
        # one work-item per output writes its cell of gi (no fill, no search over windows)
        _launch("max_pool_bwd_cells", gi, g, dims, numel(g._shape), False, _buf(gi), _buf(g), _buf(idx),
                window=window, io=idx._offset)
        return
    _launch("max_pool_bwd", gi, g, dims, numel(gi._shape), True, _buf(gi), _buf(g), _buf(idx), window=window,
            io=idx._offset)


def adaptive_max_pool(out, idx, x, dims) -> None:
    """Adaptive-window maxima of x and their flat indices."""
    _launch("adaptive_max_fwd", out, x, dims, numel(out._shape), False, _buf(out), _buf(idx), _buf(x))


def adaptive_max_pool_backward(gi, g, idx, dims) -> None:
    """Gradient of adaptive max pooling, gathered per input element."""
    _launch("adaptive_max_bwd", gi, g, dims, numel(gi._shape), True, _buf(gi), _buf(g), _buf(idx), io=idx._offset)


def avg_pool(out, x, dims, window, count_include_pad: bool, divisor: int) -> None:
    """Window means of x (divisor_override when divisor != 0)."""
    _launch("avg_pool_fwd", out, x, dims, numel(out._shape), False, _buf(out), _buf(x), window=window,
            flag=count_include_pad, divisor=divisor)


def avg_pool_backward(gi, g, dims, window, count_include_pad: bool, divisor: int) -> None:
    """Gradient of avg pooling: each input element sums g / divisor over its windows."""
    _launch("avg_pool_bwd", gi, g, dims, numel(gi._shape), True, _buf(gi), _buf(g), window=window,
            flag=count_include_pad, divisor=divisor)


def adaptive_avg_pool(out, x, dims) -> None:
    """Adaptive-window means of x."""
    _launch("adaptive_avg_fwd", out, x, dims, numel(out._shape), False, _buf(out), _buf(x))


def adaptive_avg_pool_backward(gi, g, dims) -> None:
    """Gradient of adaptive avg pooling, gathered per input element."""
    _launch("adaptive_avg_bwd", gi, g, dims, numel(gi._shape), True, _buf(gi), _buf(g))


def plane_gather(out, x, idx, dims) -> None:
    """out[p, o] = x[p, idx[p, o]]; dims = (x's plane H, W, out's plane OH, OW)."""
    _launch("plane_gather", out, x, dims, numel(out._shape), False, _buf(out), _buf(x), _buf(idx), io=idx._offset)


def max_unpool(out, x, idx, dims) -> None:
    """out (dense, zeroed, OH x OW planes)[p, idx[p, i]] = x[p, i]; bad indices set the error flag."""
    rt = out._storage.runtime
    _launch("unpool_fwd", out, x, dims, numel(x._shape), True, _buf(out), _buf(x), _buf(idx), rt.error_buffer,
            io=idx._offset)


def nearest(out, x, dims, scales, exact: bool) -> None:
    """Nearest-neighbour resampling; scales are the float32 (h, w) source steps."""
    _launch("nearest_fwd", out, x, dims, numel(out._shape), False, _buf(out), _buf(x), np.float32(scales[0]),
            np.float32(scales[1]), flag=exact)


def nearest_backward(gi, g, dims, scales, exact: bool) -> None:
    """Gradient of nearest resampling: each input element sums the outputs that copied it."""
    _launch("nearest_bwd", gi, g, dims, numel(gi._shape), True, _buf(gi), _buf(g), np.float32(scales[0]),
            np.float32(scales[1]), flag=exact)


def linear(out, x, dims, scales, align_corners: bool) -> None:
    """(Bi)linear resampling with torch's source-coordinate rules."""
    s = [kernel_scalar(x.dtype, v) for v in scales]
    _launch("linear_fwd", out, x, dims, numel(out._shape), False, _buf(out), _buf(x), s[0], s[1], flag=align_corners)


def linear_backward(gi, g, dims, scales, align_corners: bool) -> None:
    """Gradient of (bi)linear resampling, gathered per input element."""
    s = [kernel_scalar(g.dtype, v) for v in scales]
    _launch("linear_bwd", gi, g, dims, numel(gi._shape), True, _buf(gi), _buf(g), s[0], s[1], flag=align_corners)
