"""Moving and converting tensors, reading values back, metadata, repr and strided copies."""
import operator

import numpy as np
import pytest

import cltorch

DTYPES = [
    (cltorch.float32, np.float32), (cltorch.float64, np.float64), (cltorch.float16, np.float16),
    (cltorch.int64, np.int64), (cltorch.int32, np.int32), (cltorch.int16, np.int16),
    (cltorch.int8, np.int8), (cltorch.uint8, np.uint8), (cltorch.bool, np.bool_),
]
DTYPE_IDS = [str(d) for d, _ in DTYPES]

# Values every dtype holds exactly (so any source dtype can be converted to any target).
EXACT = np.array([[0, 1, 2, 3], [4, 5, 100, 127], [0, 7, 1, 64]])


def check(t, expected):
    got = t.numpy()
    assert tuple(t.shape) == expected.shape
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_array_equal(got, expected)


# -- to() -------------------------------------------------------------------------

def test_to_dtype():
    x = cltorch.tensor([1.5, -2.25, 3.0])
    y = x.to(cltorch.float64)
    assert y.dtype is cltorch.float64 and y is not x
    check(y, np.array([1.5, -2.25, 3.0]))
    assert x.to(cltorch.float32) is x
    check(x.to(dtype=cltorch.int32), np.array([1, -2, 3], dtype=np.int32))
    check(x.to(dtype="float16"), np.array([1.5, -2.25, 3.0], dtype=np.float16))
    with pytest.raises(RuntimeError):
        x.to("float16")  # a positional string is a device name, as in torch
    check(x.to(float), np.array([1.5, -2.25, 3.0]))
    check(x.to(np.int16), np.array([1, -2, 3], dtype=np.int16))


def test_to_device():
    x = cltorch.tensor([1.0, 2.0])
    assert x.to("cpu") is x
    assert x.to(cltorch.device("cpu")) is x
    assert x.cpu() is x
    assert x.to("cpu", copy=True) is not x
    check(x.to("cpu", copy=True), np.array([1.0, 2.0], dtype=np.float32))
    assert x.to(cltorch.float32, copy=True) is not x
    assert x.to("cpu", non_blocking=True) is x


def test_to_device_and_dtype():
    x = cltorch.tensor([1, 2, 3])
    y = x.to("cpu", cltorch.float64)
    assert y.device == "cpu" and y.dtype is cltorch.float64
    check(y, np.array([1.0, 2.0, 3.0]))
    z = x.to(device="cpu", dtype=cltorch.float16)
    check(z, np.array([1, 2, 3], dtype=np.float16))
    w = x.to(cltorch.device("cpu"), cltorch.bool)
    check(w, np.array([True, True, True]))
    with pytest.raises(TypeError):
        x.to(bogus=1)


def test_to_other_tensor():
    x = cltorch.tensor([1.25, 2.75])
    other = cltorch.zeros(1, dtype=cltorch.int8)
    y = x.to(other)
    assert y.dtype is cltorch.int8 and y.device == other.device
    check(y, np.array([1, 2], dtype=np.int8))
    assert x.to(cltorch.zeros(3)) is x


def test_cuda_raises_without_gpu(no_gpu):
    x = cltorch.ones(2)
    for move in (lambda: x.cuda(), lambda: x.cuda(0), lambda: x.to("cuda:0"), lambda: x.to("gpu")):
        with pytest.raises(RuntimeError) as info:
            move()
        assert "CLTORCH_DEVICES" in str(info.value)


# -- numpy() ------------------------------------------------------------------------

@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_numpy_round_trip(ct, nt):
    a = EXACT.astype(nt)
    t = cltorch.tensor(a)
    out = t.numpy()
    assert isinstance(out, np.ndarray) and out.dtype == nt and out.shape == a.shape
    np.testing.assert_array_equal(out, a)
    out[0, 0] = 1  # a copy: writing it leaves the tensor alone
    out[0, 1] = 0
    np.testing.assert_array_equal(t.numpy(), a)
    np.testing.assert_array_equal(np.asarray(t), a)


