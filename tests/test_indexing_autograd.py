"""Gradients of indexing (getitem/setitem/index_put), gather/scatter, masked_* and sorting ops."""
import numpy as np
import pytest

import cltorch as torch
from cltorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(11)


def leaf(*shape, low=-1.0, high=1.0):
    return torch.tensor(RNG.uniform(low, high, shape), dtype=torch.float64, requires_grad=True)


def distinct(*shape):
    """Values far apart (no ties), so sorts and maxima are differentiable under finite differences."""
    n = int(np.prod(shape))
    values = RNG.permutation(n).astype(np.float64) * 0.37 + RNG.uniform(0, 0.01, n)
    return torch.tensor(values.reshape(shape), dtype=torch.float64, requires_grad=True)


def long(values):
    return torch.tensor(values, dtype=torch.int64)


def ones_like(t):
    return torch.ones(tuple(t.shape), dtype=t.dtype)


MASK = torch.tensor([[True, False, True, False, False], [False, True, True, False, True],
                     [False, False, False, True, False], [True, True, False, False, False]])


# -- getitem ---------------------------------------------------------------------------
BASIC_KEYS = {
    "slice": slice(1, 3), "int": 0, "negative_int": -1, "new_axis": (slice(None), None), "ellipsis": (Ellipsis, 2),
    "int_then_slice": (0, slice(1, 3)), "step": (slice(None, None, 2), 1),
    "full": slice(None), "zero_d_tensor": long(2),
}


@pytest.mark.parametrize("key", list(BASIC_KEYS.values()), ids=list(BASIC_KEYS))
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_basic_getitem_gradcheck(key, layout):
    x = leaf(4, 5) if layout == "contiguous" else leaf(5, 4)
    fn = (lambda t: t[key]) if layout == "contiguous" else (lambda t: t.t()[key])
    assert gradcheck(fn, (x,))


ADVANCED_KEYS = {
    "list_repeated": [0, 2, 0], "tensor_negative": long([-1, 1, -1]), "mask": MASK, "row_mask": MASK[:, 0],
    "int_and_list": (0, [1, 2, 1]), "two_tensors": (long([0, 3, 0]), long([2, 2, 4])),
    "slice_and_tensor": (slice(1, 3), long([[0, 4], [4, 0]])), "split_advanced": (long([1, 1]), slice(None, 3)),
    "python_bool_list": [True, False, True, True], "broadcast_indices": (long([[0], [3]]), long([1, 2, 1])),
}


@pytest.mark.parametrize("key", list(ADVANCED_KEYS.values()), ids=list(ADVANCED_KEYS))
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_advanced_getitem_gradcheck(key, layout):
    x = leaf(4, 5) if layout == "contiguous" else leaf(5, 4)
    fn = (lambda t: t[key]) if layout == "contiguous" else (lambda t: t.t()[key])
    assert gradcheck(fn, (x,))


def test_advanced_getitem_with_non_adjacent_indices():
    x = leaf(3, 2, 4)
    assert gradcheck(lambda t: t[long([0, 2, 2]), :, long([1, 3, 1])], (x,))


