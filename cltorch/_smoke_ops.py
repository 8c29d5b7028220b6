"""Smoke checks of the op kernel families: elementwise, shape, matmul, autograd.

Each check runs a few kernels of one family on the chosen device, on a
non-contiguous view where the family supports one, and compares with NumPy.
"""
from __future__ import annotations

import numpy as np

import cltorch

from ._smoke import SmokeContext, smoke_check

_RNG = np.random.default_rng(3)


def _t(ctx: SmokeContext, arr) -> cltorch.Tensor:
    return cltorch.tensor(np.asarray(arr), device=ctx.device)


def _close(what, got: cltorch.Tensor, want, rtol=1e-4, atol=1e-5) -> None:
    np.testing.assert_allclose(got.cpu().numpy(), want, rtol=rtol, atol=atol, err_msg=what)


def _data(ctx: SmokeContext, *shape):
    return _RNG.uniform(0.5, 2.0, shape).astype(np.float32)


@smoke_check
def check_elementwise_unary(ctx: SmokeContext) -> None:
    """exp/log/sqrt/tanh/sigmoid/abs/neg on odd sizes and a transposed view."""
    for n in (1, 7, 65 if ctx.small else 4097):
        a = _data(ctx, n)
        t = _t(ctx, a)
        _close("exp", t.exp(), np.exp(a))
        _close("log", t.log(), np.log(a))
        _close("sqrt", t.sqrt(), np.sqrt(a))
        _close("tanh", t.tanh(), np.tanh(a))
        _close("sigmoid", t.sigmoid(), 1 / (1 + np.exp(-a)))
        _close("neg-abs", (-t).abs(), a)
    m = _data(ctx, 5, 9)
    _close("exp of a transposed view", _t(ctx, m).t().exp(), np.exp(m.T))


