"""gather/scatter/index_*/masked_*/nonzero/take/one_hot/bincount against NumPy on the PoCL CPU device."""
from __future__ import annotations

import numpy as np
import pytest

import cltorch as torch
from cltorch._indexing import one_hot

rng = np.random.default_rng(99)
SIZES = [0, 1, 7, 1023, 4097]


def rand(shape, dtype=np.float32):
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(-50, 50, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def along(idx: np.ndarray, dim: int):
    """Full NumPy index tuple addressing a[..., idx, ...] at every position of idx."""
    grids = list(np.indices(idx.shape, sparse=True))
    grids[dim] = idx
    return tuple(grids)


def transposed(a: np.ndarray):
    """A non-contiguous cltorch tensor holding a's values (a transposed view)."""
    t = torch.tensor(np.ascontiguousarray(a.T))
    return torch.Tensor._make(t._storage, 0, a.shape, tuple(reversed(t.stride())), t.dtype, t.device)


# -- gather, take ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64, np.int8, np.uint8, np.bool_])
def test_gather_dtypes_and_dims(dtype):
    a = rand((4, 5, 3), dtype)
    for dim in range(3):
        shape = list(a.shape)
        shape[dim] = 6
        shape[(dim + 1) % 3] -= 1  # smaller than self apart from dim is allowed
        idx = rng.integers(0, a.shape[dim], shape)
        got = torch.gather(torch.tensor(a), dim, torch.tensor(idx))
        sub = a[tuple(slice(0, s) if d != dim else slice(None) for d, s in enumerate(shape))]
        np.testing.assert_array_equal(got.numpy(), np.take_along_axis(sub, idx, dim))


@pytest.mark.parametrize("n", SIZES)
def test_gather_sizes_non_contiguous(n):
    a = rand((3, max(n, 1)))
    idx = rng.integers(0, a.shape[1], (3, n))
    got = torch.tensor(a)
    np.testing.assert_array_equal(torch.gather(got, 1, torch.tensor(idx)).numpy(), np.take_along_axis(a, idx, 1))
    t = transposed(a)
    idx0 = rng.integers(0, 3, (2, a.shape[1]))
    np.testing.assert_array_equal(t.gather(0, torch.tensor(idx0)).numpy(), np.take_along_axis(a, idx0, 0))


def test_gather_errors():
    x = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match="out of bounds for dimension 0 with size 2"):
        torch.gather(x, 0, torch.tensor([[2, 0, 0]]))
    with pytest.raises(IndexError):  # the error is both an IndexError and a RuntimeError
        torch.gather(x, 1, torch.tensor([[-1]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        torch.gather(x, 0, torch.tensor([0]))
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64"):
        torch.gather(x, 0, torch.tensor([[0.0]]))
    with pytest.raises(RuntimeError, match="no larger than self"):
        torch.gather(x, 0, torch.zeros(1, 4, dtype=torch.int64))
    assert torch.gather(torch.tensor(5.0), 0, torch.tensor([0, 0])).tolist() == [5.0, 5.0]


@pytest.mark.parametrize("n", SIZES)
def test_take_wraps_negative_indices(n):
    a = rand((3, 5))
    idx = rng.integers(-15, 15, n)
    np.testing.assert_array_equal(torch.take(transposed(a), torch.tensor(idx)).numpy(), a.reshape(-1)[idx])
    with pytest.raises(IndexError, match="15 elements"):
        torch.take(torch.tensor(a), torch.tensor([15]))


def test_take_along_dim():
    a = rand((3, 4))
    idx = rng.integers(0, 4, (3, 2))
    np.testing.assert_array_equal(torch.take_along_dim(torch.tensor(a), torch.tensor(idx), 1).numpy(),
                                  np.take_along_axis(a, idx, 1))
    col = rng.integers(0, 3, (2, 1))
    np.testing.assert_array_equal(torch.take_along_dim(torch.tensor(a), torch.tensor(col), 0).numpy(),
                                  np.take_along_axis(a, np.broadcast_to(col, (2, 4)), 0))
    flat = np.array([0, 11, 5])
    np.testing.assert_array_equal(torch.take_along_dim(torch.tensor(a), torch.tensor(flat)).numpy(),
                                  a.reshape(-1)[flat])
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        torch.take_along_dim(torch.tensor(a), torch.tensor([0]), 1)


# -- scatter family ------------------------------------------------------------------------
def test_scatter_src_and_value():
    a = rand((4, 5))
    idx = np.stack([rng.permutation(4)[:3] for _ in range(5)], axis=1)  # unique per column
    src = rand((3, 5))
    expected = a.copy()
    expected[along(idx, 0)] = src
    np.testing.assert_array_equal(torch.tensor(a).scatter(0, torch.tensor(idx), torch.tensor(src)).numpy(), expected)
    expected = a.copy()
    expected[along(idx, 0)] = 2.5
    np.testing.assert_array_equal(torch.scatter(torch.tensor(a), 0, torch.tensor(idx), 2.5).numpy(), expected)
    x = torch.tensor(a)
    assert x.scatter_(0, torch.tensor(idx), value=2.5) is x
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == 1


def test_scatter_with_reduce_argument():
    a = rand((3, 4))
    idx = rng.integers(0, 3, (5, 4))
    src = rand((5, 4))
    expected = a.copy()
    np.add.at(expected, along(idx, 0), src)
    got = torch.tensor(a).scatter_(0, torch.tensor(idx), torch.tensor(src), reduce="add")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
    expected = a.copy()
    np.multiply.at(expected, along(idx, 0), 2.0)
    got = torch.tensor(a).scatter_(0, torch.tensor(idx), 2.0, reduce="multiply")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
    with pytest.raises(RuntimeError, match="add or multiply"):
        torch.tensor(a).scatter_(0, torch.tensor(idx), torch.tensor(src), reduce="mean")


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32])
def test_scatter_add_repeated_indices_exact(n, dtype):
    a = rand(13, dtype)
    idx = rng.integers(0, 13, n)
    src = rand(n, dtype)
    expected = a.copy()
    np.add.at(expected, idx, src)  # sequential in index order, like the device's fold
    got = torch.tensor(a).scatter_add(0, torch.tensor(idx), torch.tensor(src))
    np.testing.assert_array_equal(got.numpy(), expected)
    again = torch.tensor(a).scatter_add_(0, torch.tensor(idx), torch.tensor(src))
    assert got.numpy().tobytes() == again.numpy().tobytes()  # deterministic


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    a = rand((4, 6))
    idx = rng.integers(0, 6, (3, 9))
    src = rand((3, 9))
    ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
    key = along(idx, 1)
    hit = np.zeros(a.shape, bool)
    hit[key] = True
    counts = np.zeros(a.shape)
    np.add.at(counts, key, 1)
    if include_self:
        expected = a.copy()
    else:
        ident = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
        expected = np.where(hit, ident, a).astype(np.float32)
    ufunc.at(expected, key, src)
    if reduce == "mean":
        expected = np.where(hit, expected / np.maximum(counts + include_self, 1), a)
    got = torch.tensor(a).scatter_reduce(1, torch.tensor(idx), torch.tensor(src), reduce, include_self=include_self)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_scatter_reduce_integer_mean_floors():
    x = torch.tensor([1, 2, 1])
    got = x.scatter_reduce(0, torch.tensor([0, 0, 0]), torch.tensor([-2, -3, -5]), "mean", include_self=False)
    assert got.tolist() == [-4, 2, 1]


def test_scatter_errors_leave_self_unchanged():
    x = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match="out of bounds for dimension 0 with size 2"):
        x.scatter_add_(0, torch.tensor([[0, 2, 0]]), torch.ones(1, 3))
    with pytest.raises(RuntimeError):
        x.scatter_(0, torch.tensor([[-1]]), 5.0)
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype"):
        x.scatter_(0, torch.tensor([[0]]), torch.ones(1, 1, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="Expected index"):
        x.scatter_(0, torch.tensor([[0, 1, 1, 1]]), torch.ones(1, 3))
    with pytest.raises(RuntimeError, match="reduce argument must be"):
        x.scatter_reduce_(0, torch.tensor([[0]]), torch.ones(1, 1), "add")
    np.testing.assert_array_equal(x.numpy(), np.zeros((2, 3)))
    assert x._version == 0


def test_scatter_with_empty_index_and_non_contiguous():
    a = rand((3, 4))
    x = transposed(a)
    x.scatter_add_(1, torch.zeros(3, 0, dtype=torch.int64), torch.zeros(3, 0))
    np.testing.assert_array_equal(x.numpy(), a)
    idx = rng.integers(0, 3, (4, 4))
    src = rand((4, 4))
    expected = a.copy()
    np.add.at(expected, along(idx, 0), src)
    np.testing.assert_allclose(x.scatter_add_(0, torch.tensor(idx), transposed(src)).numpy(), expected, rtol=1e-6)


# -- index_* ------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_index_select_sizes(n):
    a = rand((max(n, 1), 3))
    idx = rng.integers(0, a.shape[0], n)
    np.testing.assert_array_equal(torch.index_select(torch.tensor(a), 0, torch.tensor(idx)).numpy(), a[idx])
    np.testing.assert_array_equal(transposed(a).index_select(1, torch.tensor([2, 0], dtype=torch.int32)).numpy(),
                                  a[:, [2, 0]])


def test_index_select_errors_and_scalars():
    x = torch.arange(6)
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_select(0, torch.tensor([6]))
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_select(0, torch.tensor([-1]))
    with pytest.raises(IndexError, match="supposed to be a vector"):
        x.index_select(0, torch.tensor([[0]]))
    assert torch.tensor(5).index_select(0, torch.tensor(0)).tolist() == 5
    assert x.index_select(0, torch.tensor(2)).tolist() == [2]


@pytest.mark.parametrize("n", SIZES)
def test_index_add_repeated_indices(n):
    a = rand((5, 4))
    idx = rng.integers(0, 5, n)
    src = rand((n, 4))
    expected = a.copy()
    np.add.at(expected, idx, np.float32(2.0) * src)
    got = torch.tensor(a).index_add_(0, torch.tensor(idx), torch.tensor(src), alpha=2)
    np.testing.assert_array_equal(got.numpy(), expected)
    exp1 = a.copy()
    idx1 = rng.integers(0, 4, 3)
    src1 = rand((5, 3))
    np.add.at(exp1.T, idx1, src1.T)
    np.testing.assert_array_equal(torch.index_add(transposed(a), 1, torch.tensor(idx1), torch.tensor(src1)).numpy(),
                                  exp1)


def test_index_add_errors():
    x = torch.zeros(3, 2)
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_add_(0, torch.tensor([3]), torch.ones(1, 2))
    with pytest.raises(RuntimeError, match="same scalar type"):
        x.index_add_(0, torch.tensor([0]), torch.ones(1, 2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="source tensor shape must match"):
        x.index_add_(0, torch.tensor([0]), torch.ones(1, 3))
    np.testing.assert_array_equal(x.numpy(), np.zeros((3, 2)))


def test_index_copy_and_fill():
    a = rand((5, 3))
    src = rand((2, 3))
    expected = a.copy()
    expected[[4, 1]] = src
    np.testing.assert_array_equal(torch.tensor(a).index_copy(0, torch.tensor([4, 1]), torch.tensor(src)).numpy(),
                                  expected)
    with pytest.raises(IndexError, match="index_copy_"):
        torch.tensor(a).index_copy_(0, torch.tensor([5, 0]), torch.tensor(src))
    expected = a.copy()
    expected[:, [-1, 0]] = -3
    np.testing.assert_array_equal(torch.tensor(a).index_fill(1, torch.tensor([-1, 0]), -3).numpy(), expected)
    x = transposed(a)
    x.index_fill_(0, torch.tensor([2]), torch.tensor(7.0))
    expected = a.copy()
    expected[2] = 7
    np.testing.assert_array_equal(x.numpy(), expected)
    with pytest.raises(IndexError):
        x.index_fill_(0, torch.tensor([5]), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.index_fill_(0, torch.tensor([1]), torch.tensor([1.0]))


# -- masked_* -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64, np.int8, np.bool_])
def test_masked_fill(dtype):
    a = rand((3, 4), dtype)
    m = rand((3, 4), np.bool_)
    expected = a.copy()
    expected[m] = 1
    np.testing.assert_array_equal(torch.tensor(a).masked_fill(torch.tensor(m), 1).numpy(), expected)
    row = rand(4, np.bool_)
    expected = a.copy()
    expected[:, row] = 0
    x = torch.tensor(a)
    x.masked_fill_(torch.tensor(row), torch.tensor(0))
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == 1


def test_masked_fill_broadcasts_and_validates():
    a = rand((2, 3))
    m = rand((4, 1, 3), np.bool_)
    expected = np.where(m, 9.0, a).astype(np.float32)
    np.testing.assert_array_equal(torch.tensor(a).masked_fill(torch.tensor(m), 9.0).numpy(), expected)
    with pytest.raises(RuntimeError, match="boolean masks"):
        torch.tensor(a).masked_fill(torch.ones(2, 3), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        torch.tensor(a).masked_fill(torch.tensor(m), torch.tensor([1.0]))
    with pytest.raises(RuntimeError):
        torch.tensor(a).masked_fill_(torch.tensor(m), 1.0)  # in place: mask must broadcast to self
    assert torch.arange(6).masked_fill(torch.ones(6, dtype=torch.bool), 3.7).tolist() == [3] * 6


@pytest.mark.parametrize("n", SIZES)
def test_masked_select_sizes(n):
    a = rand((2, n))
    m = rand((2, n), np.bool_)
    np.testing.assert_array_equal(torch.masked_select(torch.tensor(a), torch.tensor(m)).numpy(), a[m])
    t = transposed(rand((2, n)))
    np.testing.assert_array_equal(t.masked_select(torch.tensor(m)).numpy(), t.numpy()[m])


def test_masked_select_broadcast():
    a = rand((3, 4))
    m = rand((2, 1, 4), np.bool_)
    full_a, full_m = np.broadcast_arrays(a, m)
    np.testing.assert_array_equal(torch.tensor(a).masked_select(torch.tensor(m)).numpy(), full_a[full_m])
    with pytest.raises(RuntimeError, match="BoolTensor"):
        torch.tensor(a).masked_select(torch.tensor([1, 0, 1, 0], dtype=torch.uint8))


@pytest.mark.parametrize("n", [0, 1, 7, 1023])
def test_masked_scatter(n):
    a = rand((2, n))
    m = rand((2, n), np.bool_)
    src = rand(m.sum() + 3)
    expected = a.copy()
    expected[m] = src[:m.sum()]
    np.testing.assert_array_equal(torch.tensor(a).masked_scatter(torch.tensor(m), torch.tensor(src)).numpy(), expected)


def test_masked_scatter_too_short_source():
    x = torch.zeros(4)
    with pytest.raises(RuntimeError, match="Number of elements of source < number of ones in mask"):
        x.masked_scatter_(torch.tensor([True, True, False, True]), torch.ones(2))
    out = torch.zeros(2, 3).masked_scatter(torch.tensor([True, False, True]), torch.arange(4.0))
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1], [2, 0, 3]])


# -- nonzero, where, argwhere, one_hot, bincount ------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint8, np.bool_, np.float16])
@pytest.mark.parametrize("shape", [(0,), (1,), (7,), (1023,), (4097,), (3, 5, 2), (2, 0, 3)])
def test_nonzero(dtype, shape):
    a = (rng.integers(0, 3, shape) * (rng.random(shape) > 0.5)).astype(dtype)
    x = torch.tensor(a)
    np.testing.assert_array_equal(torch.nonzero(x).numpy(), np.argwhere(a))
    np.testing.assert_array_equal(torch.argwhere(x).numpy(), np.argwhere(a))
    for got, want in zip(torch.nonzero(x, as_tuple=True), np.nonzero(a)):
        np.testing.assert_array_equal(got.numpy(), want)
    for got, want in zip(torch.where(x), np.nonzero(a)):
        np.testing.assert_array_equal(got.numpy(), want)


def test_nonzero_zero_dim_and_non_contiguous():
    assert torch.nonzero(torch.tensor(5)).shape == (1, 0)
    assert torch.nonzero(torch.tensor(0)).shape == (0, 0)
    assert [t.tolist() for t in torch.nonzero(torch.tensor(3), as_tuple=True)] == [[0]]
    a = rand((4, 3)) > 0
    np.testing.assert_array_equal(transposed(a).nonzero().numpy(), np.argwhere(a))


def test_one_hot():
    idx = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(one_hot(torch.tensor(idx)).numpy(), np.eye(4, dtype=np.int64)[idx])
    np.testing.assert_array_equal(one_hot(torch.tensor(idx), 6).numpy(), np.eye(6, dtype=np.int64)[idx])
    assert one_hot(torch.tensor([], dtype=torch.int64), 3).shape == (0, 3)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        one_hot(torch.tensor([0, 2]), 2)
    with pytest.raises(RuntimeError, match="non-negative"):
        one_hot(torch.tensor([0, -1]), 3)
    with pytest.raises(RuntimeError, match="empty tensor"):
        one_hot(torch.tensor([], dtype=torch.int64))
    with pytest.raises(RuntimeError, match="LongTensor"):
        one_hot(torch.tensor([1], dtype=torch.int32), 3)


@pytest.mark.parametrize("n", SIZES)
def test_bincount(n):
    x = rng.integers(0, 20, n)
    w = rand(n)
    np.testing.assert_array_equal(torch.bincount(torch.tensor(x)).numpy(), np.bincount(x))
    got = torch.bincount(torch.tensor(x), weights=torch.tensor(w), minlength=25)
    assert got.dtype == torch.float32
    np.testing.assert_allclose(got.numpy(), np.bincount(x, w, minlength=25), rtol=1e-5, atol=1e-5)
    got = torch.bincount(torch.tensor(x, dtype=torch.int32), weights=torch.tensor(x))
    assert got.dtype == torch.float64
    np.testing.assert_array_equal(got.numpy(), np.bincount(x, x.astype(np.float64)))


def test_bincount_errors():
    with pytest.raises(RuntimeError, match="non-negative"):
        torch.bincount(torch.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="1-d"):
        torch.bincount(torch.tensor([[1]]))
    with pytest.raises(RuntimeError, match="minlength"):
        torch.bincount(torch.tensor([1]), minlength=-1)
    with pytest.raises(RuntimeError, match="same length"):
        torch.bincount(torch.tensor([1, 2]), torch.tensor([1.0]))
    with pytest.raises(NotImplementedError):
        torch.bincount(torch.tensor([1.0]))
    assert torch.bincount(torch.tensor([], dtype=torch.int64), minlength=3).tolist() == [0, 0, 0]