def test_repeated_indices_accumulate():
    x = leaf(4)
    x[long([1, 1, 3, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 3, 0, 1])


@pytest.mark.parametrize("key,name", [
    (slice(1, 3), "SliceBackward0"), (0, "SelectBackward0"), ((slice(None), None), "UnsqueezeBackward0"),
    ((Ellipsis, 2), "SelectBackward0"), ((0, slice(1, 3)), "SliceBackward0"), ((slice(1, 3), 0), "SelectBackward0"),
    ((0, None), "UnsqueezeBackward0"), (Ellipsis, "AliasBackward0"), (slice(None), "SliceBackward0"),
    ([0, 1], "IndexBackward0"), (MASK, "IndexBackward0"), ((0, [1, 2]), "IndexBackward0"),
])
def test_getitem_grad_fn_names(key, name):
    x = leaf(4, 5)
    assert x[key].grad_fn.name() == name


def test_basic_getitem_is_still_a_view():
    x = leaf(4, 5)
    y = x * 1
    v = y[1:3]
    assert v._base is y and v._storage is y._storage


def test_getitem_second_order():
    x = leaf(4, 5)
    assert gradgradcheck(lambda t: t[long([0, 3, 0])] ** 2, (x,))
    assert gradgradcheck(lambda t: t[MASK] ** 2, (x,))
    assert gradgradcheck(lambda t: t[1:3, None] ** 2, (x,))


# -- setitem and index_put ----------------------------------------------------------------
def test_setitem_slice_of_non_leaf():
    x = leaf(4, 5)
    y = x * 1
    y[1:3] = 0
    assert y.grad_fn.name() == "CopySlices"
    g = torch.tensor(RNG.standard_normal((4, 5)))
    y.backward(g)
    expected = g.numpy().copy()
    expected[1:3] = 0
    np.testing.assert_allclose(x.grad.numpy(), expected)


def test_setitem_mask_with_value_requiring_grad():
    x, v = leaf(4, 5), leaf()
    y = x * 1
    y[MASK] = v
    assert y.grad_fn.name() == "IndexPutBackward0"
    g = torch.tensor(RNG.standard_normal((4, 5)))
    y.backward(g)
    mask = MASK.numpy()
    np.testing.assert_allclose(x.grad.numpy(), np.where(mask, 0, g.numpy()))
    np.testing.assert_allclose(v.grad.numpy(), g.numpy()[mask].sum())


SET_KEYS = {
    "slice": (slice(1, 3), (2, 5)), "int": (0, (5,)), "int_broadcast": (0, (1,)),
    "step": ((slice(None), slice(0, 5, 2)), (4, 3)), "leading_ones": (slice(1, 3), (1, 1, 5)),
    "mask": (MASK, (8,)), "mask_scalar": (MASK, ()), "list": ([2, 0], (2, 5)), "list_broadcast": ([-1, 1], (5,)),
    "tensor_pair": ((long([0, 1]), long([-1, 2])), (2,)), "row_mask": (MASK[:, 0], (1, 5)),
    "mixed": ((slice(None), [4, 0]), (4, 2)), "ellipsis": ((Ellipsis, long([3])), (4, 1)),
}


@pytest.mark.parametrize("key,vshape", list(SET_KEYS.values()), ids=list(SET_KEYS))
def test_setitem_gradcheck(key, vshape):
    def fn(x, v):
        y = x * 1
        y[key] = v
        return y
    assert gradcheck(fn, (leaf(4, 5), leaf(*vshape)))


def test_setitem_scalar_into_non_leaf_and_value_into_constant():
    x = leaf(4, 5)
    assert gradcheck(lambda t: _set(t * 1, (MASK,), 2.5), (x,))
    assert gradcheck(lambda t: _set(t * 1, (slice(None), 1), -1.0), (x,))
    v = leaf(2, 5)
    assert gradcheck(lambda t: _set(torch.zeros(4, 5, dtype=torch.float64), ([3, 1],), t), (v,))
    assert gradcheck(lambda t: _set(torch.zeros(4, 5, dtype=torch.float64), (slice(1, 3),), t), (v,))


def _set(y, key, value):
    y[key] = value
    return y


def test_setitem_from_own_storage():
    x = leaf(5)

    def fn(t):
        y = t * 1
        y[1:4] = y[0:3]
        return y
    assert gradcheck(fn, (x,))


def test_setitem_into_view_of_non_leaf():
    x = leaf(4, 5)

    def fn(t):
        y = t * 1
        row = y[1]
        row[long([0, 3])] = 7.0
        return y
    assert gradcheck(fn, (x,))


def test_setitem_on_leaf_requiring_grad_raises():
    x = leaf(4, 5)
    with pytest.raises(RuntimeError):
        x[0] = 1.0
    with pytest.raises(RuntimeError):
        x[long([0])] = 1.0
    with torch.no_grad():
        x[0] = 1.0
    np.testing.assert_array_equal(x.detach().numpy()[0], np.ones(5))


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_gradcheck(accumulate):
    x, v = leaf(4, 5), leaf(3, 5)
    rows = long([3, 0, 3]) if accumulate else long([3, 0, 1])
    assert gradcheck(lambda a, b: torch.index_put(a, (rows,), b, accumulate), (x, v))
    assert gradcheck(lambda a, b: (a * 1).index_put_((rows, None), b, accumulate=accumulate), (x, v))
    w = leaf(3)
    assert gradcheck(lambda a, b: torch.index_put(a, (rows, long([1, 4, -1])), b, accumulate), (x, w))
    assert torch.index_put(x, (rows,), v, accumulate).grad_fn.name() == "IndexPutBackward0"


def test_index_put_second_order():
    x, v = leaf(4, 5), leaf(3)
    idx = (long([0, 2, 0]), long([1, 1, 1]))
    assert gradgradcheck(lambda a, b: torch.index_put(a * a, idx, b * b, accumulate=True), (x, v))


# -- gather, take, index_select -----------------------------------------------------------------
def test_gather_gradcheck():
    x = leaf(3, 4)
    idx = long([[0, 3, 0], [1, 1, 1]])
    assert gradcheck(lambda t: torch.gather(t, 1, idx), (x,))
    assert gradcheck(lambda t: torch.gather(t.t(), 0, long([[0, 2, 2], [1, 0, 1]])), (x,))
    assert gradcheck(lambda t: torch.gather(t, -1, idx.to(torch.int32)), (x,))
    assert torch.gather(x, 1, idx).grad_fn.name() == "GatherBackward0"
    assert gradgradcheck(lambda t: torch.gather(t * t, 1, idx), (x,))


def test_gather_repeated_indices_accumulate():
    x = leaf(2, 3)
    torch.gather(x, 1, long([[2, 2, 2, 0], [1, 1, 0, 0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 0, 3], [2, 2, 0]])


def test_take_and_take_along_dim_gradcheck():
    x = leaf(3, 4)
    assert gradcheck(lambda t: torch.take(t, long([[0, -1], [11, 0]])), (x,))
    assert gradcheck(lambda t: torch.take(t.t(), long([5, 5, -3])), (x,))
    assert torch.take(x, long([1])).grad_fn.name() == "TakeBackward0"
    assert gradcheck(lambda t: torch.take_along_dim(t, long([[0, 3], [2, 2], [1, 0]]), 1), (x,))
    assert gradcheck(lambda t: torch.take_along_dim(t, long([[0, 3, 3]]), 1), (x,))  # broadcasts the rows
    assert gradcheck(lambda t: torch.take_along_dim(t[:1], long([[0], [2], [3]]), 1), (x,))
    assert gradcheck(lambda t: torch.take_along_dim(t, long([7, 0, 7])), (x,))


def test_index_select_gradcheck():
    x = leaf(3, 4)
    idx = long([2, 0, 2, -1 + 4])
    assert gradcheck(lambda t: torch.index_select(t, 1, idx), (x,))
    assert gradcheck(lambda t: t.t().index_select(0, long([1, 1])), (x,))
    assert gradcheck(lambda t: torch.index_select(t[0, 0], 0, long([0])), (x,))
    assert torch.index_select(x, 0, long([0])).grad_fn.name() == "IndexSelectBackward0"
    assert gradgradcheck(lambda t: torch.index_select(t * t, 0, long([1, 1, 0])), (x,))


# -- index_add, index_copy, index_fill --------------------------------------------------------------
def test_index_add_gradcheck():
    x, s = leaf(4, 3), leaf(3, 3)
    idx = long([1, 3, 1])
    assert gradcheck(lambda a, b: torch.index_add(a, 0, idx, b), (x, s))
    assert gradcheck(lambda a, b: torch.index_add(a, 0, idx, b, alpha=-2.5), (x, s))
    assert gradcheck(lambda a, b: (a * 1).index_add_(1, long([2, 0, 2]), b.t()), (x, leaf(3, 4)))
    assert gradcheck(lambda b: torch.zeros(4, 3, dtype=torch.float64).index_add_(0, idx, b), (s,))
    assert torch.index_add(x, 0, idx, s).grad_fn.name() == "IndexAddBackward0"


def test_index_copy_and_index_fill_gradcheck():
    x, s = leaf(4, 3), leaf(2, 3)
    idx = long([3, 0])
    assert gradcheck(lambda a, b: torch.index_copy(a, 0, idx, b), (x, s))
    assert gradcheck(lambda a, b: (a * 1).index_copy_(1, long([2, 0]), b.t().t()), (x, leaf(4, 2)))
    assert torch.index_copy(x, 0, idx, s).grad_fn.name() == "IndexCopyBackward0"
    v = leaf()
    assert gradcheck(lambda a: torch.index_fill(a, 1, long([2, -1, 0]), 1.5), (x,))
    assert gradcheck(lambda a, b: torch.index_fill(a, 0, long([3, 3, 1]), b), (x, v))
    assert gradcheck(lambda a, b: (a * 1).index_fill_(0, long([1]), b), (x, v))
    assert torch.index_fill(x, 0, idx, 1.0).grad_fn.name() == "IndexFillBackward0"
    assert torch.index_fill(x, 0, idx, v).grad_fn.name() == "IndexFillBackward1"


# -- masked_* -------------------------------------------------------------------------------------
def test_masked_fill_gradcheck():
    x, v = leaf(4, 5), leaf()
    assert gradcheck(lambda a: torch.masked_fill(a, MASK, 3.0), (x,))
    assert gradcheck(lambda a, b: torch.masked_fill(a, MASK, b), (x, v))
    assert gradcheck(lambda a, b: a.masked_fill(MASK[0], b), (x, v))  # mask broadcasts over rows
    assert gradcheck(lambda a: a[0].masked_fill(MASK, 0.0), (x,))  # input broadcasts to the mask
    assert gradcheck(lambda a, b: (a * 1).masked_fill_(MASK, b), (x, v))
    assert gradcheck(lambda a: a.t().masked_fill(MASK.t(), -1.0), (x,))
    assert torch.masked_fill(x, MASK, 0.0).grad_fn.name() == "MaskedFillBackward0"
    assert torch.masked_fill(x, MASK, v).grad_fn.name() == "MaskedFillBackward1"


def test_masked_fill_inplace_on_a_view():
    x = leaf(4, 5)

    def fn(a):
        y = a * 1
        y[:, 1].masked_fill_(MASK[:, 0], 9.0)
        return y
    assert gradcheck(fn, (x,))


def test_masked_select_gradcheck():
    x = leaf(4, 5)
    assert gradcheck(lambda a: torch.masked_select(a, MASK), (x,))
    assert gradcheck(lambda a: a[1].masked_select(MASK), (x,))  # broadcast input: gradients sum
    assert gradcheck(lambda a: a.t().masked_select(MASK.t()), (x,))
    assert torch.masked_select(x, MASK).grad_fn.name() == "MaskedSelectBackward0"
    assert gradgradcheck(lambda a: torch.masked_select(a * a, MASK), (x,))


def test_masked_scatter_gradcheck():
    x, s = leaf(4, 5), leaf(3, 4)  # more source elements than True entries: the rest get zero gradient
    assert gradcheck(lambda a, b: torch.masked_scatter(a, MASK, b), (x, s))
    assert gradcheck(lambda a, b: (a * 1).masked_scatter_(MASK, b), (x, s))
    assert gradcheck(lambda a, b: a[2].masked_scatter(MASK, b), (x, s))
    assert torch.masked_scatter(x, MASK, s).grad_fn.name() == "MaskedScatterBackward0"


# -- scatter family ---------------------------------------------------------------------------------
IDX = long([[0, 2, 0], [3, 3, 1]])
UNIQUE_IDX = long([[0, 2, 1], [3, 1, 2]])


def test_scatter_gradcheck():
    x, s = leaf(4, 3), leaf(3, 4)  # src larger than the index: the unread part gets zero gradient
    assert gradcheck(lambda a, b: torch.scatter(a, 0, UNIQUE_IDX, b), (x, s))
    assert gradcheck(lambda a, b: (a * 1).scatter_(0, UNIQUE_IDX, b), (x, s))
    assert gradcheck(lambda a: torch.scatter(a, 1, long([[2], [0], [1], [1]]), 5.0), (x,))
    assert gradcheck(lambda a: (a * 1).scatter_(-1, long([[2], [0], [1], [1]]), value=-1.0), (x,))
    assert torch.scatter(x, 0, UNIQUE_IDX, s).grad_fn.name() == "ScatterBackward0"
    assert torch.scatter(x, 0, UNIQUE_IDX, 1.0).grad_fn.name() == "ScatterBackward1"
    assert gradgradcheck(lambda a, b: torch.scatter(a * a, 0, UNIQUE_IDX, b * b), (x, s))


def test_scatter_add_gradcheck():
    x, s = leaf(4, 3), leaf(3, 4)
    assert gradcheck(lambda a, b: torch.scatter_add(a, 0, IDX, b), (x, s))
    assert gradcheck(lambda a, b: (a * 1).scatter_add_(0, IDX, b), (x, s))
    assert gradcheck(lambda b: torch.zeros(4, 3, dtype=torch.float64).scatter_add_(0, IDX, b), (s,))
    assert gradcheck(lambda a, b: torch.scatter_add(a.t(), 0, IDX, b), (leaf(3, 4), s))
    assert torch.scatter_add(x, 0, IDX, s).grad_fn.name() == "ScatterAddBackward0"
    assert gradgradcheck(lambda a, b: torch.scatter_add(a * a, 0, IDX, b * b), (x, s))


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin", "prod"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradcheck(reduce, include_self):
    x, s = distinct(4, 3), distinct(3, 4)
    if reduce == "prod":
        x, s = leaf(4, 3, low=0.5, high=1.5), leaf(3, 4, low=0.5, high=1.5)
    fn = lambda a, b: torch.scatter_reduce(a, 0, IDX, b, reduce, include_self=include_self)  # noqa: E731
    assert gradcheck(fn, (x, s))
    assert gradcheck(lambda a, b: (a * 1).scatter_reduce_(0, IDX, b, reduce, include_self=include_self), (x, s))
    assert fn(x, s).grad_fn.name() == "ScatterReduceBackward0"


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_with_zeros(include_self):
    x = torch.tensor([[0.5, 0.0, 2.0], [1.5, 3.0, 0.0]], dtype=torch.float64, requires_grad=True)
    s = torch.tensor([[0.0, 2.0, 0.0, 4.0], [0.0, 0.0, 1.5, 2.5]], dtype=torch.float64, requires_grad=True)
    idx = long([[0, 1, 1, 2], [0, 0, 1, 2]])
    assert gradcheck(lambda a, b: torch.scatter_reduce(a, 1, idx, b, "prod", include_self=include_self), (x, s))


def test_scatter_reduce_amax_ties_share_the_gradient():
    x = torch.tensor([1.0, 5.0], dtype=torch.float64, requires_grad=True)
    s = torch.tensor([5.0, 2.0, 5.0], dtype=torch.float64, requires_grad=True)
    torch.scatter_reduce(x, 0, long([1, 1, 1]), s, "amax").sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1 / 3])
    np.testing.assert_allclose(s.grad.numpy(), [1 / 3, 0.0, 1 / 3])


