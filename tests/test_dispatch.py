"""The low-overhead dispatch path: typed kernel arguments, cached launch plans, the same-shape fast path."""
from __future__ import annotations

import numpy as np
import pytest

import cltorch
from cltorch import _device, _fastpath
from cltorch.ops import elementwise as ew
from cltorch.ops import layout

RT = _device.runtime(cltorch.device("cpu"))
RNG = np.random.default_rng(3)


def _t(arr):
    return cltorch.from_numpy(np.ascontiguousarray(arr))


def test_kernels_get_typed_arguments_after_first_launch():
    x = _t(RNG.standard_normal(37).astype(np.float32))
    y = x * 1.5
    k = RT.kernel("binary.cl", "binary_mul_scalar", {"OUT": "f32", "CT": "f32", "A": "f32", "B": "f32",
                                                     "CLT_STRIDED": False, "CLT_VEC": 16})
    assert RT._typed.get(k) is True
    for value in (2.0, -0.5, 3):       # scalars change from call to call
        np.testing.assert_allclose((x * value).numpy(), x.numpy() * value, rtol=1e-6)
    np.testing.assert_allclose(y.numpy(), x.numpy() * 1.5, rtol=1e-6)


def test_untypable_arguments_fall_back_to_generic_set_arg():
    class Fake:
        def __init__(self):
            self.generic = []

        def set_scalar_arg_dtypes(self, types):
            raise TypeError("refused")

        def set_arg(self, i, value):
            self.generic.append((i, value))

    fake = Fake()
    RT.set_args(fake, (np.int64(3), np.float32(1)))
    assert RT._typed[fake] is False and fake.generic == [(0, np.int64(3)), (1, np.float32(1))]
    del RT._typed[fake]


@pytest.mark.parametrize("n", [0, 1, 7, 16, 1023, 4097])
def test_vector_kernels_cover_every_length(n):
    a, b = RNG.standard_normal(n).astype(np.float32), RNG.standard_normal(n).astype(np.float32)
    ta, tb = _t(a), _t(b)
    np.testing.assert_allclose((ta + tb).numpy(), a + b, rtol=1e-6)
    np.testing.assert_allclose((ta - tb).numpy(), a - b, rtol=1e-6)
    np.testing.assert_allclose((ta / tb).numpy(), a / b, rtol=1e-6)
    np.testing.assert_allclose(cltorch.maximum(ta, tb).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(ta.exp().numpy(), np.exp(a), rtol=1e-5)
    np.testing.assert_allclose(ta.relu().numpy(), np.maximum(a, 0))
    np.testing.assert_allclose(ta.clamp(-0.5, 0.5).numpy(), np.clip(a, -0.5, 0.5))
    np.testing.assert_allclose(ta.sigmoid().numpy(), 1 / (1 + np.exp(-a)), rtol=1e-5)


def test_vector_kernels_keep_nan_rules():
    a = np.array([np.nan, 1.0, -2.0, np.nan] * 5, np.float32)
    b = np.array([0.0, np.nan, 3.0, 1.0] * 5, np.float32)
    np.testing.assert_array_equal(cltorch.maximum(_t(a), _t(b)).numpy(), np.maximum(a, b))
    np.testing.assert_array_equal(cltorch.minimum(_t(a), _t(b)).numpy(), np.minimum(a, b))
    np.testing.assert_array_equal(_t(a).relu().numpy(), np.where(np.isnan(a), a, np.maximum(a, 0)))


def test_views_with_other_offsets_are_not_confused():
    base = RNG.standard_normal(64).astype(np.float32)
    t = _t(base)
    for start in (0, 3, 16, 17):
        v = t[start:start + 32]
        np.testing.assert_allclose((v + v).numpy(), base[start:start + 32] * 2, rtol=1e-6)
    m = _t(RNG.standard_normal((8, 9)).astype(np.float32))
    np.testing.assert_allclose((m.t() * m.t()).numpy(), (m.numpy() ** 2).T, rtol=1e-6)


def test_launch_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(ew, "_CACHE_LIMIT", 4)
    x = _t(np.arange(40, dtype=np.float32))
    for n in range(1, 12):
        v = x[:n]
        np.testing.assert_array_equal((v + v).numpy(), np.arange(n, dtype=np.float32) * 2)
    assert len(ew._launches) <= 4


def test_fast_path_matches_the_general_rules():
    f = _t(np.ones(5, np.float32))
    i = cltorch.arange(5)
    assert (f + f).dtype == cltorch.float32
    assert (i + i).dtype == cltorch.int64
    assert (i + 2).dtype == cltorch.int64
    assert (i + 2.5).dtype == cltorch.float32          # general path: int tensor, float scalar
    assert (i / i).dtype == cltorch.float32            # true division of integers
    np.testing.assert_allclose((i / 2).numpy(), np.arange(5) / 2)
    b = cltorch.tensor([True, False])
    assert (b + b).dtype == cltorch.bool
    with pytest.raises(RuntimeError, match="bool"):
        b - b
    with pytest.raises(RuntimeError, match="must match"):
        f + cltorch.ones(4)
    assert (f + f.double()).dtype == cltorch.float64   # mixed dtypes promote
    assert (f + cltorch.ones(1, 5)).shape == (1, 5)     # broadcasting
    assert _fastpath.binary("add", f, "x") is None


def test_fast_path_records_autograd():
    a = cltorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = cltorch.tensor([4.0, 5.0, 6.0], requires_grad=True)
    y = (a * b + a / b - b) * 2.0
    assert y.grad_fn is not None
    y.sum().backward()
    an, bn = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
    np.testing.assert_allclose(a.grad.numpy(), 2 * (bn + 1 / bn), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), 2 * (an - an / bn ** 2 - 1), rtol=1e-6)
    with cltorch.no_grad():
        assert (a + b).grad_fn is None and not (a + b).requires_grad