def test_numpy_refuses_requires_grad():
    t = cltorch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        t.numpy()
    np.testing.assert_array_equal(t.numpy(force=True), np.array([1.0, 2.0], dtype=np.float32))


# -- conversion methods ----------------------------------------------------------------

METHODS = [("float", np.float32), ("double", np.float64), ("half", np.float16), ("long", np.int64),
           ("int", np.int32), ("short", np.int16), ("char", np.int8), ("byte", np.uint8), ("bool", np.bool_)]

METHODS_MARKED = [pytest.param(m, nt, id=m) for m, nt in METHODS]


@pytest.mark.parametrize("method, nt", METHODS_MARKED)
def test_conversion_methods_from_float(method, nt):
    # within every target's range, with fractions of both signs (truncation toward zero)
    a = np.array([0.0, 0.4, -0.6, 1.5, -1.5, 2.9, -2.9, 99.99, -100.75, 126.5, 0.0], dtype=np.float32)
    if nt in (np.uint8,):
        a = np.abs(a)
    t = getattr(cltorch.tensor(a), method)()
    assert t.dtype.np == nt
    check(t, a.astype(nt))


@pytest.mark.parametrize("method, nt", METHODS_MARKED)
def test_conversion_methods_from_int64(method, nt):
    a = np.array([0, 1, -1, 7, -128, 127, 255, 2047, -2048], dtype=np.int64)
    if nt == np.uint8:
        a = np.abs(a) % 256
    if nt == np.int8:
        a = np.clip(a, -128, 127)
    t = getattr(cltorch.tensor(a), method)()
    check(t, a.astype(nt))


def test_integer_narrowing_wraps_like_numpy():
    a = np.array([300, -129, 65537, 2 ** 40 + 5], dtype=np.int64)
    check(cltorch.tensor(a).char(), a.astype(np.int8))
    check(cltorch.tensor(a).short(), a.astype(np.int16))
    check(cltorch.tensor(a).int(), a.astype(np.int32))
    check(cltorch.tensor(a).byte(), a.astype(np.uint8))


# Every dtype to and from the ones most code converts through. Each pair is its own program,
# so the full 9 x 9 matrix would add seconds to a cold (unbuilt) run for little extra coverage.
HUBS = (cltorch.float32, cltorch.int64, cltorch.bool, cltorch.float16)
PAIRS = [pytest.param(s, sn, d, dn, id=f"{s.name}->{d.name}")
         for s, sn in DTYPES for d, dn in DTYPES if s in HUBS or d in HUBS or s is d]


@pytest.mark.parametrize("src, snt, dst, dnt", PAIRS)
def test_to_dtype_pairs(src, snt, dst, dnt):
    a = EXACT.astype(snt)
    check(cltorch.tensor(a).to(dst), a.astype(dnt))


def test_bool_conversion_of_whole_numbers():
    check(cltorch.tensor([0.0, 1.0, -3.0, -0.0, 2.0]).bool(), np.array([False, True, True, False, True]))
    check(cltorch.tensor([0, 1, 7, -1], dtype=cltorch.int32).bool(), np.array([False, True, True, True]))
    check(cltorch.tensor([True, False]).float(), np.array([1.0, 0.0], dtype=np.float32))
    check(cltorch.tensor([True, False]).long(), np.array([1, 0], dtype=np.int64))


def test_bool_conversion_of_fractions():
    check(cltorch.tensor([0.0, 0.25, -0.5, -0.0, 0.999]).bool(), np.array([False, True, True, False, True]))


def test_bool_conversion_of_multiples_of_256():
    check(cltorch.tensor([256, -2048, 65536], dtype=cltorch.int64).bool(), np.array([True, True, True]))


def test_copy_into_bool_tests_nonzero():
    t = cltorch.zeros(3, dtype=cltorch.bool)
    t.copy_(cltorch.tensor([0.5, 512.0, 0.0]))
    check(t, np.array([True, True, False]))


