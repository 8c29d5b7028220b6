"""Tensor creation: from data, constant fills, ramps, identity, *_like, legacy constructors."""

import numpy as np
import pytest

import cltorch

SIZES = (0, 1, 7, 1023, 4097)

DTYPES = [
    (cltorch.float32, np.float32), (cltorch.float64, np.float64), (cltorch.float16, np.float16),
    (cltorch.int64, np.int64), (cltorch.int32, np.int32), (cltorch.int16, np.int16),
    (cltorch.int8, np.int8), (cltorch.uint8, np.uint8), (cltorch.bool, np.bool_),
]
DTYPE_IDS = [str(d) for d, _ in DTYPES]

# A fill value per dtype that is not 0 or 1 where the dtype allows, and is exact in it.
FILL = {
    cltorch.float32: 2.5, cltorch.float64: -1.0 / 3.0, cltorch.float16: -0.625, cltorch.int64: -(2 ** 40) - 3,
    cltorch.int32: -123456, cltorch.int16: 30000, cltorch.int8: -100, cltorch.uint8: 200, cltorch.bool: True,
}


def check(t, expected, rtol=0.0, atol=0.0):
    """t's shape, NumPy dtype and values equal expected's."""
    got = t.numpy()
    assert tuple(t.shape) == expected.shape
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    if rtol or atol:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(got, expected)


# -- tensor() from data ---------------------------------------------------------

@pytest.mark.parametrize("data, dtype", [
    (3, cltorch.int64), (-7, cltorch.int64), (2.5, cltorch.float32), (True, cltorch.bool),
    ([1, 2, 3], cltorch.int64), ([1.0, 2, 3], cltorch.float32), ([[1, 2], [3, 4]], cltorch.int64),
    ([True, False], cltorch.bool), ([[[1.5]], [[2.5]]], cltorch.float32), ((1, 2), cltorch.int64),
    ([], cltorch.float32), ([[], []], cltorch.float32),
])
def test_tensor_infers_dtype_like_torch(data, dtype):
    t = cltorch.tensor(data)
    assert t.dtype is dtype
    expected = np.array(data, dtype=dtype.np)
    check(t, expected)


def test_tensor_scalar_is_0d():
    t = cltorch.tensor(4.25)
    assert t.shape == () and t.dim() == 0 and t.numel() == 1
    assert t.item() == 4.25
    assert cltorch.tensor(False).item() is False


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_tensor_from_numpy_array_keeps_dtype(ct, nt):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((3, 5)) * 50).astype(nt)
    t = cltorch.tensor(a)
    assert t.dtype is ct
    check(t, a)
    # and a NumPy scalar keeps its dtype too
    s = cltorch.tensor(a.reshape(-1)[1])
    assert s.dtype is ct and s.shape == ()
    assert s.numpy() == a.reshape(-1)[1]


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_tensor_explicit_dtype_converts(ct, nt):
    data = [[0, 1, 2], [3, 4, 5]]
    t = cltorch.tensor(data, dtype=ct)
    assert t.dtype is ct
    check(t, np.array(data).astype(nt))


def test_tensor_from_non_contiguous_numpy():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)[::2, ::-3]
    check(cltorch.tensor(a), np.ascontiguousarray(a))


def test_tensor_of_tensor_warns_and_copies():
    src = cltorch.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match="clone"):
        t = cltorch.tensor(src)
    assert t is not src and t._storage is not src._storage
    src.fill_(9.0)
    check(t, np.array([1.0, 2.0], dtype=np.float32))


def test_tensor_from_list_of_0d_tensors():
    t = cltorch.tensor([cltorch.tensor(1.5), cltorch.tensor(2.5)])
    check(t, np.array([1.5, 2.5], dtype=np.float32))


@pytest.mark.parametrize("ragged", [[[1, 2], [3]], [[[1], [2]], [[3]]]])
def test_ragged_lists_raise_value_error(ragged):
    with pytest.raises(ValueError):
        cltorch.tensor(ragged)


@pytest.mark.parametrize("ragged", [[[1, 2], 3], [1, [2, 3]]])
def test_number_in_place_of_sequence_raises_type_error(ragged):
    # as torch: a number where a sequence belongs is 'not a sequence', a sequence where a number belongs too
    with pytest.raises(TypeError):
        cltorch.tensor(ragged)


def test_tensor_requires_grad():
    t = cltorch.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError):
        cltorch.tensor([1, 2], requires_grad=True)


