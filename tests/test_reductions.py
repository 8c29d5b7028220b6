"""Reductions and scans against NumPy: dims, keepdim, dtypes, odd sizes, strided views, numerics, errors."""
import math

import numpy as np
import pytest

import cltorch as torch
from cltorch.tensor import Tensor

SIZES = [0, 1, 7, 1023, 4097]
RNG = np.random.default_rng(7)


# -- views -------------------------------------------------------------------------
def reversed_view(arr: np.ndarray) -> Tensor:
    """A non-contiguous cltorch view equal to arr: its memory is arr with every axis order reversed."""
    base = torch.tensor(np.ascontiguousarray(arr.T))
    return Tensor._make(base._storage, 0, arr.shape, tuple(reversed(base._stride)), base.dtype, base.device)


def sliced_view(arr: np.ndarray) -> Tensor:
    """A view equal to arr that reads every other element of its last dim, from offset 1."""
    big = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1] + 1,), dtype=arr.dtype)
    big[..., 1::2] = arr
    base = torch.tensor(big)
    return Tensor._make(base._storage, 1, arr.shape, base._stride[:-1] + (2,), base.dtype, base.device)


def expanded_view(row: np.ndarray, rows: int) -> Tensor:
    """A (rows, len(row)) view whose rows all alias one row (stride 0)."""
    base = torch.tensor(row)
    return Tensor._make(base._storage, 0, (rows, row.shape[0]), (0, 1), base.dtype, base.device)


VIEWS = {"contiguous": torch.tensor, "reversed": reversed_view, "sliced": sliced_view}


def data(shape, dtype=np.float32, lo=-3.0, hi=3.0):
    if dtype == np.bool_:
        return RNG.random(shape) < 0.5
    if np.issubdtype(dtype, np.integer):
        return RNG.integers(int(lo), int(hi) + 1, shape).astype(dtype)
    return RNG.uniform(lo, hi, shape).astype(dtype)


def check(got, expected, rtol=1e-5, atol=1e-5, dtype=None):
    expected = np.asarray(expected)
    assert tuple(got.shape) == expected.shape, (tuple(got.shape), expected.shape)
    if dtype is not None:
        assert got.dtype is dtype, (got.dtype, dtype)
    np.testing.assert_allclose(got.numpy().astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol)


def np_dims(dim, ndim):
    if dim is None:
        return None
    return tuple(d % ndim for d in dim) if isinstance(dim, tuple) else dim % ndim


