"""Tensor.__getitem__ / __setitem__ / index_put_ against NumPy on the PoCL CPU device."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cltorch as torch

rng = np.random.default_rng(1234)

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int8, np.uint8, np.bool_]


def arr(shape, dtype=np.float32):
    """Distinct-ish values of dtype (bool: a random pattern)."""
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(np.bool_)
    return (np.arange(int(np.prod(shape))) % 100).reshape(shape).astype(dtype)


def split_key(key):
    """torch's two steps as NumPy keys: the ints (selections), then everything else."""
    key = key if isinstance(key, tuple) else (key,)
    first, rest = [], []
    for k in key:
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            first.append(int(k))
        elif k is None:
            rest.append(None)
        elif k is Ellipsis:
            first.append(Ellipsis)
            rest.append(Ellipsis)
        elif isinstance(k, slice):
            first.append(slice(None))
            rest.append(k)
        else:
            k = np.asarray(k)
            first.extend([slice(None)] * (k.ndim if k.dtype == np.bool_ else 1))
            rest.append(k)
    return tuple(first), tuple(rest)


def torch_ref(a: np.ndarray, key) -> np.ndarray:
    """NumPy's answer with torch's rule: ints select first, then the rest of the key applies.

    (torch differs from NumPy only when an int is separated from an advanced index by
    a slice: x[0, :, idx] keeps idx's dims in place.)"""
    first, rest = split_key(key)
    return a[first][rest]


# -- basic indexing: views ----------------------------------------------------------
@pytest.mark.parametrize("key", [0, -1, 2, (1, 2), (-1, -2, -3), slice(1, 4), slice(None, None, 2),
                                 slice(-3, None), slice(10, 20), (slice(None), 1), (Ellipsis, 2),
                                 (None, 1), (1, None, Ellipsis, None), (slice(1, None, 3), None, slice(None, 2)),
                                 (Ellipsis,), (), (slice(None), slice(2, 5, 2), -1)])
def test_basic_indexing_is_a_view(key):
    a = arr((4, 5, 6))
    x = torch.tensor(a)
    v = x[key]
    expected = a[key]
    assert tuple(v.shape) == expected.shape
    np.testing.assert_array_equal(v.numpy(), expected)
    assert v._storage is x._storage and v._version_counter is x._version_counter
    assert v._base is x


def test_view_writes_reach_base_and_share_version():
    x = torch.zeros(3, 4)
    v = x[1:, ::2]
    v.fill_(5)
    expected = np.zeros((3, 4), np.float32)
    expected[1:, ::2] = 5
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == v._version == 1
    assert x[1][1:]._base is x


def test_basic_indexing_non_contiguous_source():
    a = arr((6, 8))
    x = torch.tensor(a)
    t = x[::2, 1::3]
    ref = a[::2, 1::3]
    np.testing.assert_array_equal(t[1:, 1].numpy(), ref[1:, 1])
    np.testing.assert_array_equal(t[None, -1, ::2].numpy(), ref[None, -1, ::2])
    assert t[1:]._base is x


def test_none_strides_follow_torch():
    x = torch.zeros(2, 3)
    assert x[:, None].stride() == (3, 3, 1)
    assert x[None].stride() == (6, 3, 1)
    assert x[:, :, None].stride() == (3, 1, 1)