def test_type_method():
    x = cltorch.tensor([1.5, 2.5])
    assert x.type() == "cltorch.FloatTensor"
    check(x.type(cltorch.int32), np.array([1, 2], dtype=np.int32))
    check(x.type("torch.DoubleTensor"), np.array([1.5, 2.5]))
    check(x.type(cltorch.LongTensor), np.array([1, 2], dtype=np.int64))
    assert cltorch.zeros(1, dtype=cltorch.uint8).type() == "cltorch.ByteTensor"


# -- reading values ----------------------------------------------------------------------

def test_item():
    assert cltorch.tensor(2.5).item() == 2.5 and isinstance(cltorch.tensor(2.5).item(), float)
    assert cltorch.tensor([[7]]).item() == 7 and isinstance(cltorch.tensor([[7]]).item(), int)
    assert cltorch.tensor([True]).item() is True
    assert cltorch.tensor(-2 ** 40, dtype=cltorch.int64).item() == -2 ** 40
    assert cltorch.tensor(0.1, dtype=cltorch.float64).item() == 0.1
    with pytest.raises(RuntimeError):
        cltorch.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError):
        cltorch.zeros(0).item()


def test_tolist():
    assert cltorch.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert cltorch.tensor([1.5, -0.5]).tolist() == [1.5, -0.5]
    assert cltorch.tensor(3).tolist() == 3
    assert cltorch.tensor([True, False]).tolist() == [True, False]
    assert cltorch.zeros(2, 0).tolist() == [[], []]
    out = cltorch.tensor([1, 2], dtype=cltorch.int8).tolist()
    assert all(type(v) is int for v in out)


def test_len():
    assert len(cltorch.zeros(3, 4)) == 3
    assert len(cltorch.zeros(0)) == 0
    with pytest.raises(TypeError):
        len(cltorch.tensor(1.0))


def test_bool():
    assert bool(cltorch.tensor([2.0])) is True
    assert bool(cltorch.tensor(0)) is False
    assert bool(cltorch.tensor([[0.5]])) is True
    with pytest.raises(RuntimeError, match="more than one value"):
        bool(cltorch.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError):
        bool(cltorch.zeros(0))


def test_float_int():
    assert float(cltorch.tensor([2.5])) == 2.5
    assert float(cltorch.tensor(3)) == 3.0
    assert int(cltorch.tensor(-2.7)) == -2
    assert int(cltorch.tensor([[9]], dtype=cltorch.int16)) == 9
    with pytest.raises(RuntimeError):
        float(cltorch.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError):
        int(cltorch.zeros(3, dtype=cltorch.int32))


def test_index():
    items = ["a", "b", "c", "d"]
    assert items[cltorch.tensor(2)] == "c"
    assert items[cltorch.tensor([1], dtype=cltorch.int32)] == "b"
    assert operator.index(cltorch.tensor(3, dtype=cltorch.uint8)) == 3
    assert list(range(cltorch.tensor(3))) == [0, 1, 2]
    with pytest.raises(TypeError):
        items[cltorch.tensor(1.0)]
    with pytest.raises(TypeError):
        operator.index(cltorch.tensor(1.0, dtype=cltorch.float64))
    with pytest.raises(TypeError):
        operator.index(cltorch.tensor([1, 2]))


def test_format():
    assert f"{cltorch.tensor(2.5):.2f}" == "2.50"
    assert f"{cltorch.tensor(7):>4}" == "   7"


# -- repr ---------------------------------------------------------------------------------

