"""Cumulative reductions along one dim: cumsum, cumprod (scan.cl)."""
from __future__ import annotations

from ._reductions_common import check_tensor, finish, sum_dtype
from .ops import scan as scan_ops
from .tensor import _alloc


def _scan(op: str, name: str, input, dim, dtype):
    check_tensor(input, name)
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim' (pos 2)")
    d = input._wrap_dim(dim)
    rd = sum_dtype(input, dtype)
    result = _alloc(input._shape, rd, input.device)
    src = input if input.dim() == 0 or scan_ops.fits(input, d) else input.contiguous()
    scan_ops.scan(op, src, d, result, rd)
    return result


def cumsum(input, dim, *, dtype=None, out=None):
    """Running sums along dim; integer and bool inputs accumulate in int64 unless dtype= says otherwise."""
    return finish(_scan("SUM", "cumsum", input, dim, dtype), out)


def cumprod(input, dim, *, dtype=None, out=None):
    """Running products along dim; integer and bool inputs accumulate in int64 unless dtype= says otherwise."""
    return finish(_scan("PROD", "cumprod", input, dim, dtype), out)


def cumsum_(self, dim, *, dtype=None):
    """In-place cumsum (computed in self's dtype)."""
    return self.copy_(_scan("SUM", "cumsum_", self, dim, dtype or self.dtype))


def cumprod_(self, dim, *, dtype=None):
    """In-place cumprod (computed in self's dtype)."""
    return self.copy_(_scan("PROD", "cumprod_", self, dim, dtype or self.dtype))