@pytest.mark.parametrize("key,exc,msg", [
    (5, IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (-4, IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    ((0, 9), IndexError, "index 9 is out of bounds for dimension 1 with size 4"),
    ((0, 0, 0), IndexError, "too many indices for tensor of dimension 2"),
    (slice(None, None, -1), ValueError, "step must be greater than zero"),
    (slice(None, None, 0), ValueError, "step must be greater than zero"),
    (1.5, IndexError, "only integers, slices"),
    ("a", IndexError, "only integers, slices"),
])
def test_basic_indexing_errors(key, exc, msg):
    x = torch.zeros(3, 4)
    with pytest.raises(exc, match=msg.replace("(", r"\(").replace("[", r"\[")):
        x[key]


def test_zero_dim_tensor_indexing():
    x = torch.tensor(7.0)
    assert x[()].item() == 7.0 and x[...].shape == ()
    assert x[None].shape == (1,)
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        x[0]


# -- advanced indexing: copies ----------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_integer_list_and_tensor_index_dtypes(dtype):
    a = arr((5, 4), dtype)
    x = torch.tensor(a)
    idx = [4, 0, -1, 2, 2]
    np.testing.assert_array_equal(x[idx].numpy(), a[idx])
    np.testing.assert_array_equal(x[torch.tensor(idx)].numpy(), a[idx])
    np.testing.assert_array_equal(x[:, torch.tensor([3, -4], dtype=torch.int32)].numpy(), a[:, [3, -4]])
    r = x[idx]
    assert r._storage is not x._storage


@pytest.mark.parametrize("n", [0, 1, 7, 1023, 4097])
def test_gather_by_index_sizes(n):
    a = rng.standard_normal(max(n, 1)).astype(np.float32)
    idx = rng.integers(-len(a), len(a), n)
    x = torch.tensor(a)
    np.testing.assert_array_equal(x[torch.tensor(idx)].numpy(), a[idx])
    m = rng.integers(0, 2, len(a)).astype(bool)
    np.testing.assert_array_equal(x[torch.tensor(m)].numpy(), a[m])


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64, np.uint8, np.bool_])
def test_whole_row_gathers(dtype):
    """Rows of >= 8 dense elements take the row-copy kernel: check it like the general one."""
    a = arr((50, 3, 16), dtype)
    x = torch.tensor(a)
    idx = rng.integers(-50, 50, 37)
    np.testing.assert_array_equal(x[torch.tensor(idx)].numpy(), a[idx])
    idx2 = rng.integers(0, 50, (4, 5))
    np.testing.assert_array_equal(x[torch.tensor(idx2, dtype=torch.int32)].numpy(), a[idx2])
    np.testing.assert_array_equal(x[1:, [2, 0]].numpy(), a[1:, [2, 0]])
    np.testing.assert_array_equal(x.index_select(0, torch.tensor(idx % 50)).numpy(), a[idx % 50])
    np.testing.assert_array_equal(x.index_select(1, torch.tensor([2, 2, 0])).numpy(), a[:, [2, 2, 0]])
    with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 50"):
        x[torch.tensor([3, 50])]
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_select(0, torch.tensor([-1]))


@pytest.mark.parametrize("key_fn", [
    lambda: ([0, 2], [1, 3]),
    lambda: ([[0], [2]], [1, 3]),
    lambda: (slice(None), [1, 0], [2, 2]),
    lambda: ([1, 0], slice(None), [2, 3]),           # separated: broadcast dims go first
    lambda: ([1, 0], None, [2, 3]),
    lambda: (Ellipsis, [0, 3]),
    lambda: (1, slice(None), [0, 2]),                 # torch: the int selects first
    lambda: (slice(1, 3), [[0, 1]], slice(None, None, 2)),
    lambda: (np.array([0, 2]), 1),
    lambda: (True,),
    lambda: (False,),
    lambda: (True, [0, 1, 0], True),
    lambda: (None, [2], None, slice(None), [0]),
])
def test_advanced_combinations(key_fn):
    a = arr((3, 4, 5))
    key = key_fn()
    x = torch.tensor(a)
    got = x[key]
    if any(isinstance(k, bool) for k in key):
        expected = a[None][:int(key[0])] if len(key) == 1 else a[[0, 1, 0]]
    else:
        expected = torch_ref(a, key)
    assert tuple(got.shape) == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)


def test_int_then_separated_advanced_matches_torch_shape():
    x = torch.zeros(5, 6, 7)
    assert x[0, :, torch.tensor([1, 2])].shape == (6, 2)
    assert x[torch.tensor([1, 2]), :, torch.tensor([0, 1])].shape == (2, 6)


