"""Fused softmax / log_softmax / softmin (softmax.cl) against real torch: values, gradients, edge cases."""
import warnings

import numpy as np
import pytest
import torch as T

import cltorch as torch
import cltorch.nn as nn
import cltorch.nn.functional as F
from cltorch.ops import softmax as softmax_ops
from cltorch.tensor import _alloc

RNG = np.random.default_rng(11)

SHAPES_DIMS = [((7,), 0), ((1023,), -1), ((4, 1031), 1), ((3, 5, 7), 0), ((3, 5, 7), 1), ((3, 5, 7), 2),
               ((2, 9, 17), 1), ((2, 9, 8), 1), ((5, 1), 1), ((1, 1), 0), ((6, 300), 0)]


def _rand(shape, dtype=np.float32, scale=3.0):
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def _pair(name):
    return getattr(F, name), getattr(T.nn.functional, name)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape,dim", SHAPES_DIMS)
def test_forward_matches_torch(name, shape, dim):
    ours, theirs = _pair(name)
    x = _rand(shape)
    got = ours(torch.tensor(x), dim).numpy()
    np.testing.assert_allclose(got, theirs(T.tensor(x), dim).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", SHAPES_DIMS)
def test_gradients_match_torch(name, shape, dim):
    ours, theirs = _pair(name)
    x, g = _rand(shape), _rand(shape, scale=1.0)
    a = torch.tensor(x, requires_grad=True)
    ours(a, dim).backward(torch.tensor(g))
    b = T.tensor(x, requires_grad=True)
    theirs(b, dim).backward(T.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("log", [False, True])
def test_dense_views_with_offsets(log):
    ours, theirs = _pair("log_softmax" if log else "softmax")
    x, g = _rand((6, 19)), _rand((8, 19), scale=1.0)
    a = torch.tensor(x, requires_grad=True)
    b = T.tensor(x, requires_grad=True)
    ya, yb = ours(a[2:], 1), theirs(b[2:], 1)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-5, atol=1e-6)
    ya.backward(torch.tensor(g)[4:])  # the upstream gradient starts at an offset too
    yb.backward(T.tensor(g)[4:])
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("log", [False, True])
def test_non_contiguous_input_and_gradient(log):
    ours, theirs = _pair("log_softmax" if log else "softmax")
    x = _rand((9, 13))
    a = torch.tensor(x, requires_grad=True)
    b = T.tensor(x, requires_grad=True)
    ya, yb = ours(a.t()[:, 1:8], 0), theirs(b.t()[:, 1:8], 0)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = _rand((7, 13), scale=1.0)
    ya.backward(torch.tensor(g).t())  # a transposed upstream gradient
    yb.backward(T.tensor(g).t())
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_float64_values_and_gradcheck():
    x = _rand((4, 6), np.float64)
    for name in ("softmax", "log_softmax"):
        ours, theirs = _pair(name)
        for dim in (0, 1):
            got = ours(torch.tensor(x), dim)
            assert got.dtype == torch.float64
            np.testing.assert_allclose(got.numpy(), theirs(T.tensor(x), dim).numpy(), rtol=1e-12, atol=1e-14)
            a = torch.tensor(x[:3, :5], requires_grad=True)
            assert torch.autograd.gradcheck(lambda t, f=ours, d=dim: f(t, d), (a,), eps=1e-6, atol=1e-7)


def test_float16_computes_in_float():
    x = _rand((5, 37), np.float16, scale=2.0)
    for name in ("softmax", "log_softmax"):
        ours, theirs = _pair(name)
        got = ours(torch.tensor(x), 1)
        assert got.dtype == torch.float16
        ref = theirs(T.tensor(x).float(), 1).numpy()
        np.testing.assert_allclose(got.numpy().astype(np.float32), ref, rtol=2e-3, atol=2e-3)


def test_large_values_are_stable_and_special_values_follow_torch():
    inf, nan = float("inf"), float("nan")
    x = np.array([[1000.0, 1001.0, 999.0], [-inf, 1.0, 2.0], [-inf, -inf, -inf], [1.0, nan, 2.0],
                  [inf, 1.0, 2.0]], dtype=np.float32)
    for name in ("softmax", "log_softmax"):
        ours, theirs = _pair(name)
        np.testing.assert_allclose(ours(torch.tensor(x), 1).numpy(), theirs(T.tensor(x), 1).numpy(), rtol=1e-5)


def test_empty_and_zero_dim():
    for shape in ((0, 3), (3, 0), (0,)):
        for dim in range(len(shape)):
            out = F.softmax(torch.zeros(*shape), dim)
            assert tuple(out.shape) == shape
    s = torch.tensor(2.5)
    assert F.softmax(s, 0).item() == 1.0 and F.log_softmax(s, -1).item() == 0.0
    with pytest.raises(IndexError):
        F.softmax(torch.zeros(2, 3), 2)


def test_dtype_argument_and_integer_errors():
    x = np.arange(6).reshape(2, 3)
    got = F.softmax(torch.tensor(x), 1, dtype=torch.float64)
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), T.softmax(T.tensor(x), 1, dtype=T.float64).numpy(), rtol=1e-12)
    a = torch.tensor(_rand((2, 3)), requires_grad=True)
    F.log_softmax(a, 1, dtype=torch.float64).sum().backward()
    assert a.grad.dtype == torch.float32
    for fn, tfn in ((F.softmax, T.softmax), (F.log_softmax, T.log_softmax)):
        for dim in (0, 1):
            with pytest.raises(NotImplementedError) as ours:
                fn(torch.tensor(x), dim)
            with pytest.raises(NotImplementedError) as theirs:
                tfn(T.tensor(x), dim)
            assert str(ours.value) == str(theirs.value)