@pytest.mark.parametrize("make, text", [
    (lambda: cltorch.tensor([1.0, 2.0, 3.0]), "tensor([1., 2., 3.])"),
    (lambda: cltorch.tensor([1, 2, 3], dtype=cltorch.int32), "tensor([1, 2, 3], dtype=cltorch.int32)"),
    (lambda: cltorch.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
    (lambda: cltorch.tensor([1.5, -2.25]), "tensor([ 1.5000, -2.2500])"),
    (lambda: cltorch.tensor(2.5), "tensor(2.5000)"),
    (lambda: cltorch.tensor(3), "tensor(3)"),
    (lambda: cltorch.tensor(True), "tensor(True)"),
    (lambda: cltorch.tensor([True, False]), "tensor([ True, False])"),
    (lambda: cltorch.tensor(1.5, dtype=cltorch.float64), "tensor(1.5000, dtype=cltorch.float64)"),
    (lambda: cltorch.tensor([0.5, 2.0], dtype=cltorch.float16), "tensor([0.5000, 2.0000], dtype=cltorch.float16)"),
    (lambda: cltorch.tensor([[1, 2], [3, 4]], dtype=cltorch.uint8),
     "tensor([[1, 2],\n        [3, 4]], dtype=cltorch.uint8)"),
    (lambda: cltorch.tensor([[1.0, 2.0], [3.0, 4.5]]), "tensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]])"),
    (lambda: cltorch.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: cltorch.tensor([float("nan"), float("inf"), 1.5]), "tensor([   nan,    inf, 1.5000])"),
    (lambda: cltorch.tensor([]), "tensor([])"),
    (lambda: cltorch.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: cltorch.zeros(0, dtype=cltorch.int32), "tensor([], dtype=cltorch.int32)"),
    (lambda: cltorch.zeros(0, dtype=cltorch.int64), "tensor([], dtype=cltorch.int64)"),
    (lambda: cltorch.zeros(2, 0, dtype=cltorch.float64), "tensor([], size=(2, 0), dtype=cltorch.float64)"),
    (lambda: cltorch.ones(2, requires_grad=True), "tensor([1., 1.], requires_grad=True)"),
    (lambda: cltorch.arange(2000.0), "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
                                     "        1.9990e+03])"),
    (lambda: cltorch.arange(3000), "tensor([   0,    1,    2,  ..., 2997, 2998, 2999])"),
])
def test_repr(make, text):
    t = make()
    assert repr(t) == text
    assert str(t) == text


def test_repr_large_2d_is_summarised():
    text = repr(cltorch.zeros(100, 100))
    lines = text.splitlines()
    assert lines[0] == "tensor([[0., 0., 0.,  ..., 0., 0., 0.],"
    assert lines[3] == "        ...,"
    assert lines[-1] == "        [0., 0., 0.,  ..., 0., 0., 0.]])"
    assert len(lines) == 7


def test_repr_threshold():
    assert "..." not in repr(cltorch.arange(1000))
    assert "..." in repr(cltorch.arange(1001))


# -- metadata ---------------------------------------------------------------------------------

@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_metadata(ct, nt):
    t = cltorch.zeros(2, 3, 4, dtype=ct)
    assert t.shape == (2, 3, 4) and t.size() == (2, 3, 4)
    assert t.size(0) == 2 and t.size(-1) == 4
    assert t.dim() == 3 and t.ndim == 3 and t.ndimension() == 3
    assert t.numel() == 24 and t.nelement() == 24
    assert t.element_size() == np.dtype(nt).itemsize == t.itemsize
    assert t.nbytes == 24 * np.dtype(nt).itemsize
    assert t.is_contiguous()
    assert t.stride() == (12, 4, 1) and t.stride(1) == 4 and t.stride(-1) == 1
    assert t.storage_offset() == 0
    assert t.is_floating_point() == (nt in (np.float16, np.float32, np.float64))
    assert cltorch.is_floating_point(t) == t.is_floating_point()
    assert not t.is_complex()
    assert cltorch.is_tensor(t) and not cltorch.is_tensor(np.zeros(2))
    assert cltorch.numel(t) == 24
    with pytest.raises(IndexError):
        t.size(3)
    with pytest.raises(IndexError):
        t.stride(-4)


def test_metadata_0d_and_empty():
    s = cltorch.tensor(1.0)
    assert s.shape == () and s.dim() == 0 and s.numel() == 1 and s.stride() == ()
    assert s.is_contiguous()
    e = cltorch.zeros(3, 0)
    assert e.numel() == 0 and e.shape == (3, 0) and e.stride() == (1, 1)
    assert cltorch.zeros(0).is_contiguous() and cltorch.zeros(0, 5).is_contiguous()


def test_empty_tensor_with_zero_inner_dim_is_contiguous():
    # torch: every tensor with no elements is contiguous
    assert cltorch.zeros(3, 0).is_contiguous()
    assert cltorch.empty(2, 0, 4).is_contiguous()


# -- copy_ ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dst, dnt", DTYPES, ids=DTYPE_IDS)
def test_copy_between_dtypes(dst, dnt):
    src = np.array([[0, 1, 5], [7, 100, 0]], dtype=np.int32)
    for snt in (np.float32, np.int64, np.float16, np.bool_):
        t = cltorch.zeros(2, 3, dtype=dst)
        out = t.copy_(cltorch.tensor(src.astype(snt)))
        assert out is t and t.dtype is dst
        check(t, src.astype(snt).astype(dnt))


def test_copy_broadcasts():
    t = cltorch.zeros(2, 3, dtype=cltorch.float64)
    t.copy_(cltorch.tensor([[1], [2]], dtype=cltorch.int8))
    check(t, np.array([[1, 1, 1], [2, 2, 2]], dtype=np.float64))
    t.copy_(cltorch.tensor([7, 8, 9]))
    check(t, np.array([[7, 8, 9], [7, 8, 9]], dtype=np.float64))
    t.copy_(cltorch.tensor(4.5))
    check(t, np.full((2, 3), 4.5))
    t.copy_(np.arange(3))
    check(t, np.array([[0, 1, 2], [0, 1, 2]], dtype=np.float64))
    with pytest.raises(RuntimeError):
        t.copy_(cltorch.zeros(4))
    with pytest.raises(RuntimeError):
        t.copy_(cltorch.zeros(2, 2, 3))


def test_copy_bumps_version():
    t = cltorch.zeros(3)
    v = t._version
    t.copy_(cltorch.ones(3))
    assert t._version == v + 1


def test_clone_is_independent():
    a = cltorch.tensor([1.0, 2.0])
    b = a.clone()
    assert b._storage is not a._storage
    a.fill_(0.0)
    check(b, np.array([1.0, 2.0], dtype=np.float32))


# -- non-contiguous views over an existing storage ------------------------------------------------

@pytest.mark.parametrize("m, n", [(1, 1), (3, 4), (7, 5), (33, 31), (64, 65)])
@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_transposed_view_copies(make_view, ct, nt, m, n):
    base_np = (np.arange(m * n) % 120).astype(nt)
    base = cltorch.tensor(base_np)
    view = make_view(base, 0, (m, n), (1, m))
    expected = base_np.reshape(n, m).T
    assert view.is_contiguous() == (m == 1 or n == 1)
    assert view.stride() == (1, m)
    check(view.contiguous(), np.ascontiguousarray(expected))
    c = view.clone()
    assert c.is_contiguous() and c.stride() == (n, 1)
    check(c, np.ascontiguousarray(expected))
    check(view, np.ascontiguousarray(expected))  # numpy() of a view
    target = np.float64 if ct is not cltorch.float64 else np.int32
    check(view.to(cltorch.float64 if ct is not cltorch.float64 else cltorch.int32), expected.astype(target))
    assert view.tolist() == expected.tolist()


def test_view_with_storage_offset(make_view):
    base_np = np.arange(40, dtype=np.float32)
    base = cltorch.tensor(base_np)
    view = make_view(base, 5, (3, 4), (8, 2))  # rows of 8, every other element, from element 5
    expected = np.lib.stride_tricks.as_strided(base_np[5:], shape=(3, 4), strides=(32, 8))
    assert view.storage_offset() == 5 and not view.is_contiguous()
    check(view.contiguous(), np.ascontiguousarray(expected))
    check(view.to(cltorch.int16), expected.astype(np.int16))
    dense = make_view(base, 9, (2, 3), (3, 1))  # dense but offset
    assert dense.is_contiguous()
    check(dense, base_np[9:15].reshape(2, 3))
    check(dense.clone(), base_np[9:15].reshape(2, 3))
    check(dense.to(cltorch.float64), base_np[9:15].reshape(2, 3).astype(np.float64))


def test_permuted_3d_view(make_view):
    base_np = np.arange(2 * 3 * 4, dtype=np.int32)
    base = cltorch.tensor(base_np)
    view = make_view(base, 0, (4, 2, 3), (1, 12, 4))  # permute(2, 0, 1) of a (2, 3, 4) tensor
    expected = base_np.reshape(2, 3, 4).transpose(2, 0, 1)
    check(view.contiguous(), np.ascontiguousarray(expected))
    check(view.float(), expected.astype(np.float32))


def test_broadcast_view_stride_zero(make_view):
    base = cltorch.tensor([1.0, 2.0, 3.0])
    view = make_view(base, 0, (4, 3), (0, 1))
    check(view.contiguous(), np.tile(np.array([1.0, 2.0, 3.0], dtype=np.float32), (4, 1)))
    check(view.half(), np.tile(np.array([1, 2, 3], dtype=np.float16), (4, 1)))


def test_high_rank_view_beyond_kernel_dims(make_view):
    # 9 non-mergeable dimensions: more than the kernels' MAXDIM of 8
    shape = (2,) * 9
    base_np = np.arange(2 ** 9 * 2, dtype=np.float32)
    strides = tuple(2 ** (i + 1) for i in range(9))[::-1]  # every other element
    base = cltorch.tensor(base_np)
    view = make_view(base, 1, shape, strides)
    expected = np.lib.stride_tricks.as_strided(base_np[1:], shape=shape, strides=tuple(s * 4 for s in strides))
    check(view.contiguous(), np.ascontiguousarray(expected))
    check(view.to(cltorch.float64), expected.astype(np.float64))


def test_copy_into_transposed_view_leaves_rest_untouched(make_view):
    base = cltorch.full((30,), -1.0)
    view = make_view(base, 2, (4, 5), (1, 6))  # an (4, 5) view inside a 30-element storage
    src = np.arange(20, dtype=np.float32).reshape(4, 5)
    view.copy_(cltorch.tensor(src))
    expected = np.full(30, -1.0, dtype=np.float32)
    np.lib.stride_tricks.as_strided(expected[2:], shape=(4, 5), strides=(4, 24))[...] = src
    check(base, expected)
    check(view, src)
    view.fill_(5.0)
    np.lib.stride_tricks.as_strided(expected[2:], shape=(4, 5), strides=(4, 24))[...] = 5.0
    check(base, expected)


# -- float16 ------------------------------------------------------------------------------------

def test_float16_round_trip_bit_exact():
    special = np.array([0.0, -0.0, 1.0, -2.5, 65504.0, -65504.0, 6.1035e-05, 5.96e-08, np.inf, -np.inf, 0.1, 1 / 3],
                       dtype=np.float16)
    t = cltorch.tensor(special)
    assert t.dtype is cltorch.float16
    np.testing.assert_array_equal(t.numpy().view(np.uint16), special.view(np.uint16))
    back = t.float().half()
    np.testing.assert_array_equal(back.numpy().view(np.uint16), special.view(np.uint16))
    nan = cltorch.tensor(np.array([np.nan], dtype=np.float16))
    assert np.isnan(nan.numpy()).all() and np.isnan(nan.float().numpy()).all()


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_float32_to_float16_rounds_like_numpy():
    rng = np.random.default_rng(1)
    a = np.concatenate([
        rng.standard_normal(4097).astype(np.float32) * 100,
        np.array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 70000.0, -70000.0, 1e-9, 2049.0, 2051.0], dtype=np.float32),
    ])
    got = cltorch.tensor(a).half().numpy()
    np.testing.assert_array_equal(got.view(np.uint16), a.astype(np.float16).view(np.uint16))
    np.testing.assert_array_equal(cltorch.tensor(a).half().float().numpy(), a.astype(np.float16).astype(np.float32))