def test_boolean_masks():
    a = arr((3, 4, 5))
    x = torch.tensor(a)
    m2 = a.sum(axis=2) % 3 == 0
    np.testing.assert_array_equal(x[torch.tensor(m2)].numpy(), a[m2])
    np.testing.assert_array_equal(x[m2].numpy(), a[m2])
    m1 = np.array([True, False, True, False, True])
    np.testing.assert_array_equal(x[:, :, torch.tensor(m1)].numpy(), a[:, :, m1])
    np.testing.assert_array_equal(x[1, torch.tensor([False, True, True, False])].numpy(), a[1, [1, 2]])
    np.testing.assert_array_equal(x[torch.tensor(np.zeros((3, 4), bool))].numpy(), a[np.zeros((3, 4), bool)])
    np.testing.assert_array_equal(x[torch.tensor(True)].numpy(), a[None])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = x[torch.tensor([1, 0, 1], dtype=torch.uint8)]
    np.testing.assert_array_equal(got.numpy(), a[[0, 2]])
    assert any("uint8" in str(i.message) for i in w)


@pytest.mark.parametrize("mask_shape,msg", [((2,), r"mask \[2\] at index 0 does not match the shape of the "
                                                   r"indexed tensor \[3, 4\] at index 0"),
                                            ((3, 5), r"at index 1 does not match"),
                                            ((1, 4), r"at index 0 does not match")])
def test_mask_of_wrong_shape_raises(mask_shape, msg):
    x = torch.zeros(3, 4)
    with pytest.raises(IndexError, match=msg):
        x[torch.ones(mask_shape, dtype=torch.bool)]
    with pytest.raises(IndexError, match=msg):
        x[np.ones(mask_shape, bool)]


def test_out_of_range_index_tensors_raise_index_error():
    x = torch.arange(10.0).reshape(5, 2)
    for bad in ([5], [-6], [0, 7]):
        with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 5"):
            x[torch.tensor(bad)]
        with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 5"):
            x[bad]
    with pytest.raises(IndexError, match="dimension 1 with size 2"):
        x[:, torch.tensor([2])]
    np.testing.assert_array_equal(x[torch.tensor([4])].numpy(), [[8.0, 9.0]])  # the flag was cleared


def test_empty_and_bad_index_tensors():
    a = arr((4, 3))
    x = torch.tensor(a)
    empty = torch.tensor([], dtype=torch.int64)
    assert x[empty].shape == (0, 3)
    assert x[:, empty].shape == (4, 0)
    assert x[[]].shape == (0, 3)
    assert torch.zeros(0, 3)[:, [1, 2]].shape == (0, 2)
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        x[torch.tensor([1.0])]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool tensors"):
        x[torch.tensor([1], dtype=torch.int16)]
    with pytest.raises(IndexError, match="shape mismatch"):
        x[torch.tensor([0, 1]), torch.tensor([0, 1, 2])]


def test_zero_dim_index_tensor_selects_a_view():
    a = arr((4, 3))
    x = torch.tensor(a)
    v = x[torch.tensor(2)]
    np.testing.assert_array_equal(v.numpy(), a[2])
    assert v._storage is x._storage


def test_advanced_indexing_non_contiguous_source():
    a = arr((6, 7, 4))
    x = torch.tensor(a)
    t = x[::2, 1:, ::3]
    ref = a[::2, 1:, ::3]
    np.testing.assert_array_equal(t[[2, 0], :, [1, 0]].numpy(), ref[[2, 0], :, [1, 0]])
    np.testing.assert_array_equal(t[:, torch.tensor([[5], [0]])].numpy(), ref[:, [[5], [0]]])


