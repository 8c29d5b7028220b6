"""Matrix products (matmul family, add* products, einsum, tensordot, trace) against NumPy."""
from __future__ import annotations

import numpy as np
import pytest

import cltorch
from cltorch import _device

RNG = np.random.default_rng(1234)
HAS_FP64 = _device.runtime(cltorch.device("cpu")).has_fp64


def rand(*shape, dtype=np.float32):
    """Random host data of a dtype (small integers for integer types)."""
    if np.issubdtype(dtype, np.integer):
        return RNG.integers(-5, 6, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def dev(arr):
    return cltorch.from_numpy(np.ascontiguousarray(arr))


def view(t, shape, strides, offset=0):
    """A strided view over t's storage (the test does not depend on the views module)."""
    return cltorch.Tensor._make(t._storage, t._offset + offset, tuple(shape), tuple(strides), t.dtype, t.device)


def transposed(arr):
    """A device tensor holding arr's values through a transposed (last two dims swapped) view."""
    base = dev(np.swapaxes(arr, -1, -2))
    st = list(base._stride)
    st[-1], st[-2] = st[-2], st[-1]
    shape = list(base._shape)
    shape[-1], shape[-2] = shape[-2], shape[-1]
    return view(base, shape, st)


def sliced(arr):
    """A device tensor holding arr (2-D) as every other column of a wider, offset buffer."""
    rows, cols = arr.shape
    big = np.zeros((rows + 1, 2 * cols + 3), dtype=arr.dtype)
    big[1:, 3::2] = arr
    base = dev(big)
    return view(base, (rows, cols), (2 * cols + 3, 2), offset=2 * cols + 3 + 3)


def check(got, ref, rtol=1e-5, atol=1e-5):
    assert isinstance(got, cltorch.Tensor)
    host = got.numpy()
    assert host.shape == np.shape(ref), (host.shape, np.shape(ref))
    if np.issubdtype(host.dtype, np.integer):
        np.testing.assert_array_equal(host, ref)
    else:
        np.testing.assert_allclose(host.astype(np.float64), np.asarray(ref, dtype=np.float64), rtol=rtol, atol=atol)


def ref_mm(a, b):
    out_dtype = np.result_type(a, b)
    if np.issubdtype(out_dtype, np.floating):
        return (a.astype(np.float64) @ b.astype(np.float64)).astype(out_dtype)
    return a @ b


# -- mm on many shapes and layouts ------------------------------------------------
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (7, 13, 5), (33, 17, 29), (65, 3, 1), (1, 40, 33), (16, 16, 16),
                                   (9, 70, 47)])
@pytest.mark.parametrize("layout", ["nn", "nt", "tn", "tt"])
def test_mm_shapes_and_transposes(m, k, n, layout):
    a, b = rand(m, k), rand(k, n)
    ta = transposed(a) if layout[0] == "t" else dev(a)
    tb = transposed(b) if layout[1] == "t" else dev(b)
    check(cltorch.mm(ta, tb), ref_mm(a, b), rtol=1e-4, atol=1e-4)


def test_mm_tall_skinny():
    a, b = rand(1023, 1), rand(1, 4097)
    check(cltorch.mm(dev(a), dev(b)), ref_mm(a, b))
    c = rand(4097, 3)
    check(cltorch.mm(dev(b), dev(c)), ref_mm(b, c), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int64])
def test_mm_large_packed_path(dtype):
    """Large CPU products copy B into column panels first; leftover columns take the plain path."""
    if dtype == np.float64 and not HAS_FP64:
        pytest.skip("device lacks fp64")
    m, k, n = 130, 1000, 45
    a, b = rand(m, k, dtype=dtype), rand(k, n, dtype=dtype)
    ref = ref_mm(a.astype(np.float64), b.astype(np.float64)) if dtype != np.int64 else a @ b
    tol = {np.float16: 5e-2, np.float32: 1e-3, np.float64: 1e-11}.get(dtype, 0)
    check(cltorch.mm(dev(a), dev(b)), ref, rtol=tol, atol=tol)
    check(cltorch.mm(dev(a), transposed(b)), ref, rtol=tol, atol=tol)
    c = dev(np.ones((m, n), dtype))
    c.addmm_(transposed(a), dev(b), beta=2)
    check(c, ref + 2, rtol=tol, atol=tol)