def test_layout_plans_are_memoised_and_stay_correct():
    shape, ops = (4, 5), [(0, (5, 1)), (3, (1, 4))]
    first = list(layout.plan(shape, ops))
    again = list(layout.plan(shape, ops))
    assert len(first) == len(again) == 1
    assert first[0][0] == again[0][0] and np.array_equal(first[0][1], again[0][1])
    listed = list(layout.plan(shape, [(0, [5, 1]), (3, [1, 4])]))   # lists (unhashable) still work
    assert np.array_equal(listed[0][1], first[0][1])
    nine = tuple([2] * 9)
    strides = layout.contiguous_strides(nine)
    t_strides = tuple(reversed(strides))
    assert len(list(layout.plan(nine, [(0, strides), (0, t_strides)]))) == 2   # beyond MAXDIM: split


def test_inplace_fast_path_and_its_exclusions():
    a = _t(np.arange(6, dtype=np.float32))
    version = a._version_counter.value
    a += 1
    a.mul_(2.0)
    a.sub_(_t(np.ones(6, np.float32)))
    a.div_(4)
    np.testing.assert_allclose(a.numpy(), ((np.arange(6) + 1) * 2.0 - 1) / 4)
    assert a._version_counter.value == version + 4
    i = cltorch.arange(4)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.add_(0.5)                                     # a float result cannot go into an int64 tensor
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.div_(2)
    w = cltorch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.add_(1)                                       # a leaf that requires grad: refused as before
    base = _t(np.arange(8, dtype=np.float32))
    front, back = base[:4], base[4:]
    front.add_(back)                                    # another view of the same storage
    np.testing.assert_allclose(base.numpy()[:4], np.arange(4) + np.arange(4, 8))
    same = _t(np.arange(4, dtype=np.float32))
    same.add_(same)
    np.testing.assert_allclose(same.numpy(), np.arange(4) * 2.0)


def test_comparison_fast_path():
    x = _t(np.array([-1.0, 0.0, 2.0, np.nan], np.float32))
    for got, want in (((x > 0), [False, False, True, False]), ((x == x), [True, True, True, False]),
                      ((x <= 0.0), [True, True, False, False]), ((x != 2), [True, True, False, True])):
        assert got.dtype == cltorch.bool
        np.testing.assert_array_equal(got.numpy(), np.array(want))
    i = cltorch.arange(4)
    np.testing.assert_array_equal((i > 1.5).numpy(), [False, False, True, True])
    x.requires_grad_(True)
    assert (x > 0).grad_fn is None and not (x > 0).requires_grad


def test_logical_fast_path():
    a = _t(np.array([0.0, 1.0, -2.0, np.nan], np.float32))
    b = _t(np.array([0.0, 0.0, 3.0, 1.0], np.float32))
    an, bn = a.numpy(), b.numpy()
    for fn, ref in ((cltorch.logical_and, np.logical_and), (cltorch.logical_or, np.logical_or),
                    (cltorch.logical_xor, np.logical_xor)):
        got = fn(a, b)
        assert got.dtype == cltorch.bool
        np.testing.assert_array_equal(got.numpy(), ref(an, bn))
    i = cltorch.tensor([0, 3, -1])
    np.testing.assert_array_equal(cltorch.logical_and(i, i).numpy(), [False, True, True])