# -- setitem ------------------------------------------------------------------------------
def test_setitem_basic_scalar_tensor_list():
    a = np.zeros((4, 5), np.float32)
    x = torch.tensor(a)
    x[1] = 3
    a[1] = 3
    x[:, 2] = torch.tensor([1, 2, 3, 4])  # int64 values converted to float
    a[:, 2] = [1, 2, 3, 4]
    x[2:, ::2] = [[7.0, 8.0, 9.0]]
    a[2:, ::2] = [[7.0, 8.0, 9.0]]
    x[0, 0] = torch.tensor(2.5)
    a[0, 0] = 2.5
    x[3] = torch.ones(1, 5)  # leading size-1 dims are dropped, as torch does
    a[3] = 1
    x[...] = x[...] * 1  # same storage, value read first
    np.testing.assert_array_equal(x.numpy(), a)
    assert x._version == 6


def test_setitem_overlapping_shift():
    x = torch.arange(10)
    x[1:] = x[:-1]
    np.testing.assert_array_equal(x.numpy(), np.r_[0, np.arange(9)])


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int64, np.int8, np.bool_])
def test_setitem_advanced(dtype):
    a = arr((5, 3), dtype)
    x = torch.tensor(a)
    vals = arr((2, 3), dtype)[::-1].copy()
    x[[4, -5]] = torch.tensor(vals)
    a[[4, -5]] = vals
    x[torch.tensor([1, 2]), torch.tensor([0, 2])] = 1
    a[[1, 2], [0, 2]] = 1
    np.testing.assert_array_equal(x.numpy(), a)
    before = x._version
    x[torch.tensor([3]), 1:] = torch.tensor([0.0, 1.0], dtype=torch.float64)  # any dtype, converted
    a[3, 1:] = np.array([0, 1]).astype(dtype)
    np.testing.assert_array_equal(x.numpy(), a)
    assert x._version == before + 1


def test_setitem_bool_masks():
    a = arr((3, 4))
    x = torch.tensor(a)
    m = a > 20
    x[torch.tensor(m)] = -1.0           # masked_fill path, no readback
    a[m] = -1.0
    x[torch.tensor(m[:, 0])] = torch.tensor(5.0)
    a[m[:, 0]] = 5.0
    x[torch.tensor([True, False, True])] = torch.arange(8.0).reshape(2, 4)
    a[[True, False, True]] = np.arange(8.0).reshape(2, 4)
    x[np.array([False, True, False])] = torch.tensor([1.0, 2.0, 3.0, 4.0])
    a[1] = [1, 2, 3, 4]
    np.testing.assert_array_equal(x.numpy(), a)
    with pytest.raises(IndexError, match="does not match"):
        x[torch.tensor([[True, False, True]])] = 1


def test_setitem_errors_leave_tensor_unchanged():
    x = torch.zeros(3, 2)
    with pytest.raises(IndexError):
        x[torch.tensor([0, 3])] = 1.0
    with pytest.raises(RuntimeError, match="shape mismatch"):
        x[torch.tensor([0, 1])] = torch.ones(3, 2)
    np.testing.assert_array_equal(x.numpy(), np.zeros((3, 2)))


def test_setitem_duplicate_indices_write_one_of_the_values():
    x = torch.zeros(4)
    x[torch.tensor([1, 1, 1])] = torch.tensor([5.0, 6.0, 7.0])
    got = x.numpy()
    assert got[1] in (5.0, 6.0, 7.0) and got[0] == got[2] == got[3] == 0


def test_index_put_accumulate_repeated_indices():
    a = rng.standard_normal((6, 3)).astype(np.float32)
    idx = np.array([0, 5, 0, 0, 2, 5, 1])
    vals = rng.standard_normal((7, 3)).astype(np.float32)
    x = torch.tensor(a)
    x.index_put_((torch.tensor(idx),), torch.tensor(vals), accumulate=True)
    expected = a.copy()
    np.add.at(expected, idx, vals)
    np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6)
    r, c = np.array([1, 1, 2, 1]), np.array([0, 0, 2, 0])
    y = torch.index_put(torch.tensor(a), (torch.tensor(r), torch.tensor(c)), torch.tensor(1.0), accumulate=True)
    expected = a.copy()
    np.add.at(expected, (r, c), 1.0)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)
    z = torch.tensor(a).index_put_((None, torch.tensor([2, 2])), torch.ones(6, 2), accumulate=True)
    expected = a.copy()
    expected[:, 2] += 2
    np.testing.assert_allclose(z.numpy(), expected, rtol=1e-6)


