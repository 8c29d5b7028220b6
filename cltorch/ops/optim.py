"""Launchers for the fused optimizer-step kernels (dense parameters and state)."""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar, numel


def _buf(t):
    return t._storage.buffer


def sgd_step(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first, maximize) -> None:
    """p -= lr * direction, updating the momentum buffer (buf may be p when momentum is 0)."""
    n = numel(p._shape)
    if n == 0:
        return
    rt = p._storage.runtime
    s = lambda v: kernel_scalar(p.dtype, v)  # noqa: E731
    k = rt.kernel("optim.cl", "sgd_step", {"T": p.dtype.tag})
    rt.launch(k, n, _buf(p), _buf(g), _buf(buf), s(lr), s(momentum), s(dampening), s(weight_decay),
              np.int32(nesterov), np.int32(first), np.int32(maximize), np.int64(n))


def adam_step(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, bc1, bc2_sqrt, amsgrad, decoupled,
              maximize) -> None:
    """One Adam/AdamW update of p and its moment buffers."""
    n = numel(p._shape)
    if n == 0:
        return
    rt = p._storage.runtime
    s = lambda v_: kernel_scalar(p.dtype, v_)  # noqa: E731
    k = rt.kernel("optim.cl", "adam_step", {"T": p.dtype.tag})
    rt.launch(k, n, _buf(p), _buf(g), _buf(m), _buf(v), _buf(vmax), s(lr), s(beta1), s(beta2), s(eps),
              s(weight_decay), s(bc1), s(bc2_sqrt), np.int32(amsgrad), np.int32(decoupled), np.int32(maximize),
              np.int64(n))