# -- sum and mean ------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_sum_and_mean_of_vectors(n):
    a = data(n)
    check(torch.tensor(a).sum(), a.astype(np.float64).sum(), rtol=1e-5, atol=1e-4, dtype=torch.float32)
    mean = torch.tensor(a).mean()
    if n == 0:
        assert math.isnan(mean.item())
    else:
        check(mean, a.astype(np.float64).mean(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_dims_keepdim_views(view, dim, keepdim):
    a = data((5, 7, 9))
    t = VIEWS[view](a)
    got = t.sum() if dim is None else t.sum(dim, keepdim=keepdim)
    ref = a.astype(np.float64).sum(axis=np_dims(dim, 3), keepdims=keepdim and dim is not None)
    check(got, ref, rtol=1e-5, atol=1e-4, dtype=torch.float32)
    got = t.mean() if dim is None else torch.mean(t, dim, keepdim)
    check(got, a.astype(np.float64).mean(axis=np_dims(dim, 3), keepdims=keepdim and dim is not None), atol=1e-5)


@pytest.mark.parametrize("np_dtype, result", [
    (np.float64, torch.float64), (np.float16, torch.float16), (np.int64, torch.int64), (np.int32, torch.int64),
    (np.uint8, torch.int64), (np.bool_, torch.int64), (np.int8, torch.int64)])
def test_sum_dtypes(np_dtype, result):
    a = data((6, 1023), np_dtype, lo=-50, hi=50) if np_dtype != np.uint8 else data((6, 1023), np_dtype, 0, 255)
    t = torch.tensor(a)
    ref = a.astype(np.float64 if np_dtype in (np.float16, np.float64) else np.int64)
    tol = 2e-3 if np_dtype == np.float16 else 1e-12
    check(t.sum(), ref.sum(), rtol=tol, atol=tol, dtype=result)
    check(t.sum(1), ref.sum(1), rtol=tol, atol=tol, dtype=result)
    check(t.sum(0, keepdim=True), ref.sum(0, keepdims=True), rtol=tol, atol=tol, dtype=result)


def test_sum_dtype_argument_converts_first():
    a = np.array([[1.7, 2.9], [-1.5, 4.2]], dtype=np.float32)
    got = torch.tensor(a).sum(1, dtype=torch.int64)
    assert got.dtype is torch.int64 and got.tolist() == [3, 3]
    got = torch.tensor(np.array([1, 2, 3], dtype=np.int32)).sum(dtype=torch.float64)
    assert got.dtype is torch.float64 and got.item() == 6.0
    got = torch.tensor(np.array([100, 100, 100], dtype=np.uint8)).sum(dtype=torch.uint8)
    assert got.dtype is torch.uint8 and got.item() == 44  # wraps like torch


def test_int64_sum_is_exact_for_large_values():
    a = np.array([2 ** 53 + 1, 2 ** 53 + 3, -5], dtype=np.int64)
    assert torch.tensor(a).sum().item() == int(a.sum())


def test_sum_of_expanded_view_and_empty_dims():
    row = data(37)
    check(expanded_view(row, 1000).sum(0), row.astype(np.float64) * 1000, rtol=1e-5, atol=1e-3)
    z = torch.zeros((3, 0, 4))
    check(z.sum(1), np.zeros((3, 4)), dtype=torch.float32)
    assert z.sum(2).shape == (3, 0)
    assert torch.isnan(z.mean(1)).all().item()


def test_sum_of_0d_tensor():
    t = torch.tensor(2.5)
    assert t.sum().item() == 2.5 and t.sum(0).shape == () and t.sum(-1, keepdim=True).shape == ()


def test_mean_rejects_integers_and_accepts_float_dtype():
    t = torch.tensor([1, 2, 4])
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        t.mean()
    with pytest.raises(RuntimeError, match="Optional dtype"):
        t.mean(dtype=torch.int32)
    got = t.mean(dtype=torch.float32)
    assert got.dtype is torch.float32 and abs(got.item() - 7 / 3) < 1e-6
    h = torch.tensor(np.array([1.0, 2.0, 2.5], dtype=np.float16))
    assert h.mean().dtype is torch.float16 and h.mean().item() == pytest.approx(11 / 6, rel=1e-3)


# -- accuracy and the chunked paths ------------------------------------------------
def test_long_row_sum_is_accurate():
    n = 1_000_000
    exact = float(np.float32(0.1)) * n  # 100000.0015
    naive = float(np.cumsum(np.full(n, 0.1, np.float32))[-1])  # one serial float32 accumulator
    assert abs(naive - exact) / exact > 1e-3  # the bound below is one a serial sum fails
    got = torch.full((n,), 0.1).sum().item()
    assert abs(got - exact) / exact < 1e-6, got
    rows = torch.full((4, n // 4), 0.1).sum(1)
    np.testing.assert_allclose(rows.numpy(), exact / 4, rtol=1e-6)
    cols = torch.full((n // 4, 4), 0.1).sum(0)
    np.testing.assert_allclose(cols.numpy(), exact / 4, rtol=1e-6)


def test_full_sum_of_4m_floats():
    a = data(4 * 1024 * 1024)
    t = torch.tensor(a)
    ref = a.astype(np.float64).sum()
    assert abs(t.sum().item() - ref) <= 1e-6 * np.abs(a).astype(np.float64).sum()
    assert abs(t.mean().item() - ref / a.size) < 1e-6


@pytest.mark.parametrize("shape", [(4097, 37), (1023, 16), (7, 4097), (3000, 5)])
def test_outer_dim_reductions(shape):
    """Reducing dim 0 (neighbouring outputs adjacent in memory) in single and chunked passes."""
    a = data(shape)
    t = torch.tensor(a)
    check(t.sum(0), a.astype(np.float64).sum(0), rtol=1e-5, atol=1e-3)
    check(t.amax(0), a.max(0))
    v, i = t.min(0)
    check(v, a.min(0))
    np.testing.assert_array_equal(i.numpy(), a.argmin(0))
    check(t.var(0), a.astype(np.float64).var(0, ddof=1), rtol=1e-4, atol=1e-5)
    check(t.std(0), a.astype(np.float64).std(0, ddof=1), rtol=1e-4, atol=1e-5)
    assert t.all(0).tolist() == list(a.all(0))


def test_many_dims_that_do_not_coalesce():
    a = data((2,) * 11)
    t = reversed_view(a)
    check(t.sum((0, 2, 4, 6, 8, 10)), a.astype(np.float64).sum((0, 2, 4, 6, 8, 10)), atol=1e-4)
    check(t.amax((1, 3, 5, 7, 9)), a.max((1, 3, 5, 7, 9)))
    assert t.argmax().item() == a.argmax()


# -- prod --------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_prod_vectors(n):
    a = RNG.uniform(0.999, 1.001, n).astype(np.float32)
    check(torch.tensor(a).prod(), np.prod(a.astype(np.float64)), rtol=1e-4)


def test_prod_dims_and_ints():
    a = data((4, 5), np.int32, -3, 3)
    check(torch.tensor(a).prod(1), a.astype(np.int64).prod(1), dtype=torch.int64)
    check(reversed_view(a).prod(0, keepdim=True), a.astype(np.int64).prod(0, keepdims=True), dtype=torch.int64)
    b = torch.tensor([True, True, False])
    assert b.prod().item() == 0 and b.prod().dtype is torch.int64
    with pytest.raises(TypeError):
        torch.prod(torch.tensor(a), (0, 1))


# -- max / min / amax / amin / argmax / argmin --------------------------------------
@pytest.mark.parametrize("n", SIZES[1:])
@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.uint8])
def test_max_min_whole_tensor(n, np_dtype):
    a = data(n, np_dtype, 0 if np_dtype == np.uint8 else -100, 100)
    t = torch.tensor(a)
    assert t.max().item() == a.max() and t.min().item() == a.min()
    assert t.max().dtype is t.dtype and t.max().shape == ()
    assert t.argmax().item() == a.argmax() and t.argmin().item() == a.argmin()


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_return_values_and_indices(view, dim, keepdim):
    a = data((6, 7, 1023), np.int32, -5, 5)  # many ties: the first index must win
    t = VIEWS[view](a)
    res = torch.max(t, dim, keepdim)
    values, indices = res
    assert isinstance(res, torch.return_types.max) and res.values is values and res.indices is indices
    check(values, a.max(dim, keepdims=keepdim), dtype=torch.int32)
    np.testing.assert_array_equal(indices.numpy(), np.expand_dims(a.argmax(dim), dim) if keepdim else a.argmax(dim))
    assert indices.dtype is torch.int64
    values, indices = t.min(dim=dim, keepdim=keepdim)
    np.testing.assert_array_equal(indices.numpy(), np.expand_dims(a.argmin(dim), dim) if keepdim else a.argmin(dim))
    np.testing.assert_array_equal(t.argmax(dim, keepdim).numpy(), indices.numpy() * 0 + (
        np.expand_dims(a.argmax(dim), dim) if keepdim else a.argmax(dim)))


def test_max_ties_and_nan_follow_torch():
    t = torch.tensor([1.0, 3.0, 3.0, 2.0, 3.0])
    assert t.max(0).indices.item() == 1 and t.argmax().item() == 1
    assert torch.tensor([2.0, 1.0, 1.0]).argmin().item() == 1
    n = torch.tensor([1.0, float("nan"), 5.0, float("nan")])
    assert math.isnan(n.max().item()) and math.isnan(n.min().item())
    assert n.argmax().item() == 1 and n.argmin().item() == 1
    assert math.isnan(n.amax().item())
    long_nan = np.zeros(9000, np.float32)
    long_nan[[5000, 7000]] = np.nan
    assert torch.tensor(long_nan).argmax().item() == 5000
    ties = np.zeros(9000, np.float32)
    ties[[4100, 4200, 8000]] = 2
    assert torch.tensor(ties).argmax().item() == 4100


def test_max_repr_and_elementwise_form():
    v = torch.tensor([[1, 5], [7, 2]]).max(1)
    assert repr(v).startswith("cltorch.return_types.max(\nvalues=tensor([5, 7]),\nindices=tensor([1, 0]))")
    got = torch.max(torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0]))
    assert got.tolist() == [3.0, 5.0]
    assert torch.min(torch.tensor([1.0, 5.0]), torch.tensor([3.0, 2.0])).tolist() == [1.0, 2.0]
    b = torch.tensor([[True, False], [False, False]])
    assert b.max().item() is True and b.max(1).values.tolist() == [True, False]


@pytest.mark.parametrize("dim", [(), 0, (0, 2), (-1, -2), (0, 1, 2)])
def test_amax_amin(dim):
    a = data((4, 9, 33))
    t = reversed_view(a)
    axis = np_dims(dim, 3) if dim != () else None
    check(torch.amax(t, dim), a.max(axis=axis))
    check(t.amin(dim, keepdim=True), a.min(axis=axis, keepdims=True))


def test_argmax_flattens_non_contiguous_input_and_keepdim():
    a = data((5, 6))
    t = reversed_view(a)
    assert t.argmax().item() == a.argmax() and t.argmin().item() == a.argmin()
    assert t.argmax(keepdim=True).shape == (1, 1)
    assert t.argmax(1, keepdim=True).shape == (5, 1)
    with pytest.raises(RuntimeError):
        torch.tensor([True, False]).argmax()


def test_aminmax():
    a = data((3, 50))
    lo, hi = torch.aminmax(torch.tensor(a))
    assert lo.item() == a.min() and hi.item() == a.max()
    res = torch.tensor(a).aminmax(dim=1, keepdim=True)
    check(res.min, a.min(1, keepdims=True))
    check(res.max, a.max(1, keepdims=True))


def test_extreme_reductions_of_empty_tensors_raise():
    e = torch.zeros((0, 3))
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        e.max()
    with pytest.raises(IndexError, match="Expected reduction dim to be specified"):
        e.argmax()  # torch raises IndexError here, RuntimeError for max()
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        e.amax()
    with pytest.raises(IndexError, match="Expected reduction dim 0 to have non-zero size"):
        e.max(0)
    with pytest.raises(IndexError):
        e.amax(0)
    with pytest.raises(RuntimeError):
        torch.aminmax(e)
    with pytest.raises(IndexError):
        torch.aminmax(e, dim=0)
    assert e.max(1).values.shape == (0,) and e.amin(1).shape == (0,)


# -- var / std ---------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES[1:])
def test_var_std_vectors(n):
    a = data(n).astype(np.float64)
    t = torch.tensor(a)
    if n == 1:
        assert math.isnan(t.var().item())
        assert t.var(unbiased=False).item() == 0
        return
    check(t.var(), a.var(ddof=1), rtol=1e-10)
    check(t.std(unbiased=False), a.std(), rtol=1e-10)
    check(torch.var(t, correction=2), a.var(ddof=2), rtol=1e-10)


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_var_std_dims(view, dim, keepdim):
    a = data((5, 6, 300))
    t = VIEWS[view](a)
    axis, kd = np_dims(dim, 3), keepdim
    ref = a.astype(np.float64)
    check(t.var(dim, keepdim=keepdim), ref.var(axis, ddof=1, keepdims=kd), rtol=1e-4, atol=1e-6)
    check(torch.std(t, dim, False, keepdim), ref.std(axis, ddof=0, keepdims=kd), rtol=1e-4, atol=1e-6)
    s, m = torch.std_mean(t, dim, keepdim=keepdim, correction=0)
    check(s, ref.std(axis, keepdims=kd), rtol=1e-4, atol=1e-6)
    check(m, ref.mean(axis, keepdims=kd), rtol=1e-5, atol=1e-6, dtype=torch.float32)


def test_var_is_stable_with_a_large_offset():
    noise = RNG.standard_normal(200_000) * 0.01
    a = (1e4 + noise).astype(np.float32)
    exact = a.astype(np.float64).var(ddof=1)  # ~1e-4 on values of 1e4
    got = torch.tensor(a).var().item()
    assert abs(got - exact) / exact < 1e-3, (got, exact)
    rows = torch.tensor(a.reshape(200, 1000)).var(1)
    np.testing.assert_allclose(rows.numpy(), a.reshape(200, 1000).astype(np.float64).var(1, ddof=1), rtol=1e-3)
    cols = torch.tensor(a.reshape(1000, 200)).var(0)
    np.testing.assert_allclose(cols.numpy(), a.reshape(1000, 200).astype(np.float64).var(0, ddof=1), rtol=1e-3)


def test_var_mean_float16_and_errors():
    a = data((4, 100), np.float16)
    v, m = torch.var_mean(torch.tensor(a), 1)
    assert v.dtype is torch.float16 and m.dtype is torch.float16
    check(v, a.astype(np.float64).var(1, ddof=1), rtol=3e-3, atol=1e-3)
    check(m, a.astype(np.float64).mean(1), rtol=3e-3, atol=1e-3)
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2, 3]).var()
    assert math.isnan(torch.zeros(0).var().item())
    assert torch.tensor([1.0, 2.0]).var(False).item() == 0.25  # var(input, unbiased) overload


