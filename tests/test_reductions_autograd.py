"""Gradients of the reductions and scans: finite differences, ties, zeros, names, second order, in place."""
from __future__ import annotations

import math

import numpy as np
import pytest

import cltorch as torch
from cltorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(5)
INF = math.inf


def leaf(*shape, low=-1.0, high=1.0):
    return torch.tensor(RNG.uniform(low, high, shape), dtype=torch.float64, requires_grad=True)


def given(values):
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


def name(t) -> str:
    return type(t.grad_fn).__name__


def grad_of(fn, x, upstream=None):
    """x.grad after backward of fn(x) with upstream (ones when None), as NumPy."""
    y = fn(x)
    y.backward(torch.ones_like(y) if upstream is None else torch.tensor(upstream, dtype=y.dtype))
    return x.grad.numpy()


def first(out):
    return out[0] if isinstance(out, tuple) else out


# op -> (fn(x, dim, keepdim), dims to try); each is checked on a (2, 3, 4) input, keepdim both ways
DIM_OPS = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), [None, 1, -1, (0, 2), ()]),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), [None, 0, -2, (1, 2)]),
    "prod": (lambda x, d, k: x.prod(d, keepdim=k) if d is not None else x.prod(), [None, 1, -1]),
    "max": (lambda x, d, k: x.max(d, keepdim=k).values if d is not None else x.max(), [None, 1, -1]),
    "min": (lambda x, d, k: torch.min(x, d, keepdim=k)[0] if d is not None else torch.min(x), [None, 0, 2]),
    "amax": (lambda x, d, k: x.amax(d, keepdim=k), [(), 1, -1, (0, 2)]),
    "amin": (lambda x, d, k: torch.amin(x, d, keepdim=k), [(), 0, (1, 2)]),
    "aminmax": (lambda x, d, k: torch.aminmax(x, dim=d, keepdim=k), [None, 1, -1]),
    "std": (lambda x, d, k: x.std(d, keepdim=k), [None, 1, -1, (0, 2)]),
    "var": (lambda x, d, k: torch.var(x, d, keepdim=k, correction=0), [None, 2, (0, 1)]),
    "var_correction2": (lambda x, d, k: x.var(d, keepdim=k, correction=2), [None, 2]),
    "std_mean": (lambda x, d, k: torch.std_mean(x, d, keepdim=k), [None, 1, (0, 2)]),
    "var_mean": (lambda x, d, k: torch.var_mean(x, d, keepdim=k, unbiased=False), [None, -1]),
    "norm2": (lambda x, d, k: x.norm(dim=d, keepdim=k), [None, 1, (0, 2)]),
    "norm1": (lambda x, d, k: x.norm(1, dim=d, keepdim=k), [None, -1]),
    "norm_inf": (lambda x, d, k: x.norm(INF, dim=d, keepdim=k), [None, 1]),
    "norm_minus_inf": (lambda x, d, k: torch.norm(x, -INF, dim=d, keepdim=k), [None, 2]),
    "norm3": (lambda x, d, k: x.norm(3, dim=d, keepdim=k), [None, 1, (0, 2)]),
    "norm_half": (lambda x, d, k: x.norm(0.5, dim=d, keepdim=k), [None, 0]),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, keepdim=k), [0, -1, (1, 2)]),
}
DIM_CASES = [(op, d, k) for op, (_, dims) in DIM_OPS.items() for d in dims for k in (False, True)]


@pytest.mark.parametrize("op,dim,keepdim", DIM_CASES, ids=[f"{o}-{d}-{k}" for o, d, k in DIM_CASES])
def test_gradcheck_over_dims(op, dim, keepdim):
    fn = DIM_OPS[op][0]
    assert gradcheck(lambda x: fn(x, dim, keepdim), (leaf(2, 3, 4),))


@pytest.mark.parametrize("op", sorted(DIM_OPS))
def test_gradcheck_transposed_input(op):
    fn, dims = DIM_OPS[op]
    dim = [d for d in dims if d is not None and d != ()][0]
    assert gradcheck(lambda x: fn(x.transpose(0, 2), dim, False), (leaf(4, 3, 2),))


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scan_gradcheck(op, dim):
    x = leaf(2, 3, 4)
    assert gradcheck(lambda a: getattr(a, op)(dim), (x,))
    assert gradcheck(lambda a: getattr(torch, op)(a.transpose(0, 2), dim), (leaf(4, 3, 2),))