@smoke_check
def check_elementwise_binary(ctx: SmokeContext) -> None:
    """Broadcast arithmetic, scalars, integer division, comparisons, where, clamp."""
    a, b = _data(ctx, 7, 1), _data(ctx, 5)
    ta, tb = _t(ctx, a), _t(ctx, b)
    _close("add", ta + tb, a + b)
    _close("mul-scalar", ta * 3 - 1, a * 3 - 1)
    _close("div", ta / tb, a / b)
    _close("pow", ta ** tb, a ** b, rtol=1e-4)
    _close("rsub", 2 - ta, 2 - a)
    i = np.array([7, -7, 9, -9], dtype=np.int64)
    j = np.array([2, 2, -4, -4], dtype=np.int64)
    ti, tj = _t(ctx, i), _t(ctx, j)
    np.testing.assert_array_equal((ti // tj).cpu().numpy(), i // j)
    np.testing.assert_array_equal((ti % tj).cpu().numpy(), i % j)
    np.testing.assert_array_equal((ta > 1.0).cpu().numpy(), a > 1.0)
    _close("where", cltorch.where(ta > 1.0, ta, tb), np.where(a > 1.0, a, b))
    _close("clamp", ta.clamp(0.8, 1.2), np.clip(a, 0.8, 1.2))
    _close("addcmul", cltorch.addcmul(ta, ta, tb, value=0.5), a + 0.5 * a * b)


@smoke_check
def check_shape_ops(ctx: SmokeContext) -> None:
    """Views, copies through strides, joining and triangular masks."""
    a = _data(ctx, 4, 6)
    t = _t(ctx, a)
    _close("view-permute-contiguous", t.view(2, 2, 6).permute(2, 0, 1).contiguous(),
           a.reshape(2, 2, 6).transpose(2, 0, 1))
    _close("flip", t.flip(1), a[:, ::-1])
    _close("roll", t.roll(2, 1), np.roll(a, 2, 1))
    _close("repeat", t.repeat(2, 1), np.tile(a, (2, 1)))
    _close("cat", cltorch.cat([t, t.t().contiguous().t()], 0), np.concatenate([a, a], 0))
    _close("stack", cltorch.stack([t, t], 1), np.stack([a, a], 1))
    _close("tril", t.tril(1), np.tril(a, 1))
    _close("narrow-expand", t.narrow(1, 2, 1).expand(4, 3), np.broadcast_to(a[:, 2:3], (4, 3)))


@smoke_check
def check_matmul(ctx: SmokeContext) -> None:
    """GEMM on odd shapes, transposed operands, batches and einsum."""
    m, k, n = (5, 7, 3) if ctx.small else (33, 65, 17)
    a, b = _data(ctx, m, k), _data(ctx, k, n)
    ta, tb = _t(ctx, a), _t(ctx, b)
    _close("mm", ta @ tb, a @ b, rtol=1e-4, atol=1e-4)
    _close("mm-transposed", tb.t() @ ta.t(), (a @ b).T, rtol=1e-4, atol=1e-4)
    c = _data(ctx, 3, m, k)
    _close("bmm-broadcast", _t(ctx, c) @ tb, c @ b, rtol=1e-4, atol=1e-4)
    _close("mv", ta @ tb[:, 0], a @ b[:, 0], rtol=1e-4, atol=1e-4)
    _close("einsum", cltorch.einsum("ij,jk->ik", ta, tb), a @ b, rtol=1e-4, atol=1e-4)


@smoke_check
def check_autograd(ctx: SmokeContext) -> None:
    """A small graph's gradients against the analytic ones."""
    a = _data(ctx, 3, 4)
    x = _t(ctx, a).requires_grad_()
    w = _t(ctx, a.T.copy()).requires_grad_()
    y = (x @ w).tanh() * 2 + x.exp().sum(1, keepdim=True)
    y.backward(cltorch.ones(3, 3, device=ctx.device))
    h = np.tanh(a @ a.T)
    gx = (1 - h * h) * 2 @ a + np.exp(a) * 3
    _close("dx", x.grad, gx, rtol=1e-3, atol=1e-3)
    _close("dw", w.grad, a.T @ ((1 - h * h) * 2), rtol=1e-3, atol=1e-3)


@smoke_check
def check_indexing(ctx: SmokeContext) -> None:
    """Basic and advanced getitem/setitem, masks, gather/scatter_add, index_add, nonzero."""
    a = _data(ctx, 6, 12)
    t = _t(ctx, a)
    _close("slice-view", t[1:5:2, ::3], a[1:5:2, ::3])
    _close("advanced", t[[0, 4], 1:], a[[0, 4], 1:])
    _close("rows", t[_t(ctx, np.array([5, 0, 5]))], a[[5, 0, 5]])
    mask = a > 1.2
    _close("masked_select", t[_t(ctx, mask)], a[mask])
    s = t.clone()
    s[_t(ctx, mask)] = 0
    _close("masked setitem", s, np.where(mask, 0, a))
    idx = np.array([[0, 1, 1], [2, 2, 0]])
    _close("gather", t[:2, :3].gather(1, _t(ctx, idx)), np.take_along_axis(a[:2, :3], idx, 1))
    out = np.zeros((2, 4), np.float32)
    np.add.at(out, (np.arange(2)[:, None], idx), a[:2, :3])
    _close("scatter_add", cltorch.zeros(2, 4, device=ctx.device).scatter_add(1, _t(ctx, idx), t[:2, :3]), out)
    ia = cltorch.zeros(3, 12, device=ctx.device).index_add_(0, _t(ctx, np.array([0, 2, 0])), t[:3])
    _close("index_add", ia, np.stack([a[0] + a[2], np.zeros(12), a[1]]))
    nz = cltorch.nonzero(_t(ctx, mask)).cpu().numpy()
    np.testing.assert_array_equal(nz, np.argwhere(mask))


@smoke_check
def check_sorting(ctx: SmokeContext) -> None:
    """Stable sorts per row, topk, unique with inverse and counts, searchsorted."""
    a = _RNG.integers(0, 20, (3, 150)).astype(np.float32)
    t = _t(ctx, a)
    vals, idx = t.sort(1, stable=True)
    _close("sort", vals, np.sort(a, 1, kind="stable"))
    np.testing.assert_array_equal(idx.cpu().numpy(), np.argsort(a, 1, kind="stable"))
    _close("topk", t.topk(5, 1).values, -np.sort(-a, 1)[:, :5])
    u, inv, cnt = cltorch.unique(t, return_inverse=True, return_counts=True)
    ru, rinv, rcnt = np.unique(a, return_inverse=True, return_counts=True)
    _close("unique", u, ru)
    np.testing.assert_array_equal(inv.cpu().numpy().ravel(), rinv.ravel())
    np.testing.assert_array_equal(cnt.cpu().numpy(), rcnt)
    edges = np.array([0.0, 5.0, 10.0, 15.0], np.float32)
    got = cltorch.searchsorted(_t(ctx, edges), t[0])
    np.testing.assert_array_equal(got.cpu().numpy(), np.searchsorted(edges, a[0]))
