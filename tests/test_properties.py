"""Property tests (hypothesis) against NumPy: broadcasting and the elementwise type promotion table.

Indexing and reductions have their own property tests next to those ops.
Examples are few and small on purpose: every new (dtype combination, layout)
builds an OpenCL program, so the strategies draw dtypes from short lists.
"""
from __future__ import annotations

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import cltorch  # noqa: E402
from cltorch import _dtype  # noqa: E402

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ALL = list(_dtype.ALL)
INTEGRAL = [d for d in ALL if not d.is_floating_point and d is not _dtype.bool_]
FLOATING = list(_dtype.FLOATING)
CATEGORY = {d: (0 if d is _dtype.bool_ else 2 if d.is_floating_point else 1) for d in ALL}

dtypes = st.sampled_from(ALL)
# dtypes whose values the kernels below compute on; a short list keeps the programs built few
VALUE_DTYPES = [cltorch.float32, cltorch.int64, cltorch.int32, cltorch.bool, cltorch.float64]


def values(dtype, shape, seed):
    """Random values of dtype small enough that sums and products stay exact and in range."""
    rng = np.random.default_rng(seed)
    if dtype is _dtype.bool_:
        return np.asarray(rng.random(shape) < 0.5)
    if dtype.is_floating_point:
        return np.asarray(rng.integers(-16, 17, size=shape) / 4).astype(dtype.np)  # exact in every float dtype
    lo = 0 if dtype is _dtype.uint8 else -10
    return np.asarray(rng.integers(lo, 11, size=shape)).astype(dtype.np)


def host(t: cltorch.Tensor) -> np.ndarray:
    return t.numpy()


# -- broadcasting ---------------------------------------------------------------------
@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=4),
       dts=st.tuples(st.sampled_from(VALUE_DTYPES[:3]), st.sampled_from(VALUE_DTYPES[:3])),
       seed=st.integers(0, 2 ** 16))
def test_add_mul_broadcast_like_numpy(shapes, dts, seed):
    (sa, sb), result_shape = shapes
    a_np, b_np = values(dts[0], sa, seed), values(dts[1], sb, seed + 1)
    a, b = cltorch.from_numpy(a_np), cltorch.from_numpy(b_np)
    rt = cltorch.result_type(a, b)
    for got, want in ((a + b, np.add(a_np.astype(rt.np), b_np.astype(rt.np))),
                      (a * b, np.multiply(a_np.astype(rt.np), b_np.astype(rt.np)))):
        assert tuple(got.shape) == result_shape == want.shape
        assert got.dtype is rt
        np.testing.assert_array_equal(host(got), want)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, min_side=0, max_side=4),
       seed=st.integers(0, 2 ** 16))
def test_where_broadcasts_like_numpy(shapes, seed):
    (sc, sa, sb), result_shape = shapes
    rng = np.random.default_rng(seed)
    c_np = np.asarray(rng.random(sc) < 0.5)
    a_np, b_np = values(cltorch.float32, sa, seed), values(cltorch.float32, sb, seed + 7)
    got = cltorch.where(cltorch.from_numpy(c_np), cltorch.from_numpy(a_np), cltorch.from_numpy(b_np))
    want = np.where(c_np, a_np, b_np)
    assert tuple(got.shape) == result_shape == want.shape
    np.testing.assert_array_equal(host(got), want)


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, min_side=1, max_side=4),
       seed=st.integers(0, 2 ** 16))
def test_broadcast_on_strided_views(shapes, seed):
    """Broadcasting works on views whose strides are not row-major (reversed dims, gaps, an offset)."""
    (sa, sb), result_shape = shapes
    a_np, b_np = values(cltorch.float32, sa, seed), values(cltorch.float32, sb, seed + 3)
    a = _strided_copy(a_np)
    b = _strided_copy(b_np)
    assert tuple(a.shape) == a_np.shape
    np.testing.assert_array_equal(host(a + b), a_np + b_np)
    np.testing.assert_array_equal(host(a * b), a_np * b_np)


def _strided_copy(arr: np.ndarray) -> cltorch.Tensor:
    """arr's values in a view with reversed dimension order, every other element and offset 1."""
    strides, step = [], 2
    for n in arr.shape:
        strides.append(step)
        step *= n
    base = np.full(1 + step, np.nan, dtype=arr.dtype)
    np.lib.stride_tricks.as_strided(base[1:], arr.shape, [s * arr.itemsize for s in strides])[...] = arr
    b = cltorch.from_numpy(base)
    return cltorch.Tensor._make(b._storage, b._offset + 1, arr.shape, tuple(strides), b.dtype, b.device)


