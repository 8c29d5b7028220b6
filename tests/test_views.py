"""Shape ops: views (checked for shared storage and write-through), copying rearrangements and joins.

Values are compared with NumPy. View tests use a base whose values are the
flat indices of its elements, so a view's values say which base elements it
aliases; a write through the view must land exactly there.
"""
import warnings

import numpy as np
import pytest

import cltorch
from cltorch import Tensor

SIZES = (0, 1, 7, 1023, 4097)

DTYPES = [
    (cltorch.float32, np.float32), (cltorch.float64, np.float64), (cltorch.float16, np.float16),
    (cltorch.int64, np.int64), (cltorch.int32, np.int32), (cltorch.int16, np.int16),
    (cltorch.int8, np.int8), (cltorch.uint8, np.uint8), (cltorch.bool, np.bool_),
]
DTYPE_IDS = [str(d) for d, _ in DTYPES]
LAYOUTS = ("contiguous", "strided", "transposed")


# -- helpers ---------------------------------------------------------------------------
def sample(shape, npdt, seed=0):
    """Distinct-ish values of a dtype (wrapping for narrow integer types)."""
    n = int(np.prod(shape))
    vals = np.random.default_rng(seed).permutation(max(n, 1))[:n] + 1
    if npdt == np.bool_:
        return (vals % 3 == 0).reshape(shape)
    return (vals % 127 if np.dtype(npdt).itemsize == 1 else vals).astype(npdt).reshape(shape)


