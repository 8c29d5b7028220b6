"""sort/argsort/topk/kthvalue/unique/searchsorted/bucketize against NumPy on the PoCL CPU device."""
from __future__ import annotations

import numpy as np
import pytest

import cltorch as torch

rng = np.random.default_rng(7)
SIZES = [0, 1, 7, 1023, 4097]


def rand(shape, dtype=np.float32):
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        lo = 0 if dtype == np.uint8 else -20
        return rng.integers(lo, 20, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def transposed(a: np.ndarray):
    """A non-contiguous cltorch tensor holding a's values."""
    t = torch.tensor(np.ascontiguousarray(a.T))
    return torch.Tensor._make(t._storage, 0, a.shape, tuple(reversed(t.stride())), t.dtype, t.device)


def stable_desc(a, axis):
    """Stable descending argsort with NaN first, torch's order."""
    keyed = np.where(np.isnan(a), np.inf, a) if a.dtype.kind == "f" else a.astype(np.float64)
    return np.argsort(-keyed, axis=axis, kind="stable")


# -- sort / argsort ------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_sort_sizes_stable(n):
    a = rng.integers(0, 5, (3, n)).astype(np.float32)  # many ties
    values, indices = torch.sort(torch.tensor(a), stable=True)
    np.testing.assert_array_equal(values.numpy(), np.sort(a, axis=1))
    np.testing.assert_array_equal(indices.numpy(), np.argsort(a, axis=1, kind="stable"))
    values, indices = torch.sort(torch.tensor(a), dim=1, descending=True, stable=True)
    order = stable_desc(a, 1)
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(a, order, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.int8,
                                   np.uint8, np.bool_])
def test_sort_dtypes_every_dim(dtype):
    a = rand((4, 6, 5), dtype)
    x = torch.tensor(a)
    for dim in (0, 1, -1):
        values, indices = x.sort(dim=dim)
        assert values.dtype == x.dtype and indices.dtype == torch.int64
        np.testing.assert_array_equal(indices.numpy(), np.argsort(a, axis=dim, kind="stable"))
        np.testing.assert_array_equal(values.numpy(), np.sort(a, axis=dim))


def test_sort_nan_last_and_first_descending():
    a = np.array([1.0, np.nan, 3.0, -np.inf, np.nan, 0.0], np.float32)
    values, indices = torch.sort(torch.tensor(a))
    np.testing.assert_array_equal(indices.numpy(), [3, 5, 0, 2, 1, 4])
    np.testing.assert_array_equal(values.numpy(), np.sort(a))
    values, indices = torch.sort(torch.tensor(a), descending=True)
    np.testing.assert_array_equal(indices.numpy(), [1, 4, 2, 0, 5, 3])


def test_sort_non_contiguous_and_zero_dim():
    a = rand((5, 9))
    values, indices = torch.sort(transposed(a), dim=0)
    np.testing.assert_array_equal(values.numpy(), np.sort(a, axis=0))
    np.testing.assert_array_equal(indices.numpy(), np.argsort(a, axis=0, kind="stable"))
    v, i = torch.sort(torch.tensor(3.0))
    assert v.item() == 3.0 and i.item() == 0 and v.shape == ()
    with pytest.raises(IndexError, match="Dimension out of range"):
        torch.sort(torch.tensor(3.0), dim=1)
    out = (torch.empty(0), torch.empty(0, dtype=torch.int64))
    res = torch.sort(torch.tensor([3.0, 1.0]), out=out)
    assert res.values is out[0] and out[0].tolist() == [1.0, 3.0] and out[1].tolist() == [1, 0]


def test_argsort_msort():
    a = rand((6, 4), np.int32)
    np.testing.assert_array_equal(torch.argsort(torch.tensor(a), dim=0).numpy(), np.argsort(a, 0, kind="stable"))
    np.testing.assert_array_equal(torch.tensor(a).argsort(descending=True).numpy(), stable_desc(a, 1))
    np.testing.assert_array_equal(torch.msort(torch.tensor(a)).numpy(), np.sort(a, axis=0))


# -- topk / kthvalue -----------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 7, 1023, 4097])
def test_topk(n):
    a = rng.permutation(n * 2).reshape(2, n).astype(np.float32)  # distinct values
    k = min(n, 5)
    values, indices = torch.topk(torch.tensor(a), k)
    order = np.argsort(-a, axis=1)[:, :k]
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(a, order, 1))
    values, indices = torch.tensor(a).topk(k, dim=1, largest=False)
    order = np.argsort(a, axis=1)[:, :k]
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(a, order, 1))
    values, indices = transposed(a.T.copy()).topk(1, dim=0)
    np.testing.assert_array_equal(values.numpy(), a.T.max(axis=0, keepdims=True))


def test_topk_edge_cases():
    v, i = torch.topk(torch.tensor([1.0, float("nan"), 3.0]), 2)
    assert np.isnan(v.numpy()[0]) and v.numpy()[1] == 3.0 and i.tolist() == [1, 2]
    assert torch.topk(torch.zeros(3, 4), 0).values.shape == (3, 0)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        torch.topk(torch.tensor([1.0, 2.0]), 3)


def test_kthvalue():
    a = rng.permutation(24).reshape(4, 6).astype(np.float32)
    for k in (1, 3, 6):
        v, i = torch.kthvalue(torch.tensor(a), k)
        order = np.argsort(a, axis=1)[:, k - 1]
        np.testing.assert_array_equal(i.numpy(), order)
        np.testing.assert_array_equal(v.numpy(), np.sort(a, axis=1)[:, k - 1])
    v, i = torch.tensor(a).kthvalue(2, dim=0, keepdim=True)
    assert v.shape == (1, 6)
    np.testing.assert_array_equal(v.numpy(), np.sort(a, axis=0)[1:2])
    with pytest.raises(RuntimeError, match="out of range"):
        torch.kthvalue(torch.tensor(a), 7)
    assert torch.kthvalue(torch.tensor(5.0), 1).values.item() == 5.0