@st.composite
def incompatible_shapes(draw):
    """Two shapes that do not broadcast: one axis (counted from the right) has different sizes, both > 1."""
    sa = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    sb = list(draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    axis = draw(st.integers(1, min(len(sa), len(sb))))
    sb[-axis] = draw(st.sampled_from([n for n in (2, 3, 4, 5) if n != sa[-axis]]))
    return sa, tuple(sb)


@SETTINGS
@given(shapes=incompatible_shapes())
def test_incompatible_shapes_raise(shapes):
    sa, sb = shapes
    with pytest.raises(ValueError):
        np.broadcast_shapes(sa, sb)
    a, b = cltorch.zeros(sa), cltorch.zeros(sb)
    with pytest.raises(RuntimeError):
        a + b
    with pytest.raises(RuntimeError):
        cltorch.where(cltorch.zeros(sa, dtype=cltorch.bool), a, b)


# -- type promotion -------------------------------------------------------------------
@SETTINGS
@given(a=dtypes, b=dtypes)
def test_promote_types_is_symmetric_and_idempotent(a, b):
    assert cltorch.promote_types(a, b) is cltorch.promote_types(b, a)
    assert cltorch.promote_types(a, a) is a
    p = cltorch.promote_types(a, b)
    assert cltorch.promote_types(p, a) is p and cltorch.promote_types(p, b) is p


@SETTINGS
@given(a=dtypes, b=dtypes, c=dtypes)
def test_promote_types_is_associative(a, b, c):
    left = cltorch.promote_types(cltorch.promote_types(a, b), c)
    right = cltorch.promote_types(a, cltorch.promote_types(b, c))
    assert left is right


@SETTINGS
@given(a=dtypes, b=dtypes)
def test_promote_types_matches_numpy_within_a_category(a, b):
    """Between two integer (or two float, or two bool) dtypes the table is NumPy's."""
    assume(CATEGORY[a] == CATEGORY[b])
    assert cltorch.promote_types(a, b).np == np.promote_types(a.np, b.np)


@SETTINGS
@given(a=dtypes, b=dtypes)
def test_promote_types_across_categories_keeps_the_higher_one(a, b):
    """Unlike NumPy (int64 + float16 -> float64), the higher category's dtype wins unchanged."""
    assume(CATEGORY[a] != CATEGORY[b])
    winner = a if CATEGORY[a] > CATEGORY[b] else b
    assert cltorch.promote_types(a, b) is winner


@SETTINGS
@given(a=dtypes, b=dtypes, zero_dim=st.booleans())
def test_result_type_of_same_category_zero_dim_does_not_widen(a, b, zero_dim):
    """A 0-d tensor of the same (or a lower) category does not change a dimensioned tensor's dtype."""
    assume(CATEGORY[b] <= CATEGORY[a])
    t = cltorch.zeros(2, dtype=a)
    z = cltorch.zeros((), dtype=b)
    assert cltorch.result_type(t, z) is a
    assert cltorch.result_type(z, t) is a
    both_zero = cltorch.zeros((), dtype=a)
    assert cltorch.result_type(both_zero, z) is cltorch.promote_types(a, b)


@SETTINGS
@given(a=dtypes, scalar=st.one_of(st.booleans(), st.integers(-(2 ** 40), 2 ** 40),
                                  st.floats(allow_nan=False, allow_infinity=False, width=32)))
def test_result_type_with_python_scalars(a, scalar):
    """A Python scalar only matters when its category (bool < int < float) is higher than the tensor's."""
    t = cltorch.zeros(3, dtype=a)
    kind = 0 if isinstance(scalar, bool) else 1 if isinstance(scalar, int) else 2
    want = a if kind <= CATEGORY[a] else (cltorch.int64 if kind == 1 else cltorch.get_default_dtype())
    assert cltorch.result_type(t, scalar) is want
    assert cltorch.result_type(scalar, t) is want


@SETTINGS
@given(a=st.sampled_from(VALUE_DTYPES[:4]), b=st.sampled_from(VALUE_DTYPES[:4]), seed=st.integers(0, 2 ** 16))
def test_elementwise_results_follow_the_promotion_table(a, b, seed):
    """add, mul, comparisons and true division return the promoted dtype with NumPy's values."""
    a_np, b_np = values(a, (3, 2), seed), values(b, (2,), seed + 1)
    x, y = cltorch.from_numpy(a_np), cltorch.from_numpy(b_np)
    rt = cltorch.promote_types(a, b)
    got = x + y
    assert got.dtype is rt
    np.testing.assert_array_equal(host(got), a_np.astype(rt.np) + b_np.astype(rt.np))
    got = x * y
    assert got.dtype is rt
    np.testing.assert_array_equal(host(got), (a_np.astype(rt.np) * b_np.astype(rt.np)).astype(rt.np))
    lt = x < y
    assert lt.dtype is cltorch.bool
    np.testing.assert_array_equal(host(lt), a_np.astype(np.float64) < b_np.astype(np.float64))
    div = x / y
    fdt = rt if rt.is_floating_point else cltorch.get_default_dtype()
    assert div.dtype is fdt
    with np.errstate(divide="ignore", invalid="ignore"):
        want = a_np.astype(fdt.np) / b_np.astype(fdt.np)
    np.testing.assert_allclose(host(div), want, rtol=1e-6, equal_nan=True)


@SETTINGS
@given(a=st.sampled_from(VALUE_DTYPES), scalar=st.sampled_from([3, -2, 1.5, True]), seed=st.integers(0, 2 ** 16))
def test_tensor_scalar_results_follow_the_promotion_table(a, scalar, seed):
    a_np = values(a, (4,), seed)
    x = cltorch.from_numpy(a_np)
    rt = cltorch.result_type(x, scalar)
    got = x * scalar
    assert got.dtype is rt
    np.testing.assert_array_equal(host(got), (a_np.astype(rt.np) * np.array(scalar).astype(rt.np)).astype(rt.np))