@pytest.mark.parametrize("m,k,n", [(1, 4100, 37), (3, 5000, 5), (2, 4100, 1), (40, 4096, 3)])
def test_mm_split_k_path(m, k, n):
    """Few rows and a long k: partial products over chunks of k, summed by a second GEMM."""
    a, b = rand(m, k), rand(k, n)
    ref = ref_mm(a, b)
    check(cltorch.mm(dev(a), dev(b)), ref, rtol=1e-4, atol=1e-3)
    check(cltorch.mm(dev(a), sliced(b)), ref, rtol=1e-4, atol=1e-3)
    check(cltorch.mm(transposed(a), transposed(b)), ref, rtol=1e-4, atol=1e-3)
    c = sliced(np.ones((m, n), np.float32))
    c.addmm_(dev(a), sliced(b), beta=3, alpha=-2)
    check(c, 3 - 2 * ref, rtol=1e-4, atol=1e-3)
    ia, ib = rand(m, k, dtype=np.int64), rand(k, n, dtype=np.int64)
    check(cltorch.mm(dev(ia), sliced(ib)), ia @ ib)


def test_mm_sliced_operands():
    a, b = rand(21, 34), rand(34, 19)
    check(cltorch.mm(sliced(a), sliced(b)), ref_mm(a, b), rtol=1e-4, atol=1e-4)
    check(cltorch.mm(sliced(a), transposed(b)), ref_mm(a, b), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("m,k,n", [(0, 3, 4), (3, 0, 4), (3, 4, 0), (0, 0, 0)])
def test_mm_zero_size(m, k, n):
    out = cltorch.mm(dev(rand(m, k)), dev(rand(k, n)))
    check(out, np.zeros((m, n), np.float32))


@pytest.mark.skipif(not HAS_FP64, reason="device lacks fp64")
def test_mm_float64_precision():
    a, b = rand(37, 129, dtype=np.float64), rand(129, 23, dtype=np.float64)
    check(cltorch.mm(dev(a), transposed(b)), a @ b, rtol=1e-12, atol=1e-12)
    check(cltorch.mm(transposed(a), dev(b)), a @ b, rtol=1e-12, atol=1e-12)


def test_mm_float16():
    a, b = rand(19, 45, dtype=np.float16), rand(45, 33, dtype=np.float16)
    out = cltorch.mm(dev(a), dev(b))
    assert out.dtype is cltorch.float16
    check(out, a.astype(np.float32) @ b.astype(np.float32), rtol=1e-2, atol=5e-2)
    check(cltorch.mm(dev(a), transposed(b)), a.astype(np.float32) @ b.astype(np.float32), rtol=1e-2, atol=5e-2)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8])
def test_mm_integers(dtype):
    a, b = rand(13, 21, dtype=dtype), rand(21, 18, dtype=dtype)
    if dtype == np.uint8:
        a, b = a % 7, b % 7
    out = cltorch.mm(dev(a), dev(b))
    assert out.dtype.np == np.dtype(dtype)
    check(out, a @ b)
    check(cltorch.mm(transposed(a), transposed(b)), a @ b)


# -- matmul's dimension rules ------------------------------------------------------
@pytest.mark.parametrize("sa,sb", [((5,), (5,)), ((3, 5), (5,)), ((5,), (5, 4)), ((2, 3, 5), (5,)),
                                   ((5,), (2, 5, 4)), ((2, 3, 5), (5, 4)), ((3, 5), (2, 5, 4)),
                                   ((2, 1, 3, 5), (4, 5, 2)), ((1, 3, 5), (4, 1, 5, 2)), ((4, 3, 5), (4, 5, 2))])
