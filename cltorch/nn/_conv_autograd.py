"""The recorded convolution ops behind conv*, conv_transpose*, unfold and fold.

Three linear maps close under differentiation, so each one's backward is made
of the others (and with ``create_graph=True`` those record again, giving
double backward for free):

* ``conv(x, w, b)``      column side from image side;  d/dx = conv_t, d/dw = conv_wgrad
* ``conv_t(y, w, b)``    image side from column side;  d/dy = conv,   d/dw = conv_wgrad
* ``conv_wgrad(x, y)``   weight from both sides;       d/dx = conv_t, d/dy = conv

All work happens in ``cltorch.ops.conv`` (im2col/col2im kernels and the GEMM).
"""
from __future__ import annotations

from ..autograd.graph import needs_grad, record
from ..ops import conv as conv_ops
from ..ops.layout import is_dense
from ..tensor import _alloc

Geometry = conv_ops.Geometry


def _req(t) -> bool:
    return t is not None and getattr(t, "requires_grad", False)


def _dense(t):
    """t itself when row-major, else a dense copy (detached: the caller records against t)."""
    return t if t is None or is_dense(t) else t.detach().contiguous()


def _bias_grad(g):
    """Sum of g over the batch and spatial dims: the gradient of a per-channel bias."""
    return g.sum(dim=(0,) + tuple(range(2, g.dim())))


def _saved(pairs) -> tuple:
    out = []
    for needed, t in pairs:
        if needed and all(t is not s for s in out):
            out.append(t)
    return tuple(out)


def conv(x, w, b, geom: Geometry):
    """(N, OC, *geom.col) = x (N, C, *geom.img) convolved with w (OC, C/G, *kernel), plus b."""
    out = _alloc((x.shape[0], w.shape[0]) + geom.col, x.dtype, x.device)
    conv_ops.conv_forward(out, x, _dense(w), _dense(b), geom)
    if needs_grad(x, w, b):
        def backward(g):
            return (conv_t(g, w, None, geom) if _req(x) else None,
                    conv_wgrad(x, g, geom) if _req(w) else None,
                    _bias_grad(g) if _req(b) else None)
        record("ConvolutionBackward0", out, (x, w, b), backward, _saved(((_req(w), x), (_req(x), w))))
    return out


def conv_t(y, w, b, geom: Geometry):
    """(N, C, *geom.img) = the transposed convolution of y (N, OC, *geom.col) with w, plus b."""
    out = _alloc((y.shape[0], w.shape[1] * geom.groups) + geom.img, y.dtype, y.device)
    conv_ops.conv_input_grad(out, y, _dense(w), geom, _dense(b))
    if needs_grad(y, w, b):
        def backward(g):
            return (conv(g, w, None, geom) if _req(y) else None,
                    conv_wgrad(g, y, geom) if _req(w) else None,
                    _bias_grad(g) if _req(b) else None)
        record("ConvolutionBackward0", out, (y, w, b), backward, _saved(((_req(w), y), (_req(y), w))))
    return out


def conv_wgrad(x, y, geom: Geometry):
    """(OC, C/G, *kernel): the weight gradient for image side x and column-side gradient y."""
    gw = _alloc((y.shape[1], x.shape[1] // geom.groups) + geom.kernel, x.dtype, x.device)
    conv_ops.conv_weight_grad(gw, x, y, geom)
    if needs_grad(x, y):
        def backward(g):
            return (conv_t(y, g, None, geom) if _req(x) else None,
                    conv(x, g, None, geom) if _req(y) else None)
        record("ConvolutionBackwardBackward0", gw, (x, y), backward, _saved(((_req(x), y), (_req(y), x))))
    return gw


def unfold(x, geom: Geometry):
    """(N, C*KV, L): the sliding-window patches of x (N, C, *geom.img)."""
    n, c = x.shape[0], x.shape[1]
    kv = 1
    for k in geom.kernel:
        kv *= k
    ell = 1
    for o in geom.col:
        ell *= o
    out = _alloc((n, c * kv, ell), x.dtype, x.device)
    conv_ops.unfold(out, x, geom)
    if needs_grad(x):
        record("Im2ColBackward0", out, (x,), lambda g: fold(g, c, geom))
    return out


def fold(cols, channels: int, geom: Geometry):
    """(N, channels, *geom.img): the patches cols (N, C*KV, L) summed back into place."""
    out = _alloc((cols.shape[0], channels) + geom.img, cols.dtype, cols.device)
    conv_ops.fold(out, cols, geom)
    if needs_grad(cols):
        record("Col2ImBackward0", out, (cols,), lambda g: unfold(g, geom))
    return out