def test_scatter_with_reduce_has_no_derivative():
    x, s = leaf(4, 3), leaf(2, 3)
    y = torch.scatter(x, 0, IDX, s, reduce="add")
    assert y.grad_fn.name() == "NotImplemented"
    with pytest.raises(RuntimeError, match="not implemented"):
        y.sum().backward()


# -- sorting ------------------------------------------------------------------------------------------
def test_sort_family_gradcheck():
    x = distinct(3, 5)
    assert gradcheck(lambda a: torch.sort(a).values, (x,))
    assert gradcheck(lambda a: torch.sort(a, 0, descending=True)[0], (x,))
    assert gradcheck(lambda a: a.t().sort(dim=1).values, (x,))
    assert gradcheck(lambda a: torch.msort(a), (x,))
    assert gradcheck(lambda a: torch.topk(a, 2).values, (x,))
    assert gradcheck(lambda a: torch.topk(a.t(), 2, dim=0, largest=False)[0], (x,))
    assert gradcheck(lambda a: torch.kthvalue(a, 3).values, (x,))
    assert gradcheck(lambda a: torch.kthvalue(a, 2, 0, keepdim=True).values, (x,))
    assert gradcheck(lambda a: torch.sort(a[0, 0]).values, (x,))
    assert gradcheck(lambda a: torch.topk(a[0, 1], 1).values, (x,))
    assert gradcheck(lambda a: torch.kthvalue(a[1, 1], 1).values, (x,))
    assert gradgradcheck(lambda a: torch.sort(a * a, 1).values, (x,))