def test_as_tensor_and_asarray():
    a = cltorch.tensor([1.0, 2.0])
    assert cltorch.as_tensor(a) is a
    assert cltorch.as_tensor(a, dtype=cltorch.float32) is a
    b = cltorch.as_tensor(a, dtype=cltorch.float64)
    assert b is not a and b.dtype is cltorch.float64
    check(b, np.array([1.0, 2.0]))
    assert cltorch.asarray(a) is a
    c = cltorch.asarray(a, copy=True)
    assert c is not a and c._storage is not a._storage
    check(c, np.array([1.0, 2.0], dtype=np.float32))
    check(cltorch.as_tensor([1, 2, 3]), np.array([1, 2, 3], dtype=np.int64))
    check(cltorch.as_tensor(np.array([1, 2], dtype=np.int16)), np.array([1, 2], dtype=np.int16))
    check(cltorch.asarray([[True], [False]]), np.array([[True], [False]]))
    check(cltorch.asarray([1.5], dtype=cltorch.float16), np.array([1.5], dtype=np.float16))
    assert cltorch.asarray([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_from_numpy(ct, nt):
    a = np.arange(-6, 6).reshape(3, 4).astype(nt)
    t = cltorch.from_numpy(a)
    assert t.dtype is ct and t.device == "cpu"
    check(t, a)
    check(cltorch.from_numpy(a.T), np.ascontiguousarray(a.T))


def test_from_numpy_rejects_unsupported():
    with pytest.raises(TypeError):
        cltorch.from_numpy(np.zeros(2, dtype=np.complex64))
    with pytest.raises(TypeError):
        cltorch.from_numpy([1, 2])


# -- constant fills -------------------------------------------------------------

@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_zeros_ones_full_every_dtype_and_size(ct, nt, n):
    check(cltorch.zeros(n, dtype=ct), np.zeros(n, dtype=nt))
    check(cltorch.ones(n, dtype=ct), np.ones(n, dtype=nt))
    check(cltorch.full((n,), FILL[ct], dtype=ct), np.full(n, FILL[ct], dtype=nt))


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_fills_multidim(ct, nt):
    check(cltorch.zeros(3, 0, 2, dtype=ct), np.zeros((3, 0, 2), dtype=nt))
    check(cltorch.ones((2, 3, 4), dtype=ct), np.ones((2, 3, 4), dtype=nt))
    check(cltorch.full([5, 7], FILL[ct], dtype=ct), np.full((5, 7), FILL[ct], dtype=nt))
    check(cltorch.zeros((), dtype=ct), np.zeros((), dtype=nt))
    e = cltorch.empty(4, 5, dtype=ct)
    assert e.shape == (4, 5) and e.dtype is ct and e.is_contiguous()


def test_size_argument_forms():
    for t in (cltorch.zeros(2, 3), cltorch.zeros((2, 3)), cltorch.zeros([2, 3]), cltorch.zeros(cltorch.Size([2, 3])),
              cltorch.ones(np.int64(2), 3), cltorch.empty((2, 3))):
        assert t.shape == (2, 3)
        assert isinstance(t.shape, cltorch.Size)
    with pytest.raises(TypeError):
        cltorch.zeros(2.5)
    with pytest.raises(RuntimeError, match="negative"):
        cltorch.zeros(2, -1)


@pytest.mark.parametrize("value, dtype", [(3, cltorch.int64), (True, cltorch.bool), (False, cltorch.bool),
                                          (2.5, cltorch.float32), (np.int64(4), cltorch.int64)])
def test_full_dtype_follows_fill_value(value, dtype):
    t = cltorch.full((2, 2), value)
    assert t.dtype is dtype
    check(t, np.full((2, 2), value, dtype=dtype.np))


def test_full_default_dtype_is_float():
    assert cltorch.zeros(2).dtype is cltorch.float32
    assert cltorch.ones(2).dtype is cltorch.float32
    assert cltorch.empty(2).dtype is cltorch.float32
    check(cltorch.full((3,), 7, dtype=cltorch.float64), np.full(3, 7.0))
    check(cltorch.full((2,), cltorch.tensor(1.5)), np.full(2, 1.5, dtype=np.float32))


def test_full_special_float_values():
    check(cltorch.full((3,), float("inf")), np.full(3, np.inf, dtype=np.float32))
    check(cltorch.full((3,), -float("inf"), dtype=cltorch.float16), np.full(3, -np.inf, dtype=np.float16))
    assert np.isnan(cltorch.full((4,), float("nan"), dtype=cltorch.float64).numpy()).all()


def test_creation_requires_grad():
    assert cltorch.zeros(2, requires_grad=True).requires_grad
    assert cltorch.ones(2, dtype=cltorch.float64, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError):
        cltorch.zeros(2, dtype=cltorch.int64, requires_grad=True)


# -- eye --------------------------------------------------------------------------

@pytest.mark.parametrize("n, m", [(0, None), (1, None), (3, None), (3, 5), (5, 3), (0, 4), (4, 0), (70, 61)])
def test_eye(n, m):
    check(cltorch.eye(n, m), np.eye(n, m, dtype=np.float32))


@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_eye_dtypes(ct, nt):
    check(cltorch.eye(4, 6, dtype=ct), np.eye(4, 6, dtype=nt))


def test_eye_negative_raises():
    with pytest.raises(RuntimeError):
        cltorch.eye(-1)


# -- arange -----------------------------------------------------------------------

@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("ct, nt", [d for d in DTYPES if d[0] is not cltorch.bool],
                         ids=[i for i in DTYPE_IDS if i != "cltorch.bool"])
def test_arange_every_dtype_and_size(ct, nt, n):
    if ct in (cltorch.int8, cltorch.uint8) and n > 127:
        n = 127
    t = cltorch.arange(n, dtype=ct)
    check(t, np.arange(n, dtype=np.float64).astype(nt))


def test_arange_int_forms():
    for args in [(5,), (2, 9), (2, 9, 3), (10, 0, -3), (-5, 5, 2), (0, 0), (3, 1, -1), (-2 ** 40, -2 ** 40 + 10, 4)]:
        t = cltorch.arange(*args)
        assert t.dtype is cltorch.int64, args
        check(t, np.arange(*args, dtype=np.int64))


def test_arange_float_forms():
    for args in [(5.0,), (0, 1, 0.1), (1.0, -1.0, -0.25), (-3, 3.5, 0.5), (0.5, 10), (1, 2, 0.3)]:
        t = cltorch.arange(*args)
        assert t.dtype is cltorch.float32, args
        check(t, np.arange(*args, dtype=np.float64).astype(np.float32), rtol=1e-6, atol=1e-7)
    t = cltorch.arange(0, 1, 0.1, dtype=cltorch.float64)
    np.testing.assert_allclose(t.numpy(), np.arange(0, 1, 0.1), rtol=0, atol=1e-12)


def test_arange_tensor_arguments():
    check(cltorch.arange(cltorch.tensor(4)), np.arange(4))
    check(cltorch.arange(1, cltorch.tensor(2.0), 0.5), np.array([1.0, 1.5], dtype=np.float32))


def test_arange_step_zero_raises():
    with pytest.raises(RuntimeError):
        cltorch.arange(0, 10, 0)
    with pytest.raises(RuntimeError):
        cltorch.arange(0.0, 1.0, 0.0)


@pytest.mark.parametrize("args", [(0, 10, -1), (10, 0, 1), (0.0, -1.0, 0.5)])
def test_arange_inconsistent_sign_raises(args):
    with pytest.raises(RuntimeError):
        cltorch.arange(*args)


# -- linspace ----------------------------------------------------------------------

@pytest.mark.parametrize("steps", [0, 1, 2, 7, 1023, 4097])
@pytest.mark.parametrize("start, end", [(0.0, 1.0), (-3.0, 7.5), (10.0, -10.0)])
def test_linspace(start, end, steps):
    t = cltorch.linspace(start, end, steps)
    assert t.dtype is cltorch.float32
    expected = np.linspace(start, end, steps).astype(np.float32)
    check(t, expected, rtol=1e-6, atol=2e-6)
    if steps >= 1:
        assert t.numpy()[0] == np.float32(start)
    if steps >= 2:
        got = t.numpy()
        assert got[0] == np.float32(start) and got[-1] == np.float32(end)


@pytest.mark.parametrize("steps", [2, 7, 4097])
def test_linspace_float64_and_float16(steps):
    t = cltorch.linspace(-1.0, 3.0, steps, dtype=cltorch.float64)
    np.testing.assert_allclose(t.numpy(), np.linspace(-1.0, 3.0, steps), rtol=0, atol=1e-12)
    assert t.numpy()[-1] == 3.0
    h = cltorch.linspace(0.0, 1.0, steps, dtype=cltorch.float16)
    assert h.dtype is cltorch.float16
    np.testing.assert_allclose(h.numpy().astype(np.float32), np.linspace(0, 1, steps), atol=1e-3)
    assert h.numpy()[0] == 0 and h.numpy()[-1] == 1


def test_linspace_integer_dtype_truncates_like_torch():
    check(cltorch.linspace(0, 10, 5, dtype=cltorch.int64), np.array([0, 2, 5, 7, 10], dtype=np.int64))


def test_linspace_single_step_is_start():
    check(cltorch.linspace(4.0, 9.0, 1), np.array([4.0], dtype=np.float32))


def test_linspace_negative_steps_raises():
    with pytest.raises(RuntimeError):
        cltorch.linspace(0, 1, -1)


# -- range (deprecated) ---------------------------------------------------------------

def test_range_includes_end_and_warns():
    with pytest.warns(UserWarning):
        t = cltorch.range(1, 4)
    assert t.dtype is cltorch.float32
    check(t, np.array([1, 2, 3, 4], dtype=np.float32))
    with pytest.warns(UserWarning):
        t = cltorch.range(0, 1, 0.25, dtype=cltorch.float64)
    check(t, np.array([0, 0.25, 0.5, 0.75, 1.0]))
    with pytest.warns(UserWarning):
        t = cltorch.range(5, 1, -2)
    check(t, np.array([5, 3, 1], dtype=np.float32))
    with pytest.warns(UserWarning), pytest.raises(RuntimeError):
        cltorch.range(0, 5, 0)


# -- *_like -----------------------------------------------------------------------------

@pytest.mark.parametrize("ct, nt", DTYPES, ids=DTYPE_IDS)
def test_like_functions_keep_shape_and_dtype(ct, nt):
    src = cltorch.zeros(2, 3, dtype=ct)
    check(cltorch.zeros_like(src), np.zeros((2, 3), dtype=nt))
    check(cltorch.ones_like(src), np.ones((2, 3), dtype=nt))
    check(cltorch.full_like(src, FILL[ct]), np.full((2, 3), FILL[ct], dtype=nt))
    e = cltorch.empty_like(src)
    assert e.shape == (2, 3) and e.dtype is ct and e.device == "cpu"
    assert e._storage is not src._storage


def test_like_functions_dtype_override():
    src = cltorch.zeros(4, dtype=cltorch.int32)
    check(cltorch.ones_like(src, dtype=cltorch.float64), np.ones(4))
    check(cltorch.full_like(src, 2.75, dtype=cltorch.float32), np.full(4, 2.75, dtype=np.float32))
    check(cltorch.full_like(src, 7), np.full(4, 7, dtype=np.int32))  # keeps input dtype, not the value's
    check(cltorch.zeros_like(src, dtype=cltorch.bool), np.zeros(4, dtype=bool))
    assert cltorch.empty_like(src, dtype=cltorch.float16).dtype is cltorch.float16
    assert cltorch.zeros_like(cltorch.zeros(2), requires_grad=True).requires_grad


def test_random_like_functions():
    src = cltorch.zeros(5, 6, dtype=cltorch.float64)
    r = cltorch.rand_like(src)
    assert r.shape == (5, 6) and r.dtype is cltorch.float64
    assert ((r.numpy() >= 0) & (r.numpy() < 1)).all()
    assert cltorch.randn_like(src).dtype is cltorch.float64
    i = cltorch.randint_like(cltorch.zeros(100, dtype=cltorch.int32), 3, 7)
    assert i.dtype is cltorch.int32 and i.shape == (100,)
    assert ((i.numpy() >= 3) & (i.numpy() < 7)).all()
    j = cltorch.randint_like(cltorch.zeros(50, dtype=cltorch.int64), 4)
    assert ((j.numpy() >= 0) & (j.numpy() < 4)).all()


def test_new_constructors():
    src = cltorch.zeros(2, dtype=cltorch.int16)
    check(src.new_zeros(3), np.zeros(3, dtype=np.int16))
    check(src.new_ones((2, 2)), np.ones((2, 2), dtype=np.int16))
    check(src.new_full((2,), 5), np.full(2, 5, dtype=np.int16))
    check(src.new_tensor([1, 2, 3]), np.array([1, 2, 3], dtype=np.int16))
    assert src.new_empty(4, dtype=cltorch.float32).dtype is cltorch.float32


# -- legacy constructors -------------------------------------------------------------------

LEGACY = [
    ("FloatTensor", cltorch.float32), ("DoubleTensor", cltorch.float64), ("HalfTensor", cltorch.float16),
    ("LongTensor", cltorch.int64), ("IntTensor", cltorch.int32), ("ShortTensor", cltorch.int16),
    ("CharTensor", cltorch.int8), ("ByteTensor", cltorch.uint8), ("BoolTensor", cltorch.bool),
]


@pytest.mark.parametrize("name, dt", LEGACY, ids=[n for n, _ in LEGACY])
def test_legacy_constructors(name, dt):
    cls = getattr(cltorch, name)
    data = [[1, 0, 3], [4, 5, 0]]
    t = cls(data)
    assert t.dtype is dt and t.device == "cpu"
    check(t, np.array(data).astype(dt.np))
    s = cls(2, 3)
    assert s.shape == (2, 3) and s.dtype is dt
    assert cls(cltorch.Size([4])).shape == (4,)
    assert cls().shape == (0,)
    assert isinstance(t, cls) and isinstance(s, cltorch.Tensor)
    assert t.type() == f"cltorch.{name}"
    others = [getattr(cltorch, n) for n, _ in LEGACY if n != name]
    assert not any(isinstance(t, o) for o in others)
    assert not isinstance(t, getattr(cltorch.cuda, name))
    assert not isinstance(np.zeros(2), cls)
    assert repr(cls) == f"<class 'cltorch.{name}'>"


def test_legacy_from_tensor_and_float_data():
    check(cltorch.LongTensor([1.7, -2.2]), np.array([1, -2], dtype=np.int64))
    check(cltorch.DoubleTensor(cltorch.tensor([1, 2])), np.array([1.0, 2.0]))
    check(cltorch.FloatTensor([[1.5]]), np.array([[1.5]], dtype=np.float32))
    check(cltorch.BoolTensor([0, 2, 0]), np.array([False, True, False]))


def test_tensor_class_constructor_is_float():
    t = cltorch.Tensor([1, 2, 3])
    check(t, np.array([1, 2, 3], dtype=np.float32))
    assert cltorch.Tensor(2, 3).shape == (2, 3)
    assert cltorch.Tensor(2, 3).dtype is cltorch.float32
    assert isinstance(t, cltorch.FloatTensor)


# -- default dtype ----------------------------------------------------------------------------

def test_default_dtype(restore_default_dtype):
    assert cltorch.get_default_dtype() is cltorch.float32
    cltorch.set_default_dtype(cltorch.float64)
    assert cltorch.get_default_dtype() is cltorch.float64
    assert cltorch.tensor([1.5]).dtype is cltorch.float64
    assert cltorch.tensor([1, 2]).dtype is cltorch.int64
    assert cltorch.zeros(2).dtype is cltorch.float64
    assert cltorch.full((2,), 1.5).dtype is cltorch.float64
    assert cltorch.arange(1.0, 2.0, 0.5).dtype is cltorch.float64
    assert cltorch.linspace(0, 1, 3).dtype is cltorch.float64
    assert cltorch.rand(2).dtype is cltorch.float64
    assert cltorch.Tensor([1]).dtype is cltorch.float64
    assert repr(cltorch.tensor([1.5, 2.0])) == "tensor([1.5000, 2.0000])"
    assert repr(cltorch.tensor([1.5], dtype=cltorch.float32)) == "tensor([1.5000], dtype=cltorch.float32)"
    cltorch.set_default_dtype(cltorch.float16)
    assert cltorch.tensor([0.5]).dtype is cltorch.float16
    with pytest.raises(TypeError):
        cltorch.set_default_dtype(cltorch.int64)
    assert cltorch.get_default_dtype() is cltorch.float16


def test_default_dtype_restored():
    # runs after test_default_dtype: the fixture put float32 back
    assert cltorch.get_default_dtype() is cltorch.float32
    assert cltorch.tensor([1.5]).dtype is cltorch.float32


# -- Size --------------------------------------------------------------------------------------

def test_size():
    s = cltorch.Size([2, 3, 4])
    assert repr(s) == "cltorch.Size([2, 3, 4])"
    assert str(s) == "cltorch.Size([2, 3, 4])"
    assert repr(cltorch.Size([])) == "cltorch.Size([])"
    assert s.numel() == 24
    assert cltorch.Size([]).numel() == 1
    assert cltorch.Size([3, 0]).numel() == 0
    assert s == (2, 3, 4) and isinstance(s, tuple)
    assert s[1] == 3
    assert isinstance(s[1:], cltorch.Size) and s[1:] == (3, 4)
    assert isinstance(s + (5,), cltorch.Size) and s + (5,) == (2, 3, 4, 5)
    assert cltorch.zeros(2, 3).size() == cltorch.Size([2, 3])
    assert repr(cltorch.zeros(2, 3).shape) == "cltorch.Size([2, 3])"


def test_dtype_names():
    assert str(cltorch.float32) == "cltorch.float32"
    assert repr(cltorch.int64) == "cltorch.int64"
    assert cltorch.float is cltorch.float32 and cltorch.double is cltorch.float64
    assert cltorch.half is cltorch.float16 and cltorch.long is cltorch.int64
    assert cltorch.int is cltorch.int32 and cltorch.short is cltorch.int16
    assert str(cltorch.bool) == "cltorch.bool"