def test_zero_dim_and_single_element_inputs():
    s = given(1.5)
    for fn in (lambda a: a.sum(), lambda a: a.sum(0), lambda a: a.prod(), lambda a: a.prod(0), lambda a: a.max(0)[0],
               lambda a: a.amax(), lambda a: a.cumsum(0), lambda a: a.cumprod(0), lambda a: a.logsumexp(0),
               lambda a: a.norm(), lambda a: a.mean()):
        assert gradcheck(fn, (s,))
    assert gradcheck(lambda a: a.prod(1), (leaf(3, 1),))


def test_empty_inputs_get_empty_gradients():
    x = torch.zeros(0, 3, dtype=torch.float64, requires_grad=True)
    for fn in (lambda a: a.sum(0), lambda a: a.sum(), lambda a: a.prod(0), lambda a: a.cumprod(0),
               lambda a: a.logsumexp(0), lambda a: a.norm(dim=0)):
        x.grad = None
        y = fn(x)
        y.backward(torch.ones_like(y))
        assert tuple(x.grad.shape) == (0, 3)


# -- names ------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,expected", [
    (lambda x: x.sum(), "SumBackward0"), (lambda x: x.sum(1), "SumBackward1"),
    (lambda x: x.sum((0, 1)), "SumBackward1"), (lambda x: x.sum(dtype=torch.float32), "SumBackward0"),
    (lambda x: x.mean(), "MeanBackward0"), (lambda x: x.mean(0), "MeanBackward1"),
    (lambda x: x.prod(), "ProdBackward0"), (lambda x: x.prod(1), "ProdBackward1"),
    (lambda x: x.max(), "MaxBackward1"), (lambda x: x.max(1).values, "MaxBackward0"),
    (lambda x: x.min(), "MinBackward1"), (lambda x: x.min(0)[0], "MinBackward0"),
    (lambda x: x.amax(), "AmaxBackward0"), (lambda x: x.amin(1), "AminBackward0"),
    (lambda x: torch.aminmax(x).min, "AminmaxBackward0"), (lambda x: x.std(), "StdBackward0"),
    (lambda x: x.var(1), "VarBackward0"), (lambda x: torch.var_mean(x)[1], "VarMeanBackward0"),
    (lambda x: torch.std_mean(x, 1)[0], "StdMeanBackward0"), (lambda x: x.norm(), "LinalgVectorNormBackward0"),
    (lambda x: x.norm(INF, dim=1), "LinalgVectorNormBackward0"), (lambda x: x.logsumexp(1), "LogsumexpBackward0"),
    (lambda x: x.cumsum(1), "CumsumBackward0"), (lambda x: x.cumprod(0), "CumprodBackward0"),
])
def test_grad_fn_names(fn, expected):
    assert name(fn(leaf(3, 4))) == expected


def test_non_differentiable_outputs():
    x = leaf(3, 4)
    values, indices = x.max(1)
    assert values.requires_grad and not indices.requires_grad and indices.grad_fn is None
    for out in (x.argmax(), x.argmin(1), x.count_nonzero(), x.all(), x.any(1), (x > 0).sum()):
        assert not out.requires_grad and out.grad_fn is None
    with torch.no_grad():
        assert x.sum().grad_fn is None


# -- ties, zeros and special values (expected values are torch's) --------------------------
def test_max_with_dim_sends_gradient_to_the_returned_index_only():
    x = given([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 0.0, 5.0]])
    np.testing.assert_array_equal(grad_of(lambda a: a.max(1).values, x), [[0, 1, 0, 0], [1, 0, 0, 0]])
    y = given([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 0.0, 5.0]])
    np.testing.assert_array_equal(grad_of(lambda a: a.min(1, keepdim=True)[0], y), [[1, 0, 0, 0], [0, 0, 1, 0]])


@pytest.mark.parametrize("fn", [lambda a: a.max(), lambda a: a.amax(), lambda a: a.amax(0),
                                lambda a: torch.aminmax(a).max, lambda a: a.norm(INF)])
def test_ties_share_the_gradient(fn):
    np.testing.assert_allclose(grad_of(fn, given([1.0, 3.0, 3.0, 2.0])), [0, 0.5, 0.5, 0])


def test_amin_over_several_dims_splits_ties():
    x = given([[1.0, 4.0], [1.0, 1.0]])
    np.testing.assert_allclose(grad_of(lambda a: a.amin((0, 1)), x, 3.0), [[1, 0], [1, 1]])


def test_nan_maximum():
    np.testing.assert_array_equal(grad_of(lambda a: a.max(), given([2.0, math.nan, 3.0])), [0, 1, 0])
    assert np.isnan(grad_of(lambda a: a.amax(), given([2.0, math.nan, 3.0]))).all()