@pytest.mark.parametrize("call,name", [
    (lambda a: torch.sort(a).values, "SortBackward0"), (lambda a: a.sort(stable=True).values, "SortBackward1"),
    (lambda a: torch.msort(a), "SortBackward0"), (lambda a: a.topk(2).values, "TopkBackward0"),
    (lambda a: a.kthvalue(2).values, "KthvalueBackward0"), (lambda a: a.unique(), "Unique2Backward0"),
    (lambda a: a.unique(dim=0), "UniqueDimBackward0"), (lambda a: a.unique_consecutive(), "UniqueConsecutiveBackward0"),
])
def test_sorting_grad_fn_names(call, name):
    assert call(distinct(3, 4)).grad_fn.name() == name


def test_sort_indices_do_not_require_grad():
    values, indices = torch.sort(distinct(4))
    assert values.requires_grad and not indices.requires_grad
    assert not torch.argsort(distinct(4)).requires_grad


def test_unique_backward_is_not_implemented():
    with pytest.raises(NotImplementedError):
        torch.unique(distinct(4)).sum().backward()


# -- engine interplay -----------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: torch.gather(x, 0, long([0]), out=torch.empty(1, dtype=torch.float64)),
    lambda x: torch.index_select(x, 0, long([0]), out=torch.empty(1, dtype=torch.float64)),
    lambda x: torch.masked_select(x, x > 0, out=torch.empty(1, dtype=torch.float64)),
    lambda x: torch.sort(x, out=(torch.empty(4, dtype=torch.float64), torch.empty(4, dtype=torch.int64))),
])
def test_out_with_autograd_raises(call):
    with pytest.raises(RuntimeError, match="out="):
        call(leaf(4))