# -- norm ----------------------------------------------------------------------------
@pytest.mark.parametrize("p", ["fro", 2, 1, 0, 3, 0.5, math.inf, -math.inf])
def test_norm_orders(p):
    a = data((6, 130))
    a[0, :5] = 0
    t = reversed_view(a)
    ref = a.astype(np.float64)
    q = 2 if p == "fro" else p

    def vnorm(x, axis=None, keepdims=False):
        x = np.abs(x)
        if q == math.inf:
            return x.max(axis=axis, keepdims=keepdims)
        if q == -math.inf:
            return x.min(axis=axis, keepdims=keepdims)
        if q == 0:
            return (x != 0).sum(axis=axis, keepdims=keepdims).astype(np.float64)
        return (x ** q).sum(axis=axis, keepdims=keepdims) ** (1 / q)

    check(t.norm(p), vnorm(ref), rtol=1e-4, dtype=torch.float32)
    check(torch.norm(t, p, 1), vnorm(ref, 1), rtol=1e-4)
    check(torch.norm(t, p, dim=(0, 1), keepdim=True), vnorm(ref, (0, 1), True), rtol=1e-4)


def test_norm_dtypes_and_errors():
    a = data(1023, np.float64)
    assert torch.tensor(a).norm().item() == pytest.approx(np.linalg.norm(a), rel=1e-12)
    h = torch.tensor(data(50, np.float16))
    assert h.norm().dtype is torch.float16
    assert torch.tensor(a.astype(np.float32)).norm(dtype=torch.float64).dtype is torch.float64
    with pytest.raises(RuntimeError, match="floating point"):
        torch.tensor([1, 2]).norm()
    with pytest.raises(RuntimeError):
        torch.zeros(0).norm(math.inf)
    assert torch.zeros(0).norm().item() == 0