@pytest.mark.parametrize("values,expected", [
    ([2.0, 0.0, 3.0, 4.0], [0, 24, 0, 0]), ([2.0, 0.0, 3.0, 0.0, 4.0], [0, 0, 0, 0, 0]),
    ([0.0, 2.0, 3.0], [6, 0, 0]), ([2.0, -1.5, 3.0], [-4.5, 6, -3]),
])
def test_prod_with_zeros(values, expected):
    np.testing.assert_allclose(grad_of(lambda a: a.prod(), given(values)), expected)
    np.testing.assert_allclose(grad_of(lambda a: a.reshape(1, -1).prod(1), given(values)), expected)


def test_prod_with_zeros_along_a_dim():
    x = given([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(grad_of(lambda a: a.prod(1), x), [[0, 6, 0], [0, 0, 0], [6, 3, 2]])
    assert gradcheck(lambda a: a.prod(1), (x,))


@pytest.mark.parametrize("values,upstream,expected", [
    ([2.0, 0.0, 3.0, 0.0, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0], [1, 22, 0, 0, 0]),
    ([0.0, 2.0, 3.0], [1.0, 1.0, 1.0], [9, 0, 0]),
    ([2.0, 3.0, 0.0], [1.0, 1.0, 1.0], [4, 2, 6]),
])
def test_cumprod_with_zeros(values, upstream, expected):
    np.testing.assert_allclose(grad_of(lambda a: a.cumprod(0), given(values), upstream), expected)


def test_cumprod_with_zeros_gradcheck():
    x = given([[0.5, 0.0, 1.5, -2.0], [0.0, 1.2, 0.0, 0.7], [1.1, -0.9, 0.8, 1.3]])
    assert gradcheck(lambda a: a.cumprod(1), (x,))
    assert gradcheck(lambda a: a.cumprod(0), (x,))


def test_norm_at_zero_and_with_zero_entries():
    for p in (2, 1, 3, 0.5, INF):
        np.testing.assert_array_equal(grad_of(lambda a: a.norm(p), given([0.0, 0.0, 0.0])), [0, 0, 0])
    np.testing.assert_allclose(grad_of(lambda a: a.norm(0.5), given([0.0, -1.0, 2.0])), [0, -2.41421356, 1.70710678])
    np.testing.assert_allclose(grad_of(lambda a: a.norm(3), given([0.0, -1.0, 2.0])), [0, -0.23112042, 0.92448169])
    np.testing.assert_array_equal(grad_of(lambda a: a.norm(-1), given([0.0, -1.0, 2.0])), [0, 0, 0])
    z = given([0.0, -1.0, 2.0])
    z.norm(0).backward()
    assert z.grad is None or not z.grad.numpy().any()


def test_std_var_edge_cases():
    np.testing.assert_array_equal(grad_of(lambda a: a.std(), given([1.0, 1.0, 1.0])), [0, 0, 0])
    assert np.isnan(grad_of(lambda a: a.var(1), given([[1.0], [2.0]]))).all()   # 0/0, as torch


def test_logsumexp_with_infinities():
    np.testing.assert_array_equal(grad_of(lambda a: a.logsumexp(0), given([1.0, -INF])), [1, 0])
    assert np.isnan(grad_of(lambda a: a.logsumexp(0), given([-INF, -INF]))).all()


def test_values_against_numpy():
    arr = RNG.uniform(-1, 1, (3, 4))
    g = RNG.standard_normal(3)
    x = given(arr)
    expected = g[:, None] * 2 * (arr - arr.mean(1, keepdims=True)) / 3
    np.testing.assert_allclose(grad_of(lambda a: a.var(1), x, g), expected)
    x = given(arr)
    sm = np.exp(arr - np.log(np.exp(arr).sum(1, keepdims=True)))
    np.testing.assert_allclose(grad_of(lambda a: a.logsumexp(1), x, g), g[:, None] * sm)
    x = given(arr)
    np.testing.assert_allclose(grad_of(lambda a: a.mean(1), x, g), np.repeat(g[:, None] / 4, 4, 1))
    x = given(arr)
    g2 = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(grad_of(lambda a: a.cumsum(1), x, g2), np.cumsum(g2[:, ::-1], 1)[:, ::-1])


# -- dtypes ------------------------------------------------------------------------------
def test_gradient_keeps_the_input_dtype():
    x = torch.tensor(RNG.uniform(-1, 1, (2, 3)), dtype=torch.float32, requires_grad=True)
    for fn in (lambda a: a.sum(1, dtype=torch.float64), lambda a: a.cumsum(0, dtype=torch.float64),
               lambda a: a.norm(dtype=torch.float64), lambda a: a.prod(0, dtype=torch.float64)):
        x.grad = None
        y = fn(x)
        assert y.dtype is torch.float64
        y.backward(torch.ones_like(y))
        assert x.grad.dtype is torch.float32


def test_float32_gradients_match_float64():
    arr = RNG.uniform(0.5, 1.5, (3, 4))
    for fn in (lambda a: a.prod(1), lambda a: a.std(0), lambda a: a.cumprod(1), lambda a: a.logsumexp(1)):
        g64 = grad_of(fn, torch.tensor(arr, dtype=torch.float64, requires_grad=True))
        g32 = grad_of(fn, torch.tensor(arr, dtype=torch.float32, requires_grad=True))
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-5)


# -- second order -------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda a: (a * a).sum(1), lambda a: (a * a).mean((0, 1)), lambda a: a.prod(1), lambda a: a.prod(),
    lambda a: a.std(0),
    lambda a: a.var(1, keepdim=True), lambda a: a.norm(dim=1), lambda a: a.norm(3), lambda a: a.logsumexp(1),
    lambda a: (a * a).cumsum(0), lambda a: a.cumprod(1), lambda a: (a * a).amax(1), lambda a: (a * a).max(0).values,
    lambda a: torch.var_mean(a, 1), lambda a: torch.std_mean(a, 0),
], ids=["sum", "mean", "prod", "prod_all", "std", "var", "norm2", "norm3", "logsumexp", "cumsum", "cumprod",
        "amax", "max_dim", "var_mean", "std_mean"])