def test_matmul_forms(sa, sb):
    a, b = rand(*sa), rand(*sb)
    out = cltorch.matmul(dev(a), dev(b))
    check(out, np.matmul(a.astype(np.float64), b.astype(np.float64)), rtol=1e-4, atol=1e-4)
    check(dev(a) @ dev(b), np.matmul(a, b), rtol=1e-4, atol=1e-4)


def test_matmul_batched_transposed_and_broadcast_views():
    a, b = rand(3, 6, 5), rand(3, 5, 4)
    check(cltorch.matmul(transposed(a), transposed(b)), np.matmul(a, b), rtol=1e-4, atol=1e-4)
    b1 = rand(1, 5, 4)
    bb = view(dev(b1), (3, 5, 4), (0, 4, 1))  # an expanded batch (stride 0)
    check(cltorch.matmul(dev(a), bb), np.matmul(a, np.broadcast_to(b1, (3, 5, 4))), rtol=1e-4, atol=1e-4)


def test_matmul_many_batch_dims():
    """Nine batch dimensions that cannot be coalesced (the host loops over the outer one)."""
    shape = (2,) * 9 + (3, 4)
    a = rand(*shape)
    perm = tuple(reversed(range(9))) + (9, 10)
    base = dev(np.transpose(a, perm))
    st = base._stride
    ta = view(base, shape, tuple(st[8 - i] for i in range(9)) + st[9:])
    b = rand(4, 2)
    bb = view(dev(b), shape[:9] + (4, 2), (0,) * 9 + (2, 1))
    check(cltorch.matmul(ta, bb), np.matmul(a, b), rtol=1e-4, atol=1e-4)


def test_matmul_zero_batch_and_zero_k():
    check(cltorch.matmul(dev(rand(0, 3, 4)), dev(rand(4, 2))), np.zeros((0, 3, 2)))
    check(cltorch.matmul(dev(rand(2, 3, 0)), dev(rand(2, 0, 5))), np.zeros((2, 3, 5)))
    d = cltorch.dot(dev(rand(0)), dev(rand(0)))
    assert d.shape == () and d.item() == 0


def test_matmul_out_and_operators():
    a, b = rand(4, 3), rand(3, 2)
    out = cltorch.empty(0)
    res = cltorch.matmul(dev(a), dev(b), out=out)
    assert res is out
    check(out, a @ b)
    assert (dev(a) @ dev(b)).shape == (4, 2)
    assert cltorch.Tensor.__rmatmul__(dev(b), dev(a)).shape == (4, 2)
    sq = rand(3, 3)
    x = dev(sq)
    same = x
    x @= x
    assert x is not same          # torch has no Tensor.__imatmul__: a new tensor is bound
    check(x, sq @ sq, rtol=1e-5, atol=1e-5)
    check(same, sq)
    y = dev(a)
    y @= dev(b)
    assert y.shape == (4, 2)
    assert dev(a).__matmul__(3) is NotImplemented


def test_methods():
    a, b, v = rand(4, 3), rand(3, 2), rand(3)
    ta, tb, tv = dev(a), dev(b), dev(v)
    check(ta.mm(tb), a @ b)
    check(ta.matmul(tb), a @ b)
    check(ta.mv(tv), a @ v)
    check(tv.dot(tv), v @ v)
    check(dev(a[None]).bmm(dev(b[None])), (a @ b)[None])
    check(tv.outer(tv), np.outer(v, v))