def upload(arr, layout="contiguous"):
    """A cltorch tensor with arr's values: dense, strided (gaps and an offset) or a transposed view."""
    arr = np.asarray(arr)
    if layout == "contiguous" or arr.ndim == 0:
        return cltorch.tensor(arr)
    if layout == "strided":
        big = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1] + 1,), arr.dtype)
        big[..., 1::2] = arr
        base = cltorch.tensor(big)
        strides = tuple(s // arr.itemsize for s in big.strides[:-1]) + (2,)
        return Tensor._make(base._storage, 1, arr.shape, strides, base.dtype, base.device)
    base = cltorch.tensor(np.ascontiguousarray(arr.T))
    strides = tuple(s // arr.itemsize for s in np.ascontiguousarray(arr.T).strides)[::-1]
    return Tensor._make(base._storage, 0, arr.shape, strides, base.dtype, base.device)


def check(t, expected):
    """t has expected's shape, NumPy dtype and values."""
    expected = np.asarray(expected)
    assert tuple(t.shape) == expected.shape
    got = t.numpy()
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_array_equal(got, expected)


def assert_aliases(view, base):
    """view shares base's storage and version counter and names the root tensor as its base."""
    assert view._storage is base._storage
    assert view._version_counter is base._version_counter
    assert view._base is (base if base._base is None else base._base)


def assert_write_through(view, base):
    """Writing distinct values through view changes exactly the base elements it aliases."""
    before = base.numpy()
    idx = view.numpy().astype(np.int64).reshape(-1)  # base holds its own flat indices
    vals = -1 - np.arange(view.numel(), dtype=np.int64)
    version = base._version
    view.copy_(cltorch.tensor(vals.reshape(tuple(view.shape))))
    expected = before.copy().reshape(-1)
    expected[idx] = vals
    check(base, expected.reshape(before.shape))
    assert base._version > version


def index_base(shape, layout):
    arr = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    return upload(arr, layout), arr


# -- views: values, aliasing, write-through ---------------------------------------------
VIEW_CASES = [
    ("view", lambda t: t.view(4, 6), lambda a: a.reshape(4, 6)),
    ("view-1", lambda t: t.view(-1), lambda a: a.reshape(-1)),
    ("view_size", lambda t: t.view(cltorch.Size([2, 12])), lambda a: a.reshape(2, 12)),
    ("view_as", lambda t: t.view_as(cltorch.empty(3, 8)), lambda a: a.reshape(3, 8)),
    ("reshape", lambda t: cltorch.reshape(t, (2, -1, 2)), lambda a: a.reshape(2, 6, 2)),
    ("flatten", lambda t: t.flatten(1), lambda a: a.reshape(2, 12)),
    ("unflatten", lambda t: t.unflatten(-1, (2, -1)), lambda a: a.reshape(2, 3, 2, 2)),
    ("squeeze", lambda t: t.unsqueeze(0).squeeze(), lambda a: a),
    ("unsqueeze", lambda t: t.unsqueeze(-2), lambda a: a[:, :, None, :]),
    ("transpose", lambda t: t.transpose(0, 2), lambda a: a.transpose(2, 1, 0)),
    ("swapaxes", lambda t: cltorch.swapaxes(t, -1, 1), lambda a: a.swapaxes(-1, 1)),
    ("swapdims", lambda t: t.swapdims(0, 1), lambda a: a.swapaxes(0, 1)),
    ("permute", lambda t: t.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ("permute_tuple", lambda t: cltorch.permute(t, (1, 2, 0)), lambda a: a.transpose(1, 2, 0)),
    ("movedim", lambda t: cltorch.movedim(t, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0))),
    ("moveaxis", lambda t: t.moveaxis(-1, 0), lambda a: np.moveaxis(a, -1, 0)),
    ("mT", lambda t: t.mT, lambda a: a.swapaxes(-1, -2)),
    ("t", lambda t: t.select(0, 1).t(), lambda a: a[1].T),
    ("T_2d", lambda t: t.select(1, 2).T, lambda a: a[:, 2].T),
    ("narrow", lambda t: t.narrow(2, 1, 2), lambda a: a[:, :, 1:3]),
    ("narrow_neg", lambda t: cltorch.narrow(t, -2, -2, 2), lambda a: a[:, 1:3]),
    ("select", lambda t: t.select(1, -1), lambda a: a[:, -1]),
    ("diagonal", lambda t: t.diagonal(), lambda a: np.diagonal(a)),
    ("diagonal_off", lambda t: cltorch.diagonal(t, 1, 0, 2), lambda a: np.diagonal(a, 1, 0, 2)),
    ("diagonal_neg", lambda t: t.diagonal(-1, 2, 1), lambda a: np.diagonal(a, -1, 2, 1)),
    ("as_strided", lambda t: t.contiguous().as_strided((3, 2), (1, 5), 2),
     lambda a: np.lib.stride_tricks.as_strided(a.reshape(-1)[2:], (3, 2), (8, 40))),
    ("unfold", lambda t: t.unfold(2, 2, 1), lambda a: np.lib.stride_tricks.sliding_window_view(a, 2, 2)),
    ("atleast_3d", lambda t: cltorch.atleast_3d(t.select(0, 0).select(0, 0)), lambda a: a[0, 0][None, :, None]),
]


# Merging dims needs a contiguous base; as_strided addresses raw storage.
_DENSE_ONLY = {"view", "view-1", "view_size", "view_as", "reshape", "flatten", "as_strided"}
VIEW_PARAMS = [pytest.param(op, np_op, layout, id=f"{name}-{layout}") for name, op, np_op in VIEW_CASES
               for layout in LAYOUTS if layout == "contiguous" or name not in _DENSE_ONLY]


@pytest.mark.parametrize("op, np_op, layout", VIEW_PARAMS)
def test_view_values_alias_and_write_through(op, np_op, layout):
    base, arr = index_base((2, 3, 4), layout)
    v = op(base)
    check(v, np_op(arr))
    src = base if v._base is base else base.contiguous()  # as_strided is taken of base.contiguous()
    assert_aliases(v, src)
    assert_write_through(v, src)


@pytest.mark.parametrize("fn", [
    lambda t: t.unbind(1), lambda t: t.split(3, 2), lambda t: t.split([1, 0, 2], 1), lambda t: t.chunk(3, 2),
    lambda t: cltorch.tensor_split(t, 3, dim=2), lambda t: cltorch.tensor_split(t, [1, -1], 2),
    lambda t: cltorch.hsplit(t, 3), lambda t: cltorch.dsplit(t, [3]), lambda t: cltorch.vsplit(t, 2),
], ids=["unbind", "split", "split_list", "chunk", "tensor_split", "tensor_split_idx", "hsplit", "dsplit", "vsplit"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_split_family_pieces_are_views(fn, layout):
    base, arr = index_base((2, 3, 4), layout)
    for piece in fn(base):
        assert_aliases(piece, base)
        assert_write_through(piece, base)


def test_split_family_matches_numpy():
    a = np.arange(2 * 7 * 4, dtype=np.float32).reshape(2, 7, 4)
    t = upload(a, "transposed")
    for got, want in zip(t.split(3, 1), np.split(a, [3, 6], 1)):
        check(got, want)
    for got, want in zip(cltorch.split(t, [2, 5], -2), np.split(a, [2], 1)):
        check(got, want)
    for got, want in zip(t.chunk(3, 1), np.array_split(a, [3, 6], 1)):
        check(got, want)
    for sections in (1, 3, 7, 9):
        got = cltorch.tensor_split(t, sections, 1)
        assert len(got) == sections
        for g, w in zip(got, np.array_split(a, sections, 1)):
            check(g, w)
    for g, w in zip(t.tensor_split([1, -2, 10], 1), np.split(a, [1, 5, 7], 1)):
        check(g, w)
    for g, w in zip(t.tensor_split(cltorch.tensor([2, 4]), 1), np.split(a, [2, 4], 1)):
        check(g, w)
    assert [p.shape[0] for p in cltorch.arange(0).chunk(3)] == [0, 0, 0]
    assert [tuple(p.shape) for p in cltorch.zeros(0, 2).split(2)] == [(0, 2)]
    for i, row in enumerate(t.unbind(-1)):
        check(row, a[..., i])


def test_view_strides_match_torch_rules():
    t = cltorch.zeros(2, 3, 4)
    assert t.view(6, 4).stride() == (4, 1)
    assert t.transpose(0, 1).view(3, 2, 2, 2).stride() == (4, 12, 2, 1)
    assert t.narrow(2, 0, 2).view(6, 2).stride() == (4, 1)
    assert t.view(1, 24, 1).stride() == (24, 1, 1)
    assert t.unsqueeze(1).stride() == (12, 12, 4, 1)
    assert t.unsqueeze(3).stride() == (12, 4, 1, 1)
    assert cltorch.zeros(3, 1).expand(2, 3, 4).stride() == (0, 1, 0)
    assert cltorch.zeros(0, 3).view(3, 0).stride() == (1, 1)
    assert cltorch.tensor(5.0).view(1, 1).shape == (1, 1)
    assert t.transpose(0, 2).storage_offset() == 0
    assert t.select(2, 3).storage_offset() == 3 and t.narrow(1, 2, 1).storage_offset() == 8
    assert t.diagonal(2, 1, 2).storage_offset() == 2 and t.diagonal(-2, 1, 2).storage_offset() == 8


@pytest.mark.parametrize("layout", LAYOUTS)
def test_reshape_copies_only_when_needed(layout):
    base, arr = index_base((2, 3, 4), layout)
    r = base.reshape(4, 6)
    check(r, arr.reshape(4, 6))
    if layout == "contiguous":
        assert_aliases(r, base)
    else:
        assert r._storage is not base._storage and r._base is None and r.is_contiguous()
    flat = base.ravel()
    check(flat, arr.reshape(-1))
    assert (flat._storage is base._storage) == (layout == "contiguous")
    check(base.reshape_as(cltorch.empty(24)), arr.reshape(-1))
    check(base.flatten(), arr.reshape(-1))


def test_flatten_and_squeeze_edge_cases():
    s = cltorch.tensor(3.5)
    check(s.flatten(), np.array([3.5], np.float32))
    t = cltorch.zeros(2, 3)
    assert t.flatten(1, 1) is t
    assert cltorch.squeeze(s, 0).shape == () and s.squeeze().shape == ()
    u = cltorch.zeros(1, 2, 1, 3, 1)
    assert u.squeeze().shape == (2, 3)
    assert u.squeeze(2).shape == (1, 2, 3, 1) and u.squeeze(1).shape == (1, 2, 1, 3, 1)
    assert u.squeeze((0, -1)).shape == (2, 1, 3)
    w = cltorch.zeros(2, 1, 3)
    assert w.squeeze_(1) is w and w.shape == (2, 3) and w.stride() == (3, 1)
    assert w.unsqueeze_(0).shape == (1, 2, 3)
    assert cltorch.zeros(2, 3).t_().shape == (3, 2) and cltorch.zeros(2, 3).swapdims_(0, 1).shape == (3, 2)
    assert cltorch.zeros(2, 3, 4).transpose_(0, 2).shape == (4, 3, 2)
    assert cltorch.zeros(0, 4).unflatten(1, (2, 2)).shape == (0, 2, 2)


def test_transposes_of_small_tensors():
    v = cltorch.arange(5)
    assert v.t().shape == (5,)
    with pytest.warns(UserWarning, match="reverses all its dims"):
        assert v.T.shape == (5,)
    assert cltorch.t(cltorch.tensor(1)).shape == ()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cltorch.zeros(2, 3, 4).T.shape == (4, 3, 2)
    assert caught and issubclass(caught[0].category, UserWarning)
    m = cltorch.zeros(2, 3)
    assert m.H.shape == (3, 2) and m.mH.shape == (3, 2) and m.adjoint().shape == (3, 2)


def test_expand_and_broadcast():
    a = np.array([[1], [2], [3]], np.int32)
    t = cltorch.tensor(a)
    e = t.expand(2, 3, 4)
    check(e, np.broadcast_to(a, (2, 3, 4)))
    assert_aliases(e, t)
    assert e.stride() == (0, 1, 0)
    check(t.expand(-1, 5), np.broadcast_to(a, (3, 5)))
    check(t.expand_as(cltorch.empty(3, 2)), np.broadcast_to(a, (3, 2)))
    check(cltorch.broadcast_to(t, (0, 3, 2)), np.zeros((0, 3, 2), np.int32))
    check(cltorch.tensor(7).expand(2, 2), np.full((2, 2), 7))
    x, y = cltorch.broadcast_tensors(t, cltorch.arange(4))
    assert x.shape == y.shape == (3, 4)
    check(y, np.broadcast_to(np.arange(4), (3, 4)))
    assert cltorch.broadcast_shapes((3, 1), (2, 1, 4), 4) == cltorch.Size([2, 3, 4])
    # a copy of an expanded, non-contiguous view
    s = upload(np.arange(6, dtype=np.float32).reshape(2, 3), "strided")
    check(s.unsqueeze(1).expand(2, 4, 3).contiguous(),
          np.broadcast_to(np.arange(6, dtype=np.float32).reshape(2, 1, 3), (2, 4, 3)))


@pytest.mark.parametrize("ct, nt", DTYPES[:-1], ids=DTYPE_IDS[:-1])
def test_view_dtype_reinterprets_bytes(ct, nt):
    a = sample((4, 8), np.float32)
    t = cltorch.tensor(a)
    v = t.view(ct)
    check(v, a.view(nt))
    assert v._storage is t._storage and v._version_counter is t._version_counter and v._base is None
    check(v.view(cltorch.float32), a)
    with pytest.raises(RuntimeError, match="stride"):
        t.t().view(cltorch.float64)
    flags = cltorch.tensor(np.array([0, 1, 1, 0], np.uint8))
    check(flags.view(dtype=cltorch.bool), np.array([False, True, True, False]))


def test_view_dtype_offsets_and_errors():
    t = cltorch.tensor(np.arange(12, dtype=np.uint8).reshape(3, 4))
    check(t.narrow(1, 2, 2).view(cltorch.int16), np.arange(12, dtype=np.uint8).reshape(3, 4)[:, 2:].view(np.int16))
    with pytest.raises(RuntimeError, match="divisible by 2"):
        t.narrow(1, 1, 2).view(cltorch.int16)
    with pytest.raises(RuntimeError, match="cannot be 0"):
        cltorch.tensor(1, dtype=cltorch.uint8).view(cltorch.int16)


def test_atleast_nd_shapes_and_identity():
    s, v, m = cltorch.tensor(1.0), cltorch.arange(3), cltorch.zeros(2, 3)
    assert cltorch.atleast_1d(s).shape == (1,) and cltorch.atleast_1d(v) is v
    assert cltorch.atleast_2d(v).shape == (1, 3) and cltorch.atleast_2d(m) is m
    assert cltorch.atleast_3d(s).shape == (1, 1, 1) and cltorch.atleast_3d(m).shape == (2, 3, 1)
    both = cltorch.atleast_2d(s, v)
    assert isinstance(both, tuple) and [x.shape for x in both] == [(1, 1), (1, 3)]
    assert [x.shape for x in cltorch.atleast_1d([s, m])] == [(1,), (2, 3)]


# -- copying rearrangements -------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_flip_roll_repeat_sizes(n):
    a = sample((n,), np.float32)
    for layout in ("contiguous", "strided"):
        t = upload(a, layout)
        check(t.flip(0), a[::-1])
        check(cltorch.roll(t, 3), np.roll(a, 3))
        check(t.roll(-5, 0), np.roll(a, -5))
        check(t.repeat(2), np.tile(a, 2))
        check(t.repeat(2, 1), np.tile(a, (2, 1)))
        for r in (t.flip(0), t.roll(1), t.repeat(1)):
            assert r._storage is not t._storage and r._base is None


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_flip_roll_repeat_dtypes_layouts(ct, nt, layout):
    a = sample((3, 4, 5), nt)
    t = upload(a, layout)
    assert t.dtype is ct
    check(cltorch.flip(t, (0, 2)), a[::-1, :, ::-1])
    check(t.flip(-2), a[:, ::-1])
    check(cltorch.fliplr(t), np.fliplr(a))
    check(cltorch.flipud(t), np.flipud(a))
    check(t.roll((1, -2), (0, 2)), np.roll(a, (1, -2), (0, 2)))
    check(t.roll(7), np.roll(a, 7))
    check(t.roll((1, 1), (1, 1)), np.roll(a, 2, 1))
    check(t.repeat(2, 1, 3), np.tile(a, (2, 1, 3)))
    check(t.repeat(1, 2, 1, 1), np.tile(a, (1, 2, 1, 1)))
    check(cltorch.tile(t, (2,)), np.tile(a, 2))
    check(t.tile(2, 1, 1, 1), np.tile(a, (2, 1, 1, 1)))


def test_rearrange_zero_d_and_empty():
    s = cltorch.tensor(2.5)
    check(s.flip(0), np.array(2.5, np.float32))
    check(s.roll(3), np.array(2.5, np.float32))
    check(s.repeat(2, 3), np.full((2, 3), 2.5, np.float32))
    e = cltorch.zeros(0, 3)
    assert e.flip(0, 1).shape == (0, 3) and e.roll(1, 0).shape == (0, 3)
    assert e.repeat(2, 0).shape == (0, 0)
    check(cltorch.arange(3).repeat(0), np.zeros(0, np.int64))


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_tril_triu(ct, nt, layout):
    a = sample((2, 5, 6), nt)
    t = upload(a, layout)
    for k in (-6, -1, 0, 2, 7):
        check(t.tril(k), np.tril(a, k))
        check(cltorch.triu(t, diagonal=k), np.triu(a, k))
    u = upload(a, layout)
    assert u.tril_(1) is u
    check(u, np.tril(a, 1))
    u.triu_(-1)
    check(u, np.triu(np.tril(a, 1), -1))


@pytest.mark.parametrize("n", SIZES)
def test_tril_triu_sizes(n):
    a = sample((n, 3), np.float32)
    t = upload(a, "transposed")
    check(t.tril(), np.tril(a))
    check(t.triu(-1), np.triu(a, -1))
    out = cltorch.empty(0)
    assert cltorch.tril(t, 1, out=out) is out
    check(out, np.tril(a, 1))


def test_tril_many_batch_dims():
    a = sample((2, 2, 2, 2, 2, 2, 2, 1, 2, 3, 4), np.int32)  # transposed: 10 dims, more than one launch takes
    t = upload(a, "transposed")
    check(t.tril(), np.tril(a))
    check(t.triu(1), np.triu(a, 1))


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_diag_and_diag_embed(ct, nt):
    v = sample((4,), nt)
    m = sample((4, 5), nt)
    for k in (-2, 0, 1, 6):
        check(cltorch.diag(upload(v, "strided"), k), np.diag(v, k))
        check(upload(m, "transposed").diag(k), np.diag(m, k))
    tm = upload(m)
    d = cltorch.diag(tm)
    assert d._storage is not tm._storage and d._base is None
    x = sample((2, 3), nt)
    for offset, d1, d2 in ((0, -2, -1), (1, 0, 2), (-1, 2, 0)):
        check(cltorch.diag_embed(upload(x, "transposed"), offset, d1, d2), np_diag_embed(x, offset, d1, d2))


def np_diag_embed(x, offset, d1, d2):
    """Reference diag_embed built element by element."""
    nd = x.ndim + 1
    d1, d2 = d1 % nd, d2 % nd
    n = x.shape[-1] + abs(offset)
    rest = iter(x.shape[:-1])
    out = np.zeros([n if d in (d1, d2) else next(rest) for d in range(nd)], x.dtype)
    for idx in np.ndindex(x.shape):
        i = idx[-1]
        r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
        batch = iter(idx[:-1])
        pos = [r if d == d1 else c if d == d2 else next(batch) for d in range(nd)]
        out[tuple(pos)] = x[idx]
    return out


# -- joining -----------------------------------------------------------------------------
@pytest.mark.parametrize("n", SIZES)
def test_cat_stack_sizes(n):
    a, b = sample((n,), np.float32), sample((n,), np.float32, seed=1)
    ta, tb = upload(a, "strided"), upload(b)
    check(cltorch.cat([ta, tb]), np.concatenate([a, b]))
    check(cltorch.cat((ta, tb, ta), -1), np.concatenate([a, b, a]))
    check(cltorch.stack([ta, tb]), np.stack([a, b]))
    check(cltorch.stack([ta, tb], 1), np.stack([a, b], 1))


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_cat_stack_dtypes_layouts(ct, nt, layout):
    a, b = sample((2, 3, 4), nt), sample((2, 5, 4), nt, seed=3)
    ta, tb = upload(a, layout), upload(b, layout)
    check(cltorch.cat([ta, tb], 1), np.concatenate([a, b], 1))
    check(cltorch.concat([tb, ta], dim=-2), np.concatenate([b, a], 1))
    check(cltorch.concatenate([ta, ta], axis=2), np.concatenate([a, a], 2))
    for d in (0, 2, -1, 3):
        check(cltorch.stack([ta, ta, ta], d), np.stack([a, a, a], d))
    check(cltorch.hstack([ta, ta]), np.hstack([a, a]))
    check(cltorch.vstack([ta, ta]), np.vstack([a, a]))
    check(cltorch.dstack([ta, ta]), np.dstack([a, a]))


def test_cat_promotes_dtypes():
    i = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.array([[True, False, True]])
    h = np.array([[0.5, 1.5, 2.5]], np.float16)
    check(cltorch.cat([cltorch.tensor(i), cltorch.tensor(b)]), np.concatenate([i, b.astype(np.int64)]))
    check(cltorch.cat([cltorch.tensor(i), cltorch.tensor(h)]), np.concatenate([i, h]).astype(np.float16))
    check(cltorch.cat([cltorch.tensor(b), cltorch.tensor(b)]), np.concatenate([b, b]))
    check(cltorch.stack([cltorch.tensor(i[0]), cltorch.tensor(i[1].astype(np.float64))]),
          i.astype(np.float64))
    u = cltorch.tensor(np.array([200], np.uint8))
    check(cltorch.cat([u, cltorch.tensor(np.array([-1], np.int8))]), np.array([200, -1], np.int16))


def test_cat_skips_empty_1d_tensors():
    m = np.arange(6, dtype=np.float32).reshape(2, 3)
    e = cltorch.zeros(0)
    check(cltorch.cat([e, cltorch.tensor(m), e], 1), m)
    check(cltorch.cat([e, e]), np.zeros(0, np.float32))
    check(cltorch.cat([cltorch.tensor(m), cltorch.zeros(0, 3)]), m)
    check(cltorch.cat([cltorch.tensor(m)]), m)
    check(cltorch.cat([e, cltorch.arange(3)]), np.arange(3, dtype=np.float32))


def test_cat_and_stack_out():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    out = cltorch.zeros(4, 3, dtype=cltorch.float32)
    res = cltorch.cat([cltorch.tensor(a), cltorch.tensor(a)], out=out)
    assert res is out
    check(out, np.concatenate([a, a]).astype(np.float32))
    out = cltorch.empty(0, dtype=cltorch.int64)
    cltorch.stack([cltorch.tensor(a)] * 2, 1, out=out)
    check(out, np.stack([a, a], 1).astype(np.int64))
    with pytest.raises(TypeError, match="can't be cast"):
        cltorch.cat([cltorch.zeros(2)], out=cltorch.zeros(2, dtype=cltorch.int64))
    t = cltorch.zeros(4)
    with pytest.raises(RuntimeError, match="shares memory with the out= tensor"):
        cltorch.cat([t.narrow(0, 0, 2), t.narrow(0, 2, 2)], out=t)


def test_column_stack_and_friends():
    v, w = np.arange(3, dtype=np.float32), np.arange(3, 6, dtype=np.float32)
    m = np.arange(6, dtype=np.float32).reshape(3, 2)
    check(cltorch.column_stack([cltorch.tensor(v), upload(m, "transposed"), upload(w, "strided")]),
          np.column_stack([v, m, w]))
    check(cltorch.hstack([cltorch.tensor(v), cltorch.tensor(w)]), np.hstack([v, w]))
    check(cltorch.vstack([cltorch.tensor(v), cltorch.tensor(w)]), np.vstack([v, w]))
    check(cltorch.row_stack([cltorch.tensor(v), cltorch.tensor(w)]), np.vstack([v, w]))
    check(cltorch.dstack([cltorch.tensor(v), cltorch.tensor(w)]), np.dstack([v, w]))
    check(cltorch.hstack([cltorch.tensor(1.0), cltorch.tensor(2.0)]), np.array([1.0, 2.0], np.float32))


def test_cat_device_mismatch_raises():
    t = cltorch.zeros(2)
    other = Tensor._make(t._storage, 0, (2,), (1,), t.dtype, cltorch.device("cuda:7"))
    with pytest.raises(RuntimeError, match="same device"):
        cltorch.cat([t, other])
    with pytest.raises(RuntimeError, match="same device"):
        cltorch.stack([t, other])


# -- errors ------------------------------------------------------------------------------
ERRORS = [
    (lambda: cltorch.zeros(12).view(3, 5), RuntimeError, r"shape '\[3, 5\]' is invalid for input of size 12"),
    (lambda: cltorch.zeros(12).reshape(-1, -1), RuntimeError, "only one dimension can be inferred"),
    (lambda: cltorch.zeros(12).view(-2, 6), RuntimeError, "invalid shape dimension -2"),
    (lambda: cltorch.zeros(0, 3).view(0, -1), RuntimeError, "ambiguous"),
    (lambda: cltorch.zeros(3, 4).t().view(12), RuntimeError, r"\[4, 3\].*stride \[1, 4\].*\.reshape"),
    (lambda: cltorch.zeros(2, 3).transpose(0, 2), IndexError, r"range of \[-2, 1\], but got 2"),
    (lambda: cltorch.zeros(2, 3).unsqueeze(3), IndexError, r"range of \[-3, 2\], but got 3"),
    (lambda: cltorch.zeros(2, 3).flatten(1, 0), RuntimeError, "start_dim cannot come after end_dim"),
    (lambda: cltorch.zeros(5).unflatten(0, (2, 2)), RuntimeError, r"\[2, 2\] don't multiply up to .* \(5\)"),
    (lambda: cltorch.zeros(2, 3, 4).t(), RuntimeError, "<= 2 dimensions"),
    (lambda: cltorch.zeros(3).mT, RuntimeError, "1-D tensor"),
    (lambda: cltorch.zeros(2, 3).permute(0, 1, 2), RuntimeError, r"\[2, 3\]"),
    (lambda: cltorch.zeros(2, 3).permute(1, 1), RuntimeError, "duplicate dims"),
    (lambda: cltorch.movedim(cltorch.zeros(2, 3), (0, 0), (0, 1)), RuntimeError, "repeated dim in `source`"),
    (lambda: cltorch.movedim(cltorch.zeros(2, 3), (0, 1), (0,)), RuntimeError, "same number of dims"),
    (lambda: cltorch.zeros(2, 3).expand(2, 4), RuntimeError, r"\(4\) must match the existing size \(3\)"),
    (lambda: cltorch.zeros(2, 3).expand(3), RuntimeError, "number of sizes provided"),
    (lambda: cltorch.zeros(3).expand(-1, 3), RuntimeError, "leading, non-existing dimension 0"),
    (lambda: cltorch.zeros(5).narrow(0, 2, 4), RuntimeError, r"start \(2\) \+ length \(4\) exceeds .* \(5\)"),
    (lambda: cltorch.zeros(5).narrow(0, -6, 1), IndexError, "start out of range"),
    (lambda: cltorch.tensor(1.0).narrow(0, 0, 1), RuntimeError, "0-dim"),
    (lambda: cltorch.zeros(3, 4).select(1, 4), IndexError, r"index 4 out of range for tensor of size \[3, 4\]"),
    (lambda: cltorch.tensor(1.0).select(0, 0), IndexError, "0-dim"),
    (lambda: cltorch.tensor(1.0).unbind(), IndexError, "no dimensions"),
    (lambda: cltorch.zeros(5).split([2, 2]), RuntimeError, "sum exactly to 5"),
    (lambda: cltorch.zeros(5).split(0), RuntimeError, "split_size can only be 0"),
    (lambda: cltorch.zeros(5).split(-1), RuntimeError, "non-negative"),
    (lambda: cltorch.zeros(5).chunk(0), RuntimeError, "greater than 0"),
    (lambda: cltorch.tensor_split(cltorch.zeros(5), 0), RuntimeError, "larger than 0"),
    (lambda: cltorch.hsplit(cltorch.zeros(2, 5), 2), RuntimeError, "not divisible"),
    (lambda: cltorch.vsplit(cltorch.zeros(5), 1), RuntimeError, "at least 2 dimensions"),
    (lambda: cltorch.zeros(3, 3).diagonal(0, 1, 1), RuntimeError, "cannot be identical"),
    (lambda: cltorch.zeros(4).as_strided((3,), (2,)), RuntimeError, "out of bounds"),
    (lambda: cltorch.zeros(4).as_strided((2,), (-1,)), RuntimeError, "Negative strides"),
    (lambda: cltorch.zeros(5).unfold(0, 6, 1), RuntimeError, "maximum size"),
    (lambda: cltorch.zeros(5, 2).repeat(2), RuntimeError, "can not be smaller"),
    (lambda: cltorch.zeros(4, 2).flip(0, -2), RuntimeError, "dim 0 appears multiple times"),
    (lambda: cltorch.fliplr(cltorch.zeros(3)), RuntimeError, ">= 2-d"),
    (lambda: cltorch.flipud(cltorch.tensor(1.0)), RuntimeError, ">= 1-d"),
    (lambda: cltorch.zeros(5, 2).roll((1, 2), 0), RuntimeError, "shifts and dimensions must align"),
    (lambda: cltorch.roll(cltorch.tensor(1.0), 1, 0), IndexError, "no dimensions"),
    (lambda: cltorch.zeros(4).tril(), RuntimeError, "at least 2 dimensions"),
    (lambda: cltorch.zeros(2, 2, 2).diag(), RuntimeError, "1D or 2D"),
    (lambda: cltorch.diag_embed(cltorch.zeros(3), 0, 0, 0), RuntimeError, "cannot be identical"),
    (lambda: cltorch.cat([]), ValueError, "non-empty"),
    (lambda: cltorch.cat([cltorch.tensor(1.0)]), RuntimeError, r"zero-dimensional tensor \(at position 0\)"),
    (lambda: cltorch.cat([cltorch.zeros(2, 3), cltorch.zeros(3)]), RuntimeError, "got 2 and 1"),
    (lambda: cltorch.cat([cltorch.zeros(2, 3), cltorch.zeros(2, 4)]), RuntimeError,
     r"except in dimension 0. Expected size 3 but got size 4 for tensor number 1"),
    (lambda: cltorch.cat([cltorch.zeros(2, 3)], 2), IndexError, "Dimension out of range"),
    (lambda: cltorch.cat(cltorch.zeros(2)), TypeError, "tuple of Tensors"),
    (lambda: cltorch.stack([]), RuntimeError, "non-empty"),
    (lambda: cltorch.stack([cltorch.zeros(2, 3), cltorch.zeros(2, 4)]), RuntimeError,
     r"\[2, 3\] at entry 0 and \[2, 4\] at entry 1"),
    (lambda: cltorch.stack([cltorch.zeros(2)], 2), IndexError, "Dimension out of range"),
    (lambda: cltorch.hstack([]), RuntimeError, "non-empty"),
]


@pytest.mark.parametrize("fn, exc, pattern", ERRORS, ids=[f"err{i}" for i in range(len(ERRORS))])
def test_bad_input_raises_torch_style(fn, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn()


def test_out_resize_warns_and_overlap_raises():
    out = cltorch.zeros(5)
    with pytest.warns(UserWarning, match="resized"):
        cltorch.cat([cltorch.ones(2), cltorch.ones(1)], out=out)
    check(out, np.ones(3, np.float32))
    m = cltorch.ones(3, 3)
    with pytest.raises(RuntimeError, match="input tensor 0 shares memory"):
        cltorch.triu(m, out=m)
    check(cltorch.diag(cltorch.arange(2), out=cltorch.empty(0, dtype=cltorch.int64)), np.diag(np.arange(2)))
