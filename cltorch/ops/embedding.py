"""Launchers for embedding.cl: lookups, bags, max_norm renormalisation and the
sorted-run weight gradient. Index, offset and per-sample-weight operands are
dense (tensor with an element offset); the weight is read through its strides.
Kernels flag bad indices in the runtime's error buffer; reading it is the caller's job.
"""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar, numel

_I64, _I32 = np.int64, np.int32


def _buf(t):
    return t._storage.buffer


def _weight_args(w):
    return (_buf(w), _I64(w._offset), _I64(w._stride[0]), _I64(w._stride[1]))


def embedding(out, weight, idx) -> None:
    """out (dense [n, D]) = weight rows named by the dense idx; bad indices set the error flag."""
    n = numel(out._shape)
    if n == 0:
        return
    rt = out._storage.runtime
    V, D = weight._shape
    k = rt.kernel("embedding.cl", "embedding_fwd", {"T": weight.dtype.tag, "IDX": idx.dtype.tag})
    rt.launch(k, n, _buf(out), *_weight_args(weight), _buf(idx), _I64(idx._offset), _I64(V), _I64(D),
              rt.error_buffer, _I64(n))


def embedding_backward(gw, g, keys, perm, pad: int, scale: bool) -> None:
    """gw (dense [V, D], zeroed) [k] = sum of the rows of g ([N, D], strided) at the sorted keys' runs."""
    N, D = g._shape
    V = gw._shape[0]
    n = N * D
    if n == 0:
        return
    rt = gw._storage.runtime
    k = rt.kernel("embedding.cl", "embedding_bwd", {"T": gw.dtype.tag, "IDX": "i64"})
    rt.launch(k, n, _buf(gw), _buf(g), _I64(g._offset), _I64(g._stride[0]), _I64(g._stride[1]), _buf(keys),
              _buf(perm), _I64(N), _I64(D), _I64(V), _I64(pad), _I32(scale), _I64(n))


def embedding_renorm(weight, keys, max_norm: float, norm_type: float) -> None:
    """Scale the rows named by the sorted keys to norm <= max_norm, in place."""
    n = numel(keys._shape)
    if n == 0:
        return
    rt = weight._storage.runtime
    V, D = weight._shape
    k = rt.kernel("embedding.cl", "embedding_renorm", {"T": weight.dtype.tag, "IDX": "i64"})
    rt.launch(k, n, *_weight_args(weight), _buf(keys), _I64(V), _I64(D), kernel_scalar(weight.dtype, max_norm),
              kernel_scalar(weight.dtype, norm_type), _I64(n))


def embedding_bag(out, key, bag_of, coef, weight, idx, offsets, psw, pad: int, mode: int) -> None:
    """Bag reductions into out [B, D] plus what the backward needs (see embedding_bag_fwd)."""
    B, D = out._shape
    n = B * D
    if n == 0:
        return
    rt = out._storage.runtime
    V = weight._shape[0]
    N = numel(idx._shape)
    defines = {"T": weight.dtype.tag, "IDX": idx.dtype.tag, "OFF": offsets.dtype.tag}
    k = rt.kernel("embedding.cl", "embedding_bag_fwd", defines)
    p = psw if psw is not None else coef
    rt.launch(k, n, _buf(out), _buf(key), _buf(bag_of), _buf(coef), *_weight_args(weight), _buf(idx),
              _I64(idx._offset), _buf(offsets), _I64(offsets._offset), _I64(numel(offsets._shape)), _buf(p),
              _I64(p._offset), _I32(psw is not None), _I64(N), _I64(B), _I64(D), _I64(V), _I64(pad), _I32(mode),
              rt.error_buffer, _I64(n))
