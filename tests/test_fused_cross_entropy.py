"""The fused cross-entropy path ((N, C) scores, class-index targets) against PyTorch."""
import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn.functional as F

RNG = np.random.default_rng(5)


def _run(x, y, reduction, ignore_index=-100, view=None, g=None):
    """Loss and input grad in both libraries for one random upstream gradient."""
    xc, xt = torch.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    vc, vt = (xc, xt) if view is None else (view(xc), view(xt))
    lc = F.cross_entropy(vc, torch.tensor(y), reduction=reduction, ignore_index=ignore_index)
    lt = T.nn.functional.cross_entropy(vt, T.tensor(y), reduction=reduction, ignore_index=ignore_index)
    assert lc.grad_fn.name() == "NllLossBackward0"
    assert tuple(lc.shape) == tuple(lt.shape) and lc.dtype.name == str(lt.dtype).split(".")[-1]
    g = RNG.standard_normal(tuple(lt.shape)).astype(x.dtype) if g is None else g
    lc.backward(torch.tensor(g))
    lt.backward(T.tensor(g))
    return lc, lt, xc.grad, xt.grad


def _close(c, t, tol):
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("n,c", [(64, 10), (1, 1), (1, 7), (7, 1000), (33, 1)])
def test_matches_torch(reduction, n, c):
    x = RNG.standard_normal((n, c)).astype(np.float32) * 3
    y = RNG.integers(0, c, n)
    lc, lt, gc, gt = _run(x, y, reduction)
    _close(lc, lt, 1e-5)
    _close(gc, gt, 1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_ignore_index_float64(reduction):
    x = RNG.standard_normal((23, 9))
    y = RNG.integers(0, 9, 23)
    y[[0, 5, 22]] = 4
    for ignore in (-100, 4):
        lc, lt, gc, gt = _run(x, y, reduction, ignore_index=ignore)
        _close(lc, lt, 1e-12)
        _close(gc, gt, 1e-12)


def test_all_ignored_mean_is_nan():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    lc, lt, gc, gt = _run(x, np.full(4, -100), "mean")
    assert np.isnan(lc.item()) and np.isnan(lt.item())
    _close(gc, gt, 0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_non_contiguous_input(reduction):
    x = RNG.standard_normal((12, 40)).astype(np.float32)
    y = RNG.integers(0, 6, 20)
    lc, lt, gc, gt = _run(x, y, reduction, view=lambda t: t.t()[::2, :6])
    _close(lc, lt, 1e-5)
    _close(gc, gt, 1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_empty_batch(reduction):
    x = np.zeros((0, 5), np.float32)
    lc, lt, gc, gt = _run(x, np.zeros(0, np.int64), reduction)
    _close(lc, lt, 0)
    assert tuple(gc.shape) == (0, 5)


def test_non_contiguous_target_and_byte_target():
    x = RNG.standard_normal((6, 4)).astype(np.float32)
    y = RNG.integers(0, 4, 12)
    lc = F.cross_entropy(torch.tensor(x), torch.tensor(y)[::2])
    lt = T.nn.functional.cross_entropy(T.tensor(x), T.tensor(y)[::2])
    _close(lc, lt, 1e-6)
    lc = F.cross_entropy(torch.tensor(x), torch.tensor(y[:6].astype(np.uint8)), reduction="none")
    lt = T.nn.functional.cross_entropy(T.tensor(x), T.tensor(y[:6]), reduction="none")
    _close(lc, lt, 1e-6)


@pytest.mark.parametrize("bad", [5, -1])
def test_out_of_range_target_raises_at_sync(bad):
    x = torch.tensor(RNG.standard_normal((3, 5)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, torch.tensor([0, bad, 1]))  # no read-back here
    with pytest.raises(IndexError, match="Target out of bounds"):
        loss.item()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_double_backward(reduction):
    x = RNG.standard_normal((5, 4))
    y = np.array([0, 3, -100, 1, 2])
    xc, xt = torch.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    lc = F.cross_entropy(xc, torch.tensor(y), reduction=reduction)
    lt = T.nn.functional.cross_entropy(xt, T.tensor(y), reduction=reduction)
    g = RNG.standard_normal(tuple(lt.shape))
    gc, = torch.autograd.grad(lc, xc, torch.tensor(g), create_graph=True)
    gt, = T.autograd.grad(lt, xt, T.tensor(g), create_graph=True)
    _close(gc, gt, 1e-12)
    v = RNG.standard_normal(x.shape)
    hc, = torch.autograd.grad((gc * torch.tensor(v)).sum(), xc)
    ht, = T.autograd.grad((gt * T.tensor(v)).sum(), xt)
    _close(hc, ht, 1e-12)


def test_gradcheck_float64():
    x = torch.tensor(RNG.standard_normal((4, 6)), requires_grad=True)
    y = torch.tensor([1, 5, 0, -100])
    assert torch.autograd.gradcheck(lambda t: F.cross_entropy(t, y), (x,))
    assert torch.autograd.gradgradcheck(lambda t: F.cross_entropy(t, y, reduction="none"), (x,))


def test_weight_and_smoothing_still_match():
    x = RNG.standard_normal((8, 5)).astype(np.float32)
    y = RNG.integers(0, 5, 8)
    w = RNG.random(5).astype(np.float32)
    lc = F.cross_entropy(torch.tensor(x), torch.tensor(y), weight=torch.tensor(w), label_smoothing=0.1)
    lt = T.nn.functional.cross_entropy(T.tensor(x), T.tensor(y), weight=T.tensor(w), label_smoothing=0.1)
    _close(lc, lt, 1e-5)