# -- the other products -----------------------------------------------------------
def test_mv_dot_vdot():
    a, v = rand(33, 70), rand(70)
    check(cltorch.mv(dev(a), dev(v)), a.astype(np.float64) @ v, rtol=1e-4, atol=1e-4)
    check(cltorch.mv(transposed(a), dev(v)), a @ v, rtol=1e-4, atol=1e-4)
    check(cltorch.mv(sliced(a), dev(v)), a @ v, rtol=1e-4, atol=1e-4)
    w = rand(1000)
    d = cltorch.dot(dev(w), dev(w))
    assert d.shape == ()
    assert d.item() == pytest.approx(float(w.astype(np.float64) @ w), rel=1e-4)
    assert cltorch.vdot(dev(w), dev(w)).item() == pytest.approx(float(w.astype(np.float64) @ w), rel=1e-4)
    strided = view(dev(np.repeat(w, 2)), (1000,), (2,))
    assert cltorch.dot(strided, dev(w)).item() == pytest.approx(float(w.astype(np.float64) @ w), rel=1e-4)


def test_bmm():
    a, b = rand(5, 7, 9), rand(5, 9, 3)
    check(cltorch.bmm(dev(a), dev(b)), np.matmul(a, b), rtol=1e-4, atol=1e-4)
    check(cltorch.bmm(transposed(a), dev(b)), np.matmul(a, b), rtol=1e-4, atol=1e-4)
    with pytest.raises(RuntimeError, match="3D"):
        cltorch.bmm(dev(a[0]), dev(b))
    with pytest.raises(RuntimeError, match=r"\[5, 7, 9\].*\[4, 9, 3\]"):
        cltorch.bmm(dev(a), dev(rand(4, 9, 3)))
    with pytest.raises(RuntimeError):
        cltorch.bmm(dev(a), dev(rand(5, 8, 3)))


def test_inner_outer_tensordot():
    a, b = rand(2, 3, 4), rand(5, 4)
    check(cltorch.inner(dev(a), dev(b)), np.inner(a, b), rtol=1e-4, atol=1e-4)
    check(cltorch.inner(dev(a[0, 0]), dev(b[0])), np.inner(a[0, 0], b[0]), rtol=1e-4, atol=1e-4)
    check(cltorch.inner(dev(a), cltorch.tensor(2.0)), a * 2)
    with pytest.raises(RuntimeError, match=r"\[2, 3, 4\].*\[5, 3\]"):
        cltorch.inner(dev(a), dev(rand(5, 3)))
    u, v = rand(7), rand(5)
    check(cltorch.outer(dev(u), dev(v)), np.outer(u, v))
    check(cltorch.ger(dev(u), dev(v)), np.outer(u, v))
    iu = np.arange(4, dtype=np.int64)
    mixed = cltorch.outer(dev(iu), dev(v))
    assert mixed.dtype is cltorch.float32
    check(mixed, np.outer(iu, v))
    c, d = rand(3, 4, 5), rand(4, 5, 6)
    check(cltorch.tensordot(dev(c), dev(d)), np.tensordot(c, d), rtol=1e-4, atol=1e-4)
    e = rand(5, 6)
    check(cltorch.tensordot(dev(c), dev(e), dims=1), np.tensordot(c, e, 1), rtol=1e-4, atol=1e-4)
    f = rand(4, 3, 2)
    check(cltorch.tensordot(dev(c), dev(f), dims=([1, 0], [0, 1])), np.tensordot(c, f, ([1, 0], [0, 1])),
          rtol=1e-4, atol=1e-4)
    check(cltorch.tensordot(dev(c), transposed(e), dims=([2], [0])), np.tensordot(c, e, ([2], [0])),
          rtol=1e-4, atol=1e-4)
    with pytest.raises(RuntimeError, match="contracted dimensions"):
        cltorch.tensordot(dev(c), dev(f), dims=([0], [0]))