# -- unique ------------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.uint8])
def test_unique(n, dtype):
    a = rand(n, dtype)
    values, inverse, counts = torch.unique(torch.tensor(a), return_inverse=True, return_counts=True)
    ev, ei, ec = np.unique(a, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), ev)
    np.testing.assert_array_equal(inverse.numpy(), ei.reshape(a.shape))
    np.testing.assert_array_equal(counts.numpy(), ec)
    np.testing.assert_array_equal(torch.tensor(a).unique().numpy(), ev)


def test_unique_shapes_nan_and_non_contiguous():
    a = rand((3, 4), np.int32) % 3
    values, inverse = torch.unique(transposed(a), return_inverse=True)
    ev, ei = np.unique(a, return_inverse=True)
    np.testing.assert_array_equal(values.numpy(), ev)
    assert inverse.shape == (3, 4)
    np.testing.assert_array_equal(inverse.numpy(), ei.reshape(3, 4))
    nan = float("nan")
    values, counts = torch.unique(torch.tensor([1.0, nan, nan, 1.0]), return_counts=True)
    assert values.numpy()[0] == 1.0 and np.isnan(values.numpy()[1:]).all() and counts.tolist() == [2, 1, 1]
    assert torch.unique(torch.tensor(3)).tolist() == [3]


def test_unique_dim():
    a = np.array([[1, 2], [1, 2], [0, 5], [1, 0], [0, 5]])
    values, inverse, counts = torch.unique(torch.tensor(a), dim=0, return_inverse=True, return_counts=True)
    ev, ei, ec = np.unique(a, axis=0, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), ev)
    np.testing.assert_array_equal(inverse.numpy(), ei.reshape(-1))
    np.testing.assert_array_equal(counts.numpy(), ec)
    b = rng.integers(0, 2, (3, 6, 2))
    np.testing.assert_array_equal(torch.unique(torch.tensor(b), dim=1).numpy(), np.unique(b, axis=1))


def test_unique_consecutive():
    a = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    values, inverse, counts = torch.unique_consecutive(torch.tensor(a), return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3, 1, 2]
    assert inverse.tolist() == [0, 0, 1, 1, 2, 3, 3, 4]
    assert counts.tolist() == [2, 2, 1, 2, 1]
    rows = torch.tensor([[1, 2], [1, 2], [3, 4], [1, 2]])
    assert torch.unique_consecutive(rows, dim=0).tolist() == [[1, 2], [3, 4], [1, 2]]
    assert torch.unique_consecutive(torch.tensor([], dtype=torch.int64)).shape == (0,)


# -- searchsorted / bucketize ----------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_searchsorted_1d(n):
    seq = np.sort(rng.integers(0, 50, n)).astype(np.float32)
    vals = rng.integers(-5, 55, (3, 11)).astype(np.float32)
    for side in ("left", "right"):
        got = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), side=side)
        assert got.dtype == torch.int64
        np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, vals, side=side))
    got = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), right=True, out_int32=True)
    assert got.dtype == torch.int32
    np.testing.assert_array_equal(got.numpy(), np.searchsorted(seq, vals, side="right"))


def test_searchsorted_nd_sorter_scalar():
    seq = np.sort(rand((3, 8)), axis=1)
    vals = rand((3, 5))
    got = torch.searchsorted(torch.tensor(seq), transposed(vals))
    np.testing.assert_array_equal(got.numpy(), np.stack([np.searchsorted(s, v) for s, v in zip(seq, vals)]))
    unsorted = rand(9)
    sorter = np.argsort(unsorted)
    got = torch.searchsorted(torch.tensor(unsorted), torch.tensor(vals), sorter=torch.tensor(sorter))
    np.testing.assert_array_equal(got.numpy(), np.searchsorted(unsorted, vals, sorter=sorter))
    scalar = torch.searchsorted(torch.tensor([1.0, 2.0, 3.0]), 2)
    assert scalar.shape == () and scalar.item() == 1
    assert torch.searchsorted(torch.tensor([1, 2, 3]), torch.tensor([2.5])).tolist() == [2]  # promoted compare


def test_searchsorted_errors():
    s = torch.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        torch.searchsorted(s, 2.0, right=True, side="left")
    with pytest.raises(RuntimeError, match="boundaries tensor should be 1 dimension"):
        torch.searchsorted(torch.zeros(2, 2), torch.zeros(1, 3))
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        torch.searchsorted(s, torch.tensor([2.0]), sorter=torch.tensor([5, 0, 1]))


def test_bucketize():
    b = np.array([1.0, 3.0, 5.0, 7.0], np.float32)
    x = rand((4, 6)) * 4 + 4
    np.testing.assert_array_equal(torch.bucketize(torch.tensor(x), torch.tensor(b)).numpy(),
                                  np.searchsorted(b, x, side="left"))
    np.testing.assert_array_equal(torch.bucketize(torch.tensor(x), torch.tensor(b), right=True).numpy(),
                                  np.searchsorted(b, x, side="right"))
    assert torch.bucketize(3, torch.tensor(b)).item() == 1
    with pytest.raises(RuntimeError, match="1 dimension"):
        torch.bucketize(torch.tensor(x), torch.zeros(2, 2))