def test_second_order(fn):
    """Linear reductions are squared first, so that their gradient depends on the input."""
    assert gradgradcheck(fn, (leaf(3, 4, low=0.3, high=1.5),))


def test_second_order_through_zeros():
    x = given([[0.5, 0.0, 1.5, 0.0], [0.0, 1.2, -0.4, 0.7], [1.1, -0.9, 0.8, 1.3]])
    assert gradgradcheck(lambda a: a.prod(1), (x,))
    assert gradgradcheck(lambda a: a.cumprod(1), (x,))
    assert gradgradcheck(lambda a: a.prod(), (given([0.5, 0.0, 1.5, 0.0, 2.0]),))


# -- in place, out=, saved tensors --------------------------------------------------------------
@pytest.mark.parametrize("op", ["cumsum_", "cumprod_"])
def test_inplace_scans(op):
    x = leaf(3, 4)

    def fn(a):
        b = a * 1
        getattr(b, op)(1)
        return b
    assert gradcheck(fn, (x,))
    b = x * 1
    getattr(b, op)(0)
    assert name(b) == ("CumsumBackward0" if op == "cumsum_" else "CumprodBackward0")
    np.testing.assert_allclose(b.detach().numpy(), getattr(np, op[:-1])(x.detach().numpy(), 0))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(x, op)(0)


def test_inplace_scan_on_a_view():
    x = leaf(3, 4)

    def fn(a):
        b = a * 1
        b.select(0, 1).cumprod_(0)
        return b
    assert gradcheck(fn, (x,))


def test_out_with_grad_raises():
    x = leaf(2, 3)
    out = torch.empty(3, dtype=torch.float64)
    for call in (lambda: torch.sum(x, 0, out=out), lambda: torch.mean(x, 0, out=out),
                 lambda: torch.prod(x, 0, out=out), lambda: torch.amax(x, 0, out=out),
                 lambda: torch.std(x, 0, out=out), lambda: torch.logsumexp(x, 0, out=out),
                 lambda: torch.cumsum(x, 0, out=torch.empty(2, 3, dtype=torch.float64)),
                 lambda: torch.max(x, 0, out=(out, torch.empty(3, dtype=torch.int64)))):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            call()
    torch.sum(x.detach(), 0, out=out)
    np.testing.assert_allclose(out.numpy(), x.detach().numpy().sum(0))


def test_saved_input_modified_in_place_is_caught():
    a = leaf(2, 3) * 1
    y = a.prod(1)
    a.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(torch.ones(2, dtype=torch.float64))
    b = leaf(2, 3) * 1
    s = b.sum(1)              # sum reads nothing: changing b afterwards is fine
    b.mul_(2)
    s.backward(torch.ones(2, dtype=torch.float64))


def test_pairwise_max_still_differentiable():
    a, b = leaf(2, 3), leaf(2, 3)
    assert gradcheck(lambda x, y: torch.max(x, y) + torch.min(x, y) * 2, (a, b))


def test_registry_marks_backward():
    from cltorch._registry import OPS
    for op in "sum mean prod max min amax amin aminmax std var std_mean var_mean norm logsumexp cumsum cumprod".split():
        assert OPS[op].backward, op
    for op in "argmax argmin count_nonzero all any".split():
        assert not OPS[op].backward, op