def test_addmm_family():
    m1, m2, inp = rand(6, 4), rand(4, 5), rand(5)
    check(cltorch.addmm(dev(inp), dev(m1), dev(m2)), inp + m1 @ m2, rtol=1e-4, atol=1e-4)
    check(cltorch.addmm(dev(inp), dev(m1), transposed(m2), beta=0.5, alpha=-2.0), 0.5 * inp - 2 * (m1 @ m2),
          rtol=1e-4, atol=1e-4)
    nan_input = dev(np.full((6, 5), np.nan, np.float32))
    check(cltorch.addmm(nan_input, dev(m1), dev(m2), beta=0), m1 @ m2, rtol=1e-4, atol=1e-4)
    c = dev(rand(6, 5))
    expect = c.numpy() * 2 + m1 @ m2
    res = c.addmm_(dev(m1), dev(m2), beta=2)
    assert res is c
    check(c, expect, rtol=1e-4, atol=1e-4)
    sq = rand(4, 4)
    s = dev(sq)
    s.addmm_(s, s)
    check(s, sq + sq @ sq, rtol=1e-4, atol=1e-4)
    with pytest.raises(RuntimeError):
        cltorch.addmm(dev(rand(3)), dev(m1), dev(m2))
    v = rand(4)
    check(cltorch.addmv(dev(np.ones(6, np.float32)), dev(m1), dev(v), alpha=3),
          1 + 3 * (m1 @ v), rtol=1e-4, atol=1e-4)
    y = dev(np.ones(6, np.float32))
    y.addmv_(dev(m1), dev(v), beta=-1)
    check(y, -1 + m1 @ v, rtol=1e-4, atol=1e-4)
    u, w = rand(6), rand(5)
    check(cltorch.addr(dev(np.ones((6, 5), np.float32)), dev(u), dev(w), beta=-1), np.outer(u, w) - 1,
          rtol=1e-5, atol=1e-5)


def test_baddbmm_addbmm():
    b1, b2, inp = rand(3, 4, 6), rand(3, 6, 5), rand(4, 5)
    ref = np.matmul(b1.astype(np.float64), b2)
    check(cltorch.baddbmm(dev(inp), dev(b1), dev(b2), beta=2, alpha=0.5), 2 * inp + 0.5 * ref, rtol=1e-4,
          atol=1e-4)
    check(cltorch.addbmm(dev(inp), dev(b1), transposed(b2), alpha=2), inp + 2 * ref.sum(0), rtol=1e-4, atol=1e-4)
    check(cltorch.addbmm(dev(inp), transposed(b1), dev(b2)), inp + ref.sum(0), rtol=1e-4, atol=1e-4)
    c = dev(rand(3, 4, 5))
    expect = c.numpy() + ref
    c.baddbmm_(dev(b1), dev(b2))
    check(c, expect, rtol=1e-4, atol=1e-4)
    d = dev(inp.copy())
    d.addbmm_(dev(b1), dev(b2), beta=0)
    check(d, ref.sum(0), rtol=1e-4, atol=1e-4)


def test_trace():
    a = rand(5, 7)
    check(cltorch.trace(dev(a)), np.trace(a), rtol=1e-5)
    i = rand(4, 4, dtype=np.int32)
    t = cltorch.trace(dev(i))
    assert t.dtype is cltorch.int64 and t.item() == np.trace(i)
    assert dev(a).trace().shape == ()
    with pytest.raises(RuntimeError):
        cltorch.trace(dev(rand(2, 2, 2)))