# -- logsumexp -------------------------------------------------------------------------
def test_logsumexp_is_stable():
    a = np.array([[1000.0, 1000.5, 999.0], [-1000.0, -1001.0, -1000.5]], dtype=np.float32)
    ref = np.array([m + np.log(np.exp(r - m).sum()) for r, m in zip(a.astype(np.float64), a.max(1))])
    check(torch.logsumexp(torch.tensor(a), 1), ref, rtol=1e-6)
    inf = torch.tensor([-math.inf, -math.inf]).logsumexp(0).item()
    assert inf == -math.inf
    assert torch.tensor([math.inf, 1.0]).logsumexp(0).item() == math.inf
    assert math.isnan(torch.tensor([math.nan, 1.0]).logsumexp(0).item())
    assert torch.zeros((0, 2)).logsumexp(0).tolist() == [-math.inf, -math.inf]


@pytest.mark.parametrize("n", SIZES[1:])
def test_logsumexp_sizes_and_dims(n):
    a = data((3, n), lo=-20, hi=20)
    ref = a.astype(np.float64)
    m = ref.max(1, keepdims=True)
    check(torch.tensor(a).logsumexp(1), (m + np.log(np.exp(ref - m).sum(1, keepdims=True)))[:, 0], rtol=1e-5)
    full = ref.max() + np.log(np.exp(ref - ref.max()).sum())
    check(reversed_view(a).logsumexp((0, 1), keepdim=True), np.full((1, 1), full), rtol=1e-5)
    ints = torch.tensor([1, 2, 3]).logsumexp(0)
    assert ints.dtype is torch.float32 and ints.item() == pytest.approx(np.log(np.exp([1, 2, 3]).sum()), rel=1e-6)