# -- property tests against NumPy ------------------------------------------------------------
@st.composite
def index_expressions(draw):
    shape = draw(st.lists(st.integers(0, 4), min_size=1, max_size=4))
    bshape = draw(st.sampled_from([(), (1,), (2,), (3,), (2, 1), (1, 3), (2, 3)]))
    use_mask = draw(st.booleans())
    key = []
    masked = False
    for size in shape:
        kind = draw(st.sampled_from(["int", "slice", "full", "array", "none", "mask"]))
        if kind == "none":
            key.append(None)
            kind = draw(st.sampled_from(["int", "slice", "full", "array"]))
        if kind == "mask" and (masked or not use_mask):
            kind = "array"
        if size == 0 and kind in ("int", "array"):
            kind = "slice"
        if kind == "int":
            key.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-6, 6)))
            stop = draw(st.one_of(st.none(), st.integers(-6, 6)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            key.append(slice(start, stop, step))
        elif kind == "full":
            key.append(slice(None))
        elif kind == "mask":
            masked = True
            key.append(np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool))
        else:
            vals = draw(st.lists(st.integers(-size, size - 1), min_size=int(np.prod(bshape)),
                                 max_size=int(np.prod(bshape))))
            key.append(np.array(vals, dtype=np.int64).reshape(bshape))
    if masked:  # a mask only broadcasts with other index arrays when counts line up: keep it alone
        key = [k if not (isinstance(k, np.ndarray) and k.dtype != bool) else slice(None) for k in key]
    cut = draw(st.integers(0, len(key)))
    where = draw(st.sampled_from(["none", "start", "end"]))
    if where == "start":
        key = [Ellipsis] + key[cut:]
    elif where == "end":
        key = key[:cut] + [Ellipsis]
    as_tensor = draw(st.lists(st.sampled_from(["np", "list", "i64", "i32"]), min_size=len(key), max_size=len(key)))
    return tuple(shape), key, as_tensor


def _to_key(key, forms):
    out = []
    for k, form in zip(key, forms):
        if isinstance(k, np.ndarray):
            if form == "list":
                k = k.tolist()
            elif form == "i64" or (form == "i32" and k.dtype == bool):
                k = torch.tensor(k)
            elif form == "i32":
                k = torch.tensor(k, dtype=torch.int32)
        out.append(k)
    return tuple(out)


def _ndim_ok(shape, key):
    used = sum(0 if (k is None or k is Ellipsis) else (k.ndim if isinstance(k, np.ndarray) and k.dtype == bool
                                                        else 1) for k in key)
    return used <= len(shape)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index_expressions())
def test_random_getitem_matches_numpy(expr):
    shape, key, forms = expr
    if not _ndim_ok(shape, key):
        return
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    x = torch.tensor(a)
    expected = torch_ref(a, tuple(key))
    got = x[_to_key(key, forms)]
    assert tuple(got.shape) == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index_expressions(), st.integers(-50, 50))
def test_random_setitem_matches_numpy(expr, value):
    shape, key, forms = expr
    if not _ndim_ok(shape, key):
        return
    a = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    x = torch.tensor(a)
    first, rest = split_key(tuple(key))
    view = a[first] if any(k is Ellipsis for k in first) else a[first + (Ellipsis,)]  # a view, even if 0-d
    view[rest] = value
    x[_to_key(key, forms)] = value
    np.testing.assert_array_equal(x.numpy(), a)
