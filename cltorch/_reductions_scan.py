"""Cumulative reductions along one dim: cumsum, cumprod (scan.cl), with their backward."""
from __future__ import annotations

from . import _reductions_grads as G
from ._reductions_common import check_tensor, finish, sum_dtype
from .autograd.graph import needs_grad
from .ops import scan as scan_ops
from .tensor import _alloc

_NODES = {"SUM": ("CumsumBackward0", G.cumsum), "PROD": ("CumprodBackward0", G.cumprod)}


def _scan(op: str, name: str, input, dim, dtype):
    check_tensor(input, name)
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim' (pos 2)")
    d = input._wrap_dim(dim)
    rd = sum_dtype(input, dtype)
    result = _alloc(input._shape, rd, input.device)
    src = input if input.dim() == 0 or scan_ops.fits(input, d) else input.contiguous()
    scan_ops.scan(op, src, d, result, rd)
    node, maker = _NODES[op]
    return G.attach(node, result, input, maker, d)


def cumsum(input, dim, *, dtype=None, out=None):
    """Running sums along dim; integer and bool inputs accumulate in int64 unless dtype= says otherwise."""
    G.refuse_out("cumsum", out, input)
    return finish(_scan("SUM", "cumsum", input, dim, dtype), out)


def cumprod(input, dim, *, dtype=None, out=None):
    """Running products along dim; integer and bool inputs accumulate in int64 unless dtype= says otherwise."""
    G.refuse_out("cumprod", out, input)
    return finish(_scan("PROD", "cumprod", input, dim, dtype), out)


def _inplace(op: str, name: str, self, dim, dtype):
    if needs_grad(self):
        from ._tensor_autograd import adopt_inplace
        return adopt_inplace(self, _scan(op, name, self.clone(), dim, dtype or self.dtype))
    return self.copy_(_scan(op, name, self, dim, dtype or self.dtype))


def cumsum_(self, dim, *, dtype=None):
    """In-place cumsum (computed in self's dtype)."""
    return _inplace("SUM", "cumsum_", self, dim, dtype)


def cumprod_(self, dim, *, dtype=None):
    """In-place cumprod (computed in self's dtype)."""
    return _inplace("PROD", "cumprod_", self, dim, dtype)
