"""Smoke checks of the reduction and scan kernels (registered with cltorch._smoke).

Shapes are chosen so that both the one-pass and the chunked (two-pass) paths
run, on CPUs and on GPUs, and so that strided views are reduced in place.
"""
from __future__ import annotations

import numpy as np

import cltorch

from ._smoke import SmokeContext, smoke_check


def _tensor(ctx: SmokeContext, arr: np.ndarray) -> cltorch.Tensor:
    return cltorch.tensor(arr, device=ctx.device)


def _transposed(ctx: SmokeContext, arr: np.ndarray) -> cltorch.Tensor:
    """A non-contiguous view equal to the 2-D arr (its memory holds arr.T)."""
    base = _tensor(ctx, np.ascontiguousarray(arr.T))
    return cltorch.Tensor._make(base._storage, 0, arr.shape, (1, arr.shape[0]), base.dtype, base.device)


def _close(what: str, got, want, rtol=1e-4, atol=1e-4) -> None:
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


@smoke_check
def check_reduce_sum_mean(ctx: SmokeContext) -> None:
    """sum/mean over rows, columns and everything, contiguous and transposed, one and two passes."""
    rng = np.random.default_rng(11)
    for shape in ((7, 5), (3, 3000)) if ctx.small else ((7, 5), (3, 30000), (4097, 33)):
        a = rng.standard_normal(shape).astype(np.float32)
        for t in (_tensor(ctx, a), _transposed(ctx, a)):
            _close("sum(1)", ctx.host(t.sum(1)), a.sum(1, dtype=np.float64))
            _close("sum(0)", ctx.host(t.sum(0)), a.sum(0, dtype=np.float64))
            _close("mean()", ctx.host(t.mean()), a.mean(dtype=np.float64))


@smoke_check
def check_reduce_max_argmax(ctx: SmokeContext) -> None:
    """max with indices (first index on ties), argmax of the flattened input, amax."""
    rng = np.random.default_rng(12)
    a = rng.integers(-4, 4, (5, 2500 if ctx.small else 20000)).astype(np.float32)
    t = _tensor(ctx, a)
    values, indices = t.max(1)
    _close("max(1).values", ctx.host(values), a.max(1))
    if not (ctx.host(indices) == a.argmax(1)).all():
        raise AssertionError("max(1).indices differ from the first maximal index")
    if t.argmin().item() != a.argmin():
        raise AssertionError("argmin() of the flattened input is wrong")
    _close("amax(0)", ctx.host(t.amax(0)), a.max(0))


@smoke_check
def check_reduce_statistics(ctx: SmokeContext) -> None:
    """var (large offset), std, norm, logsumexp (large values), all/any, count_nonzero."""
    rng = np.random.default_rng(13)
    a = (1e4 + rng.standard_normal((3, 2000)) * 0.01).astype(np.float32)
    t = _tensor(ctx, a)
    _close("var(1)", ctx.host(t.var(1)), a.astype(np.float64).var(1, ddof=1), rtol=1e-3, atol=0)
    b = rng.standard_normal((4, 300)).astype(np.float32)
    u = _tensor(ctx, b)
    _close("std(0)", ctx.host(u.std(0)), b.std(0, ddof=1))
    _close("norm()", ctx.host(u.norm()), np.linalg.norm(b.astype(np.float64)))
    big = b * 100 + 500
    ref = big.max(1) + np.log(np.exp(big - big.max(1, keepdims=True)).sum(1))
    _close("logsumexp(1)", ctx.host(_tensor(ctx, big).logsumexp(1)), ref, rtol=1e-5)
    mask = b > -3
    if bool(ctx.host(_tensor(ctx, mask).all())) != mask.all() or not bool(ctx.host(_tensor(ctx, mask).any())):
        raise AssertionError("all()/any() are wrong")
    if _tensor(ctx, mask).count_nonzero().item() != np.count_nonzero(mask):
        raise AssertionError("count_nonzero() is wrong")


@smoke_check
def check_scan_cumsum(ctx: SmokeContext) -> None:
    """cumsum/cumprod along each dim, including a line long enough to be scanned in chunks."""
    rng = np.random.default_rng(14)
    a = rng.uniform(0.5, 1.5, (6, 9)).astype(np.float32)
    for d in (0, 1):
        _close("cumsum", ctx.host(_transposed(ctx, a).cumsum(d)), np.cumsum(a.astype(np.float64), d))
        _close("cumprod", ctx.host(_tensor(ctx, a).cumprod(d)), np.cumprod(a.astype(np.float64), d))
    n = 3000 if ctx.small else 100_000
    line = np.full(n, 0.5, dtype=np.float32)
    _close("long cumsum", ctx.host(_tensor(ctx, line).cumsum(0)), np.arange(1, n + 1) * 0.5, rtol=1e-6)