def test_index_modified_after_use_is_caught():
    x = leaf(4)
    idx = long([0, 1])
    y = torch.gather(x, 0, idx)
    idx.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_no_history_without_grad():
    x = leaf(4, 5)
    with torch.no_grad():
        outs = [x[long([0])], x[1:3], torch.gather(x, 1, long([[0]])), x.sort().values, x.masked_select(MASK)]
    assert all(not o.requires_grad and o.grad_fn is None for o in outs)
    y = torch.ones(4, 5, dtype=torch.float64)
    y[MASK] = 2.0
    y.scatter_add_(0, long([[0, 0]]), torch.ones(1, 2, dtype=torch.float64))
    assert y.grad_fn is None and not y.requires_grad
    np.testing.assert_allclose(y.numpy()[0, :2], [3.0, 2.0])


def test_ops_are_marked_differentiable():
    from cltorch._registry import OPS
    names = ("gather take take_along_dim index_select index_add index_add_ index_copy index_copy_ index_fill "
             "index_fill_ masked_fill masked_fill_ masked_select masked_scatter masked_scatter_ scatter scatter_ "
             "scatter_add scatter_add_ scatter_reduce scatter_reduce_ index_put index_put_ sort msort topk kthvalue")
    assert all(OPS[n].backward for n in names.split())
    assert not OPS["argsort"].backward and not OPS["unique"].backward
