"""Launchers for the unary, binary and ternary elementwise kernels.

Operands are passed as (tensor, strides) pairs whose strides already view the
tensor at the output's (broadcast) shape; ``ct`` is the dtype the kernel
computes in.
"""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar, plan


def _defines(ct, out, **tags):
    d = {"OUT": out.dtype.tag, "CT": ct.tag}
    for key, value in tags.items():
        d[key] = value.dtype.tag
    return d


def unary(op: str, out, a, ct, p0=0, p1=0, p2=0) -> None:
    """out = op(a) with scalar parameters p0..p2."""
    a_t, a_st = a
    rt = out._storage.runtime
    params = [kernel_scalar(ct, p) for p in (p0, p1, p2)]
    for strided, layout, count in plan(out._shape, [(out._offset, out._stride), (a_t._offset, a_st)]):
        k = rt.kernel("unary.cl", f"unary_{op}", dict(_defines(ct, out, A=a_t), CLT_STRIDED=strided))
        rt.launch(k, count, out._storage.buffer, a_t._storage.buffer, *params, layout, np.int64(count))


def binary(op: str, out, a, b, ct, alpha=1, beta=0) -> None:
    """out = op(a, b); b is a (tensor, strides) pair or a Python number."""
    a_t, a_st = a
    rt = out._storage.runtime
    al, be = kernel_scalar(ct, alpha), kernel_scalar(ct, beta)
    err = rt.error_buffer
    if isinstance(b, tuple):
        b_t, b_st = b
        ops = [(out._offset, out._stride), (a_t._offset, a_st), (b_t._offset, b_st)]
        for strided, layout, count in plan(out._shape, ops):
            k = rt.kernel("binary.cl", f"binary_{op}", dict(_defines(ct, out, A=a_t, B=b_t), CLT_STRIDED=strided))
            rt.launch(k, count, out._storage.buffer, a_t._storage.buffer, b_t._storage.buffer, al, be, err,
                      layout, np.int64(count))
        return
    value = kernel_scalar(ct, b)
    for strided, layout, count in plan(out._shape, [(out._offset, out._stride), (a_t._offset, a_st)]):
        k = rt.kernel("binary.cl", f"binary_{op}_scalar",
                      dict(_defines(ct, out, A=a_t), B=ct.tag, CLT_STRIDED=strided))
        rt.launch(k, count, out._storage.buffer, a_t._storage.buffer, value, al, be, err, layout, np.int64(count))


def ternary(op: str, out, a, b, c, ct, alpha=1) -> None:
    """out = op(a, b, c) over three tensor operands."""
    (a_t, a_st), (b_t, b_st), (c_t, c_st) = a, b, c
    rt = out._storage.runtime
    ops = [(out._offset, out._stride), (a_t._offset, a_st), (b_t._offset, b_st), (c_t._offset, c_st)]
    al = kernel_scalar(ct, alpha)
    for strided, layout, count in plan(out._shape, ops):
        k = rt.kernel("ternary.cl", f"ternary_{op}",
                      dict(_defines(ct, out, A=a_t, B=b_t, C=c_t), CLT_STRIDED=strided))
        rt.launch(k, count, out._storage.buffer, a_t._storage.buffer, b_t._storage.buffer, c_t._storage.buffer,
                  al, layout, np.int64(count))
