"""Helpers shared by the optimizers: which tensors the fused kernels can take as they are."""
from __future__ import annotations

from ..ops.layout import is_dense


def fresh(t):
    """t itself when dense from offset 0 (what the fused kernels index), else a dense copy."""
    return t if (t._offset == 0 and is_dense(t)) else t.contiguous().clone()


def check_grad_matches(p) -> None:
    """Refuse gradients whose dtype or device differ from the parameter's (torch's error)."""
    if p.grad.device != p.device:
        raise RuntimeError(f"gradient is on {p.grad.device} but the parameter is on {p.device}")
    if p.grad.dtype is not p.dtype:
        raise RuntimeError(f"gradient dtype {p.grad.dtype} does not match parameter dtype {p.dtype}")