# -- all / any / count_nonzero -------------------------------------------------------------
@pytest.mark.parametrize("np_dtype", [np.bool_, np.float32, np.int64, np.uint8])
def test_all_any(np_dtype):
    a = data((4, 6, 20), np_dtype, 0, 2)
    t = reversed_view(a)
    expected_dtype = torch.uint8 if np_dtype == np.uint8 else torch.bool
    assert t.all().dtype is expected_dtype
    assert bool(t.all().item()) == a.all() and bool(t.any().item()) == a.any()
    np.testing.assert_array_equal(t.all(1).numpy().astype(bool), a.all(1))
    np.testing.assert_array_equal(torch.any(t, -1, keepdim=True).numpy().astype(bool), a.any(-1, keepdims=True))
    np.testing.assert_array_equal(t.any((0, 2)).numpy().astype(bool), a.any((0, 2)))


def test_all_any_of_empty_and_long_inputs():
    assert torch.zeros(0).all().item() is True and torch.zeros(0).any().item() is False
    a = np.ones(100_000, dtype=bool)
    assert torch.tensor(a).all().item() is True
    a[77_777] = False
    assert torch.tensor(a).all().item() is False and torch.tensor(~a).any().item() is True


def test_count_nonzero():
    a = data((5, 7, 9), np.int32, -1, 1)
    t = reversed_view(a)
    assert t.count_nonzero().item() == np.count_nonzero(a)
    check(torch.count_nonzero(t, 1), np.count_nonzero(a, 1), dtype=torch.int64)
    check(t.count_nonzero((0, 2)), np.count_nonzero(a, (0, 2)))
    assert torch.tensor([0.0, math.nan, -0.0]).count_nonzero().item() == 1


