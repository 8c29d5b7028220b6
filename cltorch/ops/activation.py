"""Launchers for the parameterised activation kernels of activation.cl (forward and backward).

Operands may have any strides; they are viewed at one shape (the output's).
"""
from __future__ import annotations

import numpy as np

from .layout import kernel_scalar, plan


def _params(dtype, params):
    values = list(params) + [0] * (3 - len(params))
    return [kernel_scalar(dtype, v) for v in values]


def forward(name: str, out, x, params=()) -> None:
    """out = act_<name>(x; params)."""
    rt = out._storage.runtime
    ps = _params(out.dtype, params)
    for strided, layout, count in plan(out._shape, [(out._offset, out._stride), (x._offset, x._stride)]):
        k = rt.kernel("activation.cl", f"act_{name}", {"T": out.dtype.tag, "CLT_STRIDED": strided})
        rt.launch(k, count, out._storage.buffer, x._storage.buffer, *ps, layout, np.int64(count))


def backward(name: str, gx, g, x, params=()) -> None:
    """gx = g * act_<name>'(x; params); g may be any view at x's shape (e.g. expanded)."""
    rt = gx._storage.runtime
    ps = _params(gx.dtype, params)
    ops = [(gx._offset, gx._stride), (g._offset, g._stride), (x._offset, x._stride)]
    for strided, layout, count in plan(gx._shape, ops):
        k = rt.kernel("activation.cl", f"act_{name}_backward", {"T": gx.dtype.tag, "CLT_STRIDED": strided})
        rt.launch(k, count, gx._storage.buffer, g._storage.buffer, x._storage.buffer, *ps, layout, np.int64(count))