def test_implicit_dim_warns_like_torch():
    for name in ("softmax", "log_softmax", "softmin"):
        ours, theirs = _pair(name)
        for shape in ((3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)):
            x = _rand(shape)
            with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}") as rec:
                got = ours(torch.tensor(x))
            assert rec[0].filename == __file__
            with pytest.warns(UserWarning) as trec:
                ref = theirs(T.tensor(x))
            assert trec[0].filename == __file__
            np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("log", [False, True])
def test_double_backward_matches_torch(log):
    ours, theirs = _pair("log_softmax" if log else "softmax")
    x, w = _rand((3, 5), np.float64), _rand((3, 5), np.float64)
    a = torch.tensor(x, requires_grad=True)
    (ga,) = torch.autograd.grad((ours(a, 1) * torch.tensor(w)).sum(), a, create_graph=True)
    (ga * ga).sum().backward()
    b = T.tensor(x, requires_grad=True)
    (gb,) = T.autograd.grad((theirs(b, 1) * T.tensor(w)).sum(), b, create_graph=True)
    (gb * gb).sum().backward()
    np.testing.assert_allclose(ga.detach().numpy(), gb.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("log", [False, True])
def test_work_group_variant_matches_row_variant(log):
    """The GPU configuration (a work-group per row) runs on any device when forced."""
    for shape in ((3, 1031), (2, 64), (1, 7)):
        x = torch.tensor(_rand(shape))
        outs, grads = [], []
        g = torch.tensor(_rand(shape, scale=1.0))
        for group in (False, True):
            out = _alloc(x.shape, x.dtype, x.device)
            softmax_ops.softmax(out, x, 1, log, group=group)
            gx = _alloc(x.shape, x.dtype, x.device)
            softmax_ops.softmax_backward(gx, g, out, 1, log, group=group)
            outs.append(out.numpy())
            grads.append(gx.numpy())
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-4, atol=1e-6)


def test_modules_and_reprs():
    x = _rand((2, 3, 4, 5))
    for cls, kw in ((nn.Softmax, {"dim": 1}), (nn.LogSoftmax, {"dim": -1}), (nn.Softmin, {"dim": 2}),
                    (nn.Softmax, {}), (nn.Softmax2d, {})):
        ours, theirs = cls(**kw), getattr(T.nn, cls.__name__)(**kw)
        assert repr(ours) == repr(theirs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_allclose(ours(torch.tensor(x)).numpy(), theirs(T.tensor(x)).numpy(), rtol=1e-5,
                                       atol=1e-6)
    with pytest.raises(AssertionError):
        nn.Softmax2d()(torch.zeros(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax") as rec:
        nn.LogSoftmax()(torch.zeros(2, 3))
    assert rec[0].filename == __file__


def test_top_level_and_method_forms_match_torch():
    x = np.random.default_rng(11).normal(size=(3, 5)).astype(np.float32)
    a, b = torch.tensor(x), T.tensor(x)
    np.testing.assert_allclose(a.softmax(1).numpy(), b.softmax(1).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(a.log_softmax(0).numpy(), b.log_softmax(0).numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(torch.softmax(a, 0).numpy(), T.softmax(b, 0).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(torch.log_softmax(a, -1, dtype=torch.float64).numpy(),
                               T.log_softmax(b, -1, dtype=T.float64).numpy(), rtol=1e-12, atol=1e-12)
    assert torch.dropout(a, 0.5, False).equal(a)
    assert torch.dropout(a, 1.0, True).abs().sum().item() == 0