def test_allclose_and_equal_use_all():
    a = torch.tensor(data(100))
    assert torch.allclose(a, a.clone()) and torch.equal(a, a.clone())
    assert not torch.equal(a, a + 1) and not torch.allclose(a, a + 1e-3)


# -- cumsum / cumprod --------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_cumsum_vectors(n):
    a = data(n)
    check(torch.tensor(a).cumsum(0), np.cumsum(a.astype(np.float64)), rtol=1e-5, atol=1e-4, dtype=torch.float32)


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod_dims_views(view, dim):
    a = data((4, 5, 6), lo=0.5, hi=1.5)
    t = VIEWS[view](a)
    ref = a.astype(np.float64)
    check(torch.cumsum(t, dim), np.cumsum(ref, dim), rtol=1e-5, atol=1e-5)
    check(t.cumprod(dim), np.cumprod(ref, dim), rtol=1e-5, atol=1e-5)


def test_cumsum_long_lines_are_accurate():
    n = 300_000
    got = torch.full((2, n), 0.1).cumsum(1).numpy()
    exact = np.arange(1, n + 1) * float(np.float32(0.1))
    np.testing.assert_allclose(got[1], exact, rtol=2e-7)
    a = data(20_000, lo=0.9999, hi=1.0001)
    check(torch.tensor(a).cumprod(0), np.cumprod(a.astype(np.float64)), rtol=1e-5)


def test_cumsum_dtypes_and_in_place():
    b = torch.tensor([True, False, True])
    assert b.cumsum(0).dtype is torch.int64 and b.cumsum(0).tolist() == [1, 1, 2]
    i = torch.tensor(np.array([[1, 2], [3, 4]], dtype=np.int32))
    assert i.cumprod(1).dtype is torch.int64 and i.cumprod(1).tolist() == [[1, 2], [3, 12]]
    assert i.cumsum(0, dtype=torch.float64).dtype is torch.float64
    h = torch.tensor(np.array([0.5, 0.25, 1.0], dtype=np.float16)).cumsum(0)
    assert h.dtype is torch.float16 and h.tolist() == [0.5, 0.75, 1.75]
    x = torch.tensor([1.0, 2.0, 3.0])
    v = x._version
    assert x.cumsum_(0) is x and x.tolist() == [1.0, 3.0, 6.0] and x._version > v
    assert torch.tensor(5).cumsum(0).tolist() == 5


# -- argument errors ---------------------------------------------------------------------
def test_bad_dims_raise_like_torch():
    t = torch.zeros((2, 3))
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"):
        t.sum(5)
    with pytest.raises(IndexError):
        t.max(-3)
    with pytest.raises(IndexError):
        torch.cumsum(t, 2)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        t.sum((0, -2))
    with pytest.raises(TypeError):
        torch.sum([1, 2])


def test_out_argument():
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    out = torch.empty(2)
    assert torch.sum(a, 1, out=out) is out and out.tolist() == [3.0, 7.0]


def test_numpy_style_aliases():
    a = data((3, 4))
    t = torch.tensor(a)
    check(torch.sum(t, axis=1), a.astype(np.float64).sum(1), atol=1e-5)
    check(t.amax(axis=0, keepdims=True), a.max(0, keepdims=True))
    assert t.argmax(axis=1).tolist() == list(a.argmax(1))
    with pytest.raises(TypeError):
        t.sum(dim=0, axis=1)
