"""Launchers for the fused cross-entropy kernels of loss.cl.

Scores x are dense (N, C) from their element offset; targets are dense int64 (N,).
aux holds N + 1 elements: each row's logsumexp, then (reductions) the count of kept rows.
"""
from __future__ import annotations

import numpy as np

_GROUP = 64  # CE_WG in loss.cl


def ce_forward(out, aux, x, target, ignore_index: int, reduction: str, err) -> None:
    """out = the cross entropy of x's rows (per row for 'none', else summed or averaged)."""
    rt = x._storage.runtime
    n, c = x._shape
    defines = {"T": x.dtype.tag}
    args = (out._storage.buffer, aux._storage.buffer, x._storage.buffer, np.int64(x._offset),
            target._storage.buffer, np.int64(target._offset), np.int64(n), np.int64(c),
            np.int64(ignore_index), err)
    if reduction == "none":
        rt.launch(rt.kernel("loss.cl", "ce_forward_rows", defines), n, *args)
    else:
        k = rt.kernel("loss.cl", "ce_forward_reduce", defines)
        rt.launch_nd(k, (_GROUP,), (_GROUP,), *args, np.int32(reduction == "mean"))


def ce_backward(gx, g, aux, x, target, ignore_index: int, reduction: str) -> None:
    """gx = the gradient of ce_forward's output at x for upstream gradient g (0-d, or (N,) for 'none')."""
    rt = x._storage.runtime
    n, c = x._shape
    k = rt.kernel("loss.cl", "ce_backward", {"T": x.dtype.tag})
    rt.launch(k, n * c, gx._storage.buffer, g._storage.buffer, np.int64(g._offset),
              np.int64(1 if reduction == "none" else 0), aux._storage.buffer, x._storage.buffer,
              np.int64(x._offset), target._storage.buffer, np.int64(target._offset), np.int64(n),
              np.int64(c), np.int64(ignore_index), np.int32(reduction == "mean"))