# -- einsum -------------------------------------------------------------------------
EINSUM_CASES = [
    ("ij,jk->ik", [(4, 5), (5, 3)]),
    ("bij,bjk->bik", [(2, 4, 5), (2, 5, 3)]),
    ("i,i->", [(7,)]*2),
    ("i,j->ij", [(4,), (3,)]),
    ("ij->ji", [(4, 3)]),
    ("ii->i", [(5, 5)]),
    ("ii", [(5, 5)]),
    ("ij->", [(4, 3)]),
    ("ij->j", [(4, 3)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 5, 4), (2, 3, 6, 4)]),
    ("bhqk,bhkd->bhqd", [(2, 3, 5, 6), (2, 3, 6, 4)]),
    ("ij,ij->ij", [(4, 3), (4, 3)]),
    ("ij,ij->", [(4, 3), (4, 3)]),
    ("ij,jk", [(4, 5), (5, 3)]),
    ("ba,ca", [(4, 5), (3, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("i...->...", [(3, 2, 4)]),
    ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("iij->j", [(3, 3, 4)]),
    ("ijk,ikl->ijl", [(1, 3, 4), (5, 4, 2)]),
    ("i,i,i->i", [(6,)] * 3),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES)
def test_einsum(eq, shapes):
    arrays = [rand(*s) for s in shapes]
    got = cltorch.einsum(eq, *[dev(a) for a in arrays])
    check(got, np.einsum(eq, *[a.astype(np.float64) for a in arrays]), rtol=1e-4, atol=1e-4)


def test_einsum_forms_and_views():
    a, b = rand(4, 5), rand(5, 3)
    check(cltorch.einsum("ij,jk->ik", [dev(a), dev(b)]), a @ b, rtol=1e-4, atol=1e-4)
    check(cltorch.einsum(dev(a), [0, 1], dev(b), [1, 2], [0, 2]), a @ b, rtol=1e-4, atol=1e-4)
    check(cltorch.einsum("ij,jk->ik", transposed(a), sliced(b)), a @ b, rtol=1e-4, atol=1e-4)
    check(cltorch.einsum(" i j , j k -> i k ", dev(a), dev(b)), a @ b, rtol=1e-4, atol=1e-4)
    ia, ib = rand(4, 5, dtype=np.int64), rand(5, 3, dtype=np.int64)
    out = cltorch.einsum("ij,jk->ik", dev(ia), dev(ib))
    assert out.dtype is cltorch.int64
    check(out, ia @ ib)


@pytest.mark.parametrize("eq,shapes,pattern", [
    ("ij,jk->ik", [(4, 5)], "fewer operands"),
    ("ij->ik", [(4, 5)], "output subscript k"),
    ("ij->ii", [(4, 4)], "more than once"),
    ("ijk->i", [(4, 5)], "number of subscripts"),
    ("ii->i", [(4, 5)], "repeated"),
    ("ij,jk->ik", [(4, 5), (6, 3)], "subscript j"),
    ("i1->i", [(4, 5)], "invalid subscript"),
])
def test_einsum_errors(eq, shapes, pattern):
    with pytest.raises(RuntimeError, match=pattern):
        cltorch.einsum(eq, *[dev(rand(*s)) for s in shapes])


# -- errors ----------------------------------------------------------------------------
def test_shape_errors_name_both_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        cltorch.mm(dev(rand(2, 3)), dev(rand(4, 5)))
    with pytest.raises(RuntimeError, match=r"2x3 and 4x5"):
        dev(rand(2, 3)) @ dev(rand(4, 5))
    with pytest.raises(RuntimeError, match=r"2x3x4 and 5x2"):
        cltorch.matmul(dev(rand(2, 3, 4)), dev(rand(5, 2)))
    with pytest.raises(RuntimeError, match=r"\[3\].*\[4\]"):
        cltorch.dot(dev(rand(3)), dev(rand(4)))
    with pytest.raises(RuntimeError, match=r"2x3.*4"):
        cltorch.mv(dev(rand(2, 3)), dev(rand(4)))
    with pytest.raises(RuntimeError, match="must match"):
        cltorch.matmul(dev(rand(2, 3, 4)), dev(rand(3, 4, 5)))


def test_dimension_and_type_errors():
    with pytest.raises(RuntimeError, match="at least 1D"):
        cltorch.matmul(cltorch.tensor(1.0), dev(rand(3)))
    with pytest.raises(RuntimeError, match="matrix"):
        cltorch.mm(dev(rand(3)), dev(rand(3, 2)))
    with pytest.raises(RuntimeError, match="1D"):
        cltorch.dot(dev(rand(3, 1)), dev(rand(3)))
    with pytest.raises(RuntimeError, match="Expected 1-D"):
        cltorch.outer(dev(rand(3, 1)), dev(rand(3)))
    with pytest.raises(TypeError):
        cltorch.mm(dev(rand(2, 2)), [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.skipif(not HAS_FP64, reason="device lacks fp64")
def test_dtype_mismatch():
    with pytest.raises(RuntimeError, match="Float and Double"):
        cltorch.mm(dev(rand(2, 3)), dev(rand(3, 2, dtype=np.float64)))
    with pytest.raises(RuntimeError, match="same dtype"):
        cltorch.matmul(dev(rand(3)), dev(rand(3, dtype=np.float64)))
    with pytest.raises(RuntimeError, match="same dtype"):
        cltorch.addmm(dev(rand(2, 2, dtype=np.float64)), dev(rand(2, 2)), dev(rand(2, 2)))
    with pytest.raises(RuntimeError, match="Bool"):
        cltorch.mm(dev(np.ones((2, 2), bool)), dev(np.ones((2, 2), bool)))


def test_device_mismatch():
    if not cltorch.cuda.is_available():
        pytest.skip("needs a second OpenCL device")
    with pytest.raises(RuntimeError, match="same device"):
        cltorch.mm(dev(rand(2, 2)), dev(rand(2, 2)).to("cuda"))


# -- the GPU configuration, run on the CPU device ------------------------------------
def test_gpu_variant_on_cpu(run_python):
    """gemm_gpu (local-memory tiles) selected by CLTORCH_KERNEL_VARIANT=gpu gives the same results."""
    code = """
    import numpy as np, cltorch
    from cltorch import _device
    assert _device.runtime(cltorch.device('cpu')).variant == 'gpu'
    rng = np.random.default_rng(0)
    def view_t(arr):
        base = cltorch.from_numpy(np.ascontiguousarray(arr.T))
        return cltorch.Tensor._make(base._storage, 0, arr.shape, base._stride[::-1], base.dtype, base.device)
    for m, k, n in [(1, 1, 1), (7, 13, 5), (65, 17, 70), (3, 100, 2)]:
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        ref = a.astype(np.float64) @ b
        for x, y in [(cltorch.from_numpy(a), cltorch.from_numpy(b)), (view_t(a), view_t(b))]:
            np.testing.assert_allclose(cltorch.mm(x, y).numpy(), ref, rtol=1e-4, atol=1e-4)
    a = rng.integers(-4, 5, (2, 9, 33)); b = rng.integers(-4, 5, (2, 33, 10))
    np.testing.assert_array_equal(cltorch.matmul(cltorch.from_numpy(a), cltorch.from_numpy(b)).numpy(), a @ b)
    c = cltorch.from_numpy(np.ones((9, 10), np.float32))
    c.addmm_(cltorch.from_numpy(a[0].astype(np.float32)), cltorch.from_numpy(b[0].astype(np.float32)), beta=2)
    np.testing.assert_allclose(c.numpy(), 2 + a[0] @ b[0], rtol=1e-5)
    # a device that allows fewer than 256 work-items per group gets 8x8 groups and 32x32 tiles
    import dataclasses
    rt = _device.runtime(cltorch.device('cpu'))
    rt.info = dataclasses.replace(rt.info, max_work_group=128)
    x = rng.standard_normal((45, 19)).astype(np.float32); y = rng.standard_normal((19, 70)).astype(np.float32)
    np.testing.assert_allclose(cltorch.mm(view_t(x), cltorch.from_numpy(y)).numpy(), x.astype(np.float64) @ y,
                               rtol=1e-4, atol=1e-4)
    print("ok")
    """
    proc = run_python(code, env={"CLTORCH_KERNEL_VARIANT": "gpu"})
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout
