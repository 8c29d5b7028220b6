"""Elementwise kernels against NumPy: odd sizes, non-contiguous views, dtypes, promotion."""
import math

import numpy as np
import pytest

import cltorch as torch
from cltorch.tensor import Tensor

SIZES = [0, 1, 7, 1023, 4097]
RNG = np.random.default_rng(1234)


def transposed(arr: np.ndarray) -> Tensor:
    """A cltorch view whose memory is arr.T laid out densely, i.e. a non-contiguous view equal to arr."""
    base = torch.tensor(np.ascontiguousarray(arr.T))
    rows, cols = arr.shape
    return Tensor._make(base._storage, 0, (rows, cols), (1, rows), base.dtype, base.device)


def host(t: Tensor) -> np.ndarray:
    return t.numpy()


FLOAT_UNARY = {
    "exp": (np.exp, -5, 5), "exp2": (np.exp2, -5, 5), "log": (np.log, 0.1, 10), "log2": (np.log2, 0.1, 10),
    "log10": (np.log10, 0.1, 10), "log1p": (np.log1p, -0.5, 10), "expm1": (np.expm1, -3, 3),
    "sqrt": (np.sqrt, 0, 10), "rsqrt": (lambda x: 1 / np.sqrt(x), 0.1, 10), "sin": (np.sin, -5, 5),
    "cos": (np.cos, -5, 5), "tan": (np.tan, -1, 1), "asin": (np.arcsin, -0.99, 0.99),
    "acos": (np.arccos, -0.99, 0.99), "atan": (np.arctan, -5, 5), "sinh": (np.sinh, -3, 3),
    "cosh": (np.cosh, -3, 3), "tanh": (np.tanh, -5, 5), "asinh": (np.arcsinh, -5, 5),
    "acosh": (np.arccosh, 1.1, 5), "atanh": (np.arctanh, -0.9, 0.9),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), -8, 8), "reciprocal": (lambda x: 1 / x, 0.5, 4),
    "floor": (np.floor, -5, 5), "ceil": (np.ceil, -5, 5), "trunc": (np.trunc, -5, 5),
    "frac": (lambda x: x - np.trunc(x), -5, 5), "round": (np.round, -5, 5), "abs": (np.abs, -5, 5),
    "neg": (np.negative, -5, 5), "sign": (np.sign, -5, 5), "square": (np.square, -5, 5),
    "relu": (lambda x: np.maximum(x, 0), -5, 5),
}


@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
@pytest.mark.parametrize("n", SIZES)
def test_float_unary_matches_numpy(name, n):
    ref, lo, hi = FLOAT_UNARY[name]
    x = RNG.uniform(lo, hi, n).astype(np.float32)
    out = getattr(torch, name)(torch.tensor(x))
    assert out.dtype is torch.float32 and out.shape == (n,)
    np.testing.assert_allclose(host(out), ref(x), rtol=2e-5, atol=2e-6)


def test_erf_matches_reference_values():
    x = np.array([-2.0, -0.5, 0.0, 0.3, 1.0, 3.0])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(torch.erf(torch.tensor(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(torch.erfc(torch.tensor(x)).numpy(), 1 - expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["exp", "sin", "sqrt", "abs", "neg", "floor"])
def test_unary_non_contiguous(name):
    ref, lo, hi = FLOAT_UNARY[name]
    x = RNG.uniform(max(lo, 0), hi, (13, 9)).astype(np.float32)
    out = getattr(torch, name)(transposed(x))
    np.testing.assert_allclose(host(out), ref(x), rtol=2e-5, atol=2e-6)


def test_unary_float64_precision_and_int_promotion():
    x = RNG.uniform(0.1, 3, 101)
    np.testing.assert_allclose(torch.log(torch.tensor(x)).numpy(), np.log(x), rtol=1e-14)
    ints = torch.tensor([1, 4, 9])
    out = torch.sqrt(ints)
    assert out.dtype is torch.float32
    np.testing.assert_allclose(out.numpy(), [1, 2, 3])


def test_unary_float16_storage():
    x = RNG.uniform(-2, 2, 1023).astype(np.float16)
    out = torch.tensor(x).exp()
    assert out.dtype is torch.float16
    np.testing.assert_allclose(out.numpy().astype(np.float32), np.exp(x.astype(np.float32)), rtol=2e-3)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8])
def test_integer_unary_ops(dtype):
    x = RNG.integers(-100, 100, 257).astype(dtype.np) if dtype.is_signed else RNG.integers(0, 200, 257).astype(np.uint8)
    t = torch.tensor(x)
    np.testing.assert_array_equal(torch.abs(t).numpy(), np.abs(x))
    np.testing.assert_array_equal((-t).numpy(), -x)
    np.testing.assert_array_equal(torch.sign(t).numpy(), np.sign(x))
    np.testing.assert_array_equal((~t).numpy(), ~x)
    np.testing.assert_array_equal(torch.floor(t).numpy(), x)


BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "maximum": np.maximum,
    "minimum": np.minimum, "atan2": np.arctan2, "pow": np.power, "hypot": np.hypot, "fmod": np.fmod,
    "remainder": np.remainder, "floor_divide": np.floor_divide, "copysign": np.copysign,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("n", [0, 1, 7, 4097])
def test_float_binary_matches_numpy(name, n):
    a = RNG.uniform(0.5, 4, n).astype(np.float32)
    b = RNG.uniform(0.5, 4, n).astype(np.float32) * RNG.choice([-1, 1], n).astype(np.float32)
    if name == "pow":
        a, b = np.abs(a), b / 2
    out = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(host(out), BINARY[name](a, b), rtol=3e-5, atol=1e-6)


def test_binary_broadcasting_and_non_contiguous():
    a = RNG.standard_normal((5, 1, 7)).astype(np.float32)
    b = RNG.standard_normal((3, 1)).astype(np.float32)
    np.testing.assert_allclose((torch.tensor(a) + torch.tensor(b)).numpy(), a + b, rtol=1e-6)
    m = RNG.standard_normal((9, 11)).astype(np.float32)
    v = RNG.standard_normal(11).astype(np.float32)
    out = transposed(m) * torch.tensor(v) - transposed(m)
    np.testing.assert_allclose(out.numpy(), m * v - m, rtol=1e-5, atol=1e-6)
    # an expanded (stride 0) operand
    e = Tensor._make(torch.tensor(v)._storage, 0, (9, 11), (0, 1), torch.float32, torch.device("cpu"))
    np.testing.assert_allclose((e + 1).numpy(), np.broadcast_to(v, (9, 11)) + 1, rtol=1e-6)


def test_broadcast_error_names_shapes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        torch.ones(2, 3) + torch.ones(4)


def test_scalars_on_both_sides():
    a = np.array([1.0, 2.0, 4.0], dtype=np.float32)
    t = torch.tensor(a)
    np.testing.assert_allclose((2 - t).numpy(), 2 - a)
    np.testing.assert_allclose((8 / t).numpy(), 8 / a)
    np.testing.assert_allclose((2 ** t).numpy(), 2 ** a)
    np.testing.assert_allclose((t ** 0.5).numpy(), a ** 0.5)
    np.testing.assert_allclose((7 % t).numpy(), 7 % a)
    np.testing.assert_allclose((t * 3 + 1).numpy(), a * 3 + 1)
    np.testing.assert_allclose(torch.add(t, t, alpha=2).numpy(), a + 2 * a)
    np.testing.assert_allclose(torch.sub(t, 1, alpha=3).numpy(), a - 3)


def test_integer_division_and_modulo_signs():
    a = np.array([7, -7, 7, -7, 0], dtype=np.int64)
    b = np.array([2, 2, -2, -2, 3], dtype=np.int64)
    ta, tb = torch.tensor(a), torch.tensor(b)
    np.testing.assert_array_equal((ta // tb).numpy(), a // b)
    np.testing.assert_array_equal((ta % tb).numpy(), a % b)
    np.testing.assert_array_equal(torch.fmod(ta, tb).numpy(), np.fmod(a, b))
    np.testing.assert_array_equal(torch.div(ta, tb, rounding_mode="trunc").numpy(), np.trunc(a / b).astype(np.int64))
    out = torch.div(ta, tb)
    assert out.dtype is torch.float32
    np.testing.assert_allclose(out.numpy(), a / b, rtol=1e-6)


def test_float_floor_divide_and_remainder_match_python():
    a = np.array([7.5, -7.5, 7.5, -7.5, 1e-3, -0.0], dtype=np.float64)
    b = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 2.0], dtype=np.float64)
    ta, tb = torch.tensor(a), torch.tensor(b)
    np.testing.assert_array_equal((ta // tb).numpy(), np.floor_divide(a, b))
    np.testing.assert_array_equal((ta % tb).numpy(), np.remainder(a, b))


def test_integer_division_by_zero_raises():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([1, 2]) // torch.tensor([0, 1])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.tensor([1, 2]) % 0
    # the device flag is cleared: the next valid op works
    np.testing.assert_array_equal((torch.tensor([4, 6]) // torch.tensor([2, 3])).numpy(), [2, 2])


def test_integer_pow():
    a = np.array([2, -3, 5, 0, 1], dtype=np.int64)
    t = torch.tensor(a)
    np.testing.assert_array_equal((t ** 3).numpy(), a ** 3)
    np.testing.assert_array_equal(torch.pow(t, torch.tensor([0, 1, 2, 3, 4])).numpy(), a ** np.array([0, 1, 2, 3, 4]))
    with pytest.raises(RuntimeError, match="negative integer powers"):
        t ** -1


@pytest.mark.parametrize("op,ref", [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                                    ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)])
def test_comparisons(op, ref):
    a = RNG.integers(0, 4, 1023)
    b = RNG.integers(0, 4, 1023).astype(np.float32)
    out = getattr(torch, op)(torch.tensor(a), torch.tensor(b))
    assert out.dtype is torch.bool
    np.testing.assert_array_equal(out.numpy(), ref(a, b))
    np.testing.assert_array_equal(getattr(torch.tensor(a), op)(2).numpy(), ref(a, 2))


def test_comparison_operators_and_reflection():
    t = torch.tensor([1, 2, 3])
    np.testing.assert_array_equal((2 < t).numpy(), [False, False, True])
    np.testing.assert_array_equal((t == 2).numpy(), [False, True, False])
    assert (t == None) is False  # noqa: E711  (torch compares unequal to None)


def test_logical_and_bitwise():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    ta, tb = torch.tensor(a), torch.tensor(b)
    np.testing.assert_array_equal((ta & tb).numpy(), a & b)
    np.testing.assert_array_equal((ta | tb).numpy(), a | b)
    np.testing.assert_array_equal((ta ^ tb).numpy(), a ^ b)
    np.testing.assert_array_equal((~ta).numpy(), ~a)
    np.testing.assert_array_equal(torch.logical_xor(torch.tensor([0, 1, 2]), torch.tensor([0.0, 0.0, 3.0])).numpy(),
                                  [False, True, False])
    x = np.array([12, 10, -3], dtype=np.int32)
    tx = torch.tensor(x)
    np.testing.assert_array_equal((tx & 6).numpy(), x & 6)
    np.testing.assert_array_equal((tx << 2).numpy(), x << 2)
    np.testing.assert_array_equal((tx >> 1).numpy(), x >> 1)
    with pytest.raises(RuntimeError, match="not implemented for 'Float'"):
        torch.ones(2) & torch.ones(2)


def test_type_promotion():
    i = torch.tensor([1, 2])
    f = torch.tensor([1.0, 2.0])
    assert (i + 1.5).dtype is torch.float32
    assert (i + i).dtype is torch.int64
    assert (i / i).dtype is torch.float32
    assert (f.double() + f).dtype is torch.float64
    assert (f + torch.tensor(1.0, dtype=torch.float64)).dtype is torch.float32  # 0-d does not win same category
    assert (i + torch.tensor(1.0, dtype=torch.float64)).dtype is torch.float64  # but a higher category does
    assert (torch.tensor([1], dtype=torch.int32) + 5).dtype is torch.int32
    assert (torch.tensor([True]) + 1).dtype is torch.int64
    assert (torch.tensor([1], dtype=torch.uint8) + torch.tensor([1], dtype=torch.int8)).dtype is torch.int16
    assert torch.result_type(torch.tensor([1.0], dtype=torch.float16), 2.5) is torch.float16


def test_inplace_semantics():
    t = torch.tensor([1.0, 2.0, 3.0])
    storage = t._storage
    t += 1
    t *= torch.tensor([2.0, 2.0, 2.0])
    t.sub_(1, alpha=2)
    assert t._storage is storage
    np.testing.assert_allclose(t.numpy(), [2.0, 4.0, 6.0])
    i = torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        i.add_(1.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.ones(3).add_(torch.ones(2, 3))


def test_inplace_on_view_writes_base():
    base = torch.zeros(4, 3)
    view = Tensor._make(base._storage, 1, (4,), (3,), base.dtype, base.device, base._version_counter)
    view += 5
    expected = np.zeros((4, 3), np.float32)
    expected[:, 1] = 5
    np.testing.assert_array_equal(base.numpy(), expected)
    assert base._version == 1


def test_where_clamp_lerp_addc():
    a = RNG.standard_normal(1023).astype(np.float32)
    b = RNG.standard_normal(1023).astype(np.float32)
    ta, tb = torch.tensor(a), torch.tensor(b)
    np.testing.assert_array_equal(torch.where(ta > 0, ta, tb).numpy(), np.where(a > 0, a, b))
    np.testing.assert_array_equal(torch.where(ta > 0, ta, 0.0).numpy(), np.where(a > 0, a, 0))
    np.testing.assert_allclose(torch.clamp(ta, -0.5, 0.5).numpy(), np.clip(a, -0.5, 0.5))
    np.testing.assert_allclose(ta.clamp(min=0).numpy(), np.maximum(a, 0))
    np.testing.assert_allclose(torch.clamp(ta, tb - 1, tb + 1).numpy(), np.clip(a, b - 1, b + 1))
    np.testing.assert_allclose(torch.lerp(ta, tb, 0.3).numpy(), a + 0.3 * (b - a), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(torch.lerp(ta, tb, torch.full((1023,), 0.75)).numpy(), a + 0.75 * (b - a),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(torch.addcmul(ta, ta, tb, value=0.5).numpy(), a + 0.5 * a * b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(torch.addcdiv(ta, ta, tb + 5, value=2).numpy(), a + 2 * a / (b + 5), rtol=1e-5)


def test_nan_handling():
    x = torch.tensor([1.0, float("nan"), float("inf"), -float("inf")])
    np.testing.assert_array_equal(torch.isnan(x).numpy(), [False, True, False, False])
    np.testing.assert_array_equal(torch.isinf(x).numpy(), [False, False, True, True])
    np.testing.assert_array_equal(torch.isfinite(x).numpy(), [True, False, False, False])
    out = torch.nan_to_num(x, nan=0.0, posinf=9.0, neginf=-9.0).numpy()
    np.testing.assert_array_equal(out, [1.0, 0.0, 9.0, -9.0])
    assert np.isnan(torch.maximum(x, torch.zeros(4)).numpy()[1])
    assert torch.fmax(x, torch.zeros(4)).numpy()[1] == 0
    assert np.isnan(torch.clamp(x, 0, 2).numpy()[1])


def test_isclose_allclose_equal():
    a = torch.tensor([1.0, 2.0, float("nan")])
    b = torch.tensor([1.0 + 1e-7, 2.1, float("nan")])
    np.testing.assert_array_equal(torch.isclose(a, b).numpy(), [True, False, False])
    np.testing.assert_array_equal(torch.isclose(a, b, equal_nan=True).numpy(), [True, False, True])


def test_out_argument():
    out = torch.empty(3)
    r = torch.add(torch.ones(3), 2, out=out)
    assert r is out
    np.testing.assert_array_equal(out.numpy(), [3, 3, 3])


def test_bool_negation_and_subtraction_errors():
    with pytest.raises(RuntimeError, match="Negation"):
        -torch.tensor([True])
    with pytest.raises(RuntimeError, match="Subtraction"):
        torch.tensor([True]) - torch.tensor([False])


def test_device_mismatch_message():
    a = torch.ones(2)
    fake = Tensor._make(a._storage, 0, (2,), (1,), a.dtype, torch.device("cuda", 0))
    with pytest.raises(RuntimeError, match="same device"):
        a + fake
