"""Elementwise ops, operators, type promotion and printing, compared with PyTorch.

float32 cases also run on strided views (and transposes); other dtypes run
contiguous unless a test asks, because every (kernel, dtypes, layout) costs a
first-launch compile on PoCL and the suite has to stay quick.
"""
import math

import numpy as np
import pytest

import harness
from harness import ALL_DTYPES, check_raises_same, check_same, torch

import cltorch

NAN, INF = math.nan, math.inf
# Every (kernel, dtypes, layout) compiles once per process on PoCL (~50-100 ms), so strided
# layouts run by default only for float32 inputs; the strided code is the same for every dtype.
# A few tests ask for strided integer and bool inputs explicitly.
STRIDED_DTYPES = ("float32",)

# Known mismatches with torch, waiting for a fix in the library (tests/compat/conftest.py turns
# each entry into a strict xfail). The reasons name the op, the input and both results.
XFAIL = {}


def _nc(dtype) -> bool:
    """Whether to run strided layouts for this dtype by default."""
    return dtype in STRIDED_DTYPES


def check(fn, shapes, dtypes="float32", **kwargs):
    """harness.check, with strided layouts by default only when every tensor input is float32."""
    names = [dtypes] if isinstance(dtypes, str) else [d for d in dtypes if d is not None]
    kwargs.setdefault("noncontiguous", all(_nc(d) for d in names))
    return harness.check(fn, shapes, dtypes, **kwargs)


# -- unary float ops ------------------------------------------------------------------
# op -> value options giving a domain where the op is finite
FLOAT_UNARY = {
    "exp": {}, "exp2": {}, "expm1": {}, "sin": {}, "cos": {}, "tan": dict(low=-1.2, high=1.2), "atan": {},
    "sinh": {}, "cosh": {}, "tanh": {}, "asinh": {}, "sigmoid": dict(low=-8, high=8), "erf": {}, "erfc": {},
    "log": dict(positive=True), "log2": dict(positive=True), "log10": dict(positive=True),
    "sqrt": dict(positive=True), "rsqrt": dict(positive=True), "log1p": dict(low=-0.9, high=5),
    "asin": dict(low=-0.95, high=0.95), "acos": dict(low=-0.95, high=0.95), "atanh": dict(low=-0.95, high=0.95),
    "acosh": dict(low=1.05, high=5), "reciprocal": dict(nonzero=True),
}
SPECIAL = np.array([NAN, INF, -INF, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-30, -40.0, 100.0])


def test_float_unary_list_covers_the_module():
    from cltorch import _elementwise
    assert set(FLOAT_UNARY) == set(_elementwise._FLOAT_UNARY)


FLOAT_UNARY_SAMPLE = ["exp", "log", "sqrt", "tanh", "sigmoid", "asin", "erf", "reciprocal"]
FLOAT_UNARY_CASES = ([(op, d) for op in sorted(FLOAT_UNARY) for d in ("float32", "float64")] +
                     [(op, d) for op in FLOAT_UNARY_SAMPLE for d in ("float16", "int64")])


@pytest.mark.parametrize("op, dtype", FLOAT_UNARY_CASES, ids=[f"{o}-{d}" for o, d in FLOAT_UNARY_CASES])
def test_float_unary(op, dtype):
    opts = dict(FLOAT_UNARY[op])
    if dtype == "int64":
        opts.setdefault("low", 1 if opts.get("positive") else -3)
        if op in ("asin", "acos", "atanh"):
            opts.update(low=0, high=1)
        if op == "acosh":
            opts["low"] = 1
    rtol = 5e-3 if dtype == "float16" else None
    check(op, [(5, 7)], dtype, noncontiguous=dtype == "float32", rtol=rtol, **opts)


@pytest.mark.parametrize("op", ["exp", "sin", "log1p", "sigmoid"])
def test_float_unary_of_bool(op):
    check(op, [(3, 4)], "bool", noncontiguous=False)


@pytest.mark.parametrize("op", sorted(FLOAT_UNARY))
def test_float_unary_special_values(op):
    check(op, [SPECIAL], "float32", noncontiguous=False, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["exp", "sqrt", "sin", "sigmoid", "reciprocal"])
def test_float_unary_inplace_and_method(op):
    check(f"Tensor.{op}_", [(4, 6)], "float32", positive=True)
    check(f"Tensor.{op}", [(4, 6)], "float32", positive=True)


@pytest.mark.parametrize("op", ["exp", "sqrt"])
def test_float_unary_inplace_on_int_raises(op):
    check_raises_same(f"Tensor.{op}_", [np.arange(4)])


@pytest.mark.parametrize("op", ["exp", "log", "tanh"])
def test_float_unary_sizes(op):
    for n in (0, 1, 7, 1023, 4097):
        check(op, [(n,)], "float32", positive=True, noncontiguous=n < 2000)


@pytest.mark.parametrize("op", ["exp", "sigmoid", "sqrt", "log", "tanh", "reciprocal", "sin"])
def test_float_unary_grad(op):
    check(op, [(3, 4)], "float32", grad=True, **FLOAT_UNARY[op])


# -- rounding -------------------------------------------------------------------------
HALVES = np.array([-3.5, -2.5, -1.5, -0.5, -0.49999997, 0.0, 0.5, 1.5, 2.5, 3.5, 0.4999, -7.25, 7.75, 1e7 + 0.5,
                   NAN, INF, -INF, -0.0])


@pytest.mark.parametrize("op", ["floor", "ceil", "trunc", "frac", "round"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_rounding_values(op, dtype):
    check(op, [HALVES], dtype, noncontiguous=_nc(dtype))
    check(op, [(6, 5)], dtype, low=-50, high=50, noncontiguous=_nc(dtype))


@pytest.mark.parametrize("op", ["floor", "ceil", "trunc", "round"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_rounding_integers_unchanged(op, dtype):
    check(op, [(4, 5)], dtype, noncontiguous=_nc(dtype))


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_frac_of_integers_raises(dtype):
    check_raises_same("frac", [np.zeros(3, dtype=dtype)])


@pytest.mark.parametrize("decimals", [1, 2, 3, -1, -2])
def test_round_decimals(decimals):
    vals = np.array([1.25, 2.675, -0.125, 1234.5678, -987.65, 0.0, 15.0, 25.0, 150.0, 0.005])
    check("round", [vals], "float64", kwargs=dict(decimals=decimals))
    check("round", [vals], "float32", kwargs=dict(decimals=decimals), rtol=1e-6)


@pytest.mark.parametrize("op", ["floor_", "ceil_", "trunc_", "frac_", "round_"])
def test_rounding_inplace(op):
    check(f"Tensor.{op}", [HALVES], "float32")


# -- other unary ops, every dtype -----------------------------------------------------
OTHER_UNARY = ["neg", "abs", "sign", "square", "relu", "logical_not", "bitwise_not", "isnan", "isinf",
               "isfinite", "isposinf", "isneginf", "signbit", "nan_to_num", "positive", "negative", "absolute"]
OTHER_UNARY_DTYPES = ("float32", "float64", "float16", "int64", "int8", "uint8", "bool")


@pytest.mark.parametrize("dtype", OTHER_UNARY_DTYPES)
@pytest.mark.parametrize("op", OTHER_UNARY)
def test_other_unary(op, dtype):
    check(op, [(4, 5)], dtype, allow_raise=True, noncontiguous=_nc(dtype))


@pytest.mark.parametrize("op", ["neg", "abs", "sign", "square", "relu", "isnan", "isinf", "isfinite", "isposinf",
                                "isneginf", "signbit", "nan_to_num"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_other_unary_special_values(op, dtype):
    check(op, [SPECIAL], dtype, noncontiguous=_nc(dtype))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_integer_unary_extremes(dtype):
    info = np.iinfo(dtype)
    lo, hi = int(info.min), int(info.max)
    vals = np.array(sorted(v for v in {lo, lo + 1, -1, 0, 1, hi - 1, hi} if lo <= v <= hi), dtype=dtype)
    for op in ("neg", "abs", "sign", "bitwise_not", "square"):
        check(op, [vals], dtype, noncontiguous=False)


@pytest.mark.parametrize("op", ["neg_", "abs_", "sign_", "square_", "relu_", "logical_not_", "bitwise_not_",
                                "nan_to_num_"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_other_unary_inplace(op, dtype):
    check(f"Tensor.{op}", [(3, 5)], dtype, allow_raise=True)


def test_operators_unary():
    check(lambda lib, a: -a, [(3, 4)], "float32")
    check(lambda lib, a: +a, [(3, 4)], "int64")
    check(lambda lib, a: abs(a), [(3, 4)], "int64")
    check(lambda lib, a: ~a, [(3, 4)], "int32", noncontiguous=False)
    check(lambda lib, a: ~a, [(3, 4)], "bool", noncontiguous=True)
    check_raises_same(lambda lib, a: -a, [np.array([True, False])])


def test_invert_operator_on_float():
    check_raises_same(lambda lib, a: ~a, [np.array([1.5])])


def test_nan_to_num_arguments():
    vals = np.array([NAN, INF, -INF, 1.5, -2.0])
    for dtype in ("float32", "float64", "float16"):
        check("nan_to_num", [vals], dtype, noncontiguous=False)
        check("nan_to_num", [vals, 0.5], dtype, noncontiguous=False)
        check("nan_to_num", [vals], dtype, kwargs=dict(nan=-1.0, posinf=9.0, neginf=-9.0), noncontiguous=False)
    check("nan_to_num", [vals], "float32", kwargs=dict(posinf=100.0))
    check("Tensor.nan_to_num_", [vals], "float32", kwargs=dict(neginf=-3.0))


# -- binary arithmetic with broadcasting and scalars --------------------------------
BROADCAST_SHAPES = [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 1, 3), (4, 1)], [(), (3, 2)], [(5, 1), ()],
                    [(0, 3), (3,)], [(1,), (2, 3)]]
ARITH = ["add", "sub", "mul", "div"]


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("op", ARITH)
def test_arith_broadcasting(op, shapes):
    check(op, shapes, "float32", nonzero=op == "div")


BINARY_OPS = ARITH + ["maximum", "minimum", "fmax", "fmin", "atan2", "hypot", "copysign", "xlogy", "floor_divide",
                      "remainder", "fmod"]
# every op on the pairs that hold one dtype each; a sample of ops on the mixed pairs (promotion)
BINARY_CASES = ([(op, pair) for pair in (("float32", "float32"), ("int64", "int64"), ("uint8", "int8"),
                                         ("bool", "bool")) for op in BINARY_OPS] +
                [(op, pair) for pair in (("float32", "int64"), ("int32", "float64"), ("float16", "int16"))
                 for op in ARITH + ["maximum", "atan2", "remainder", "floor_divide"]])


@pytest.mark.parametrize("op, pair", BINARY_CASES, ids=[f"{o}-{a}-{b}" for o, (a, b) in BINARY_CASES])
def test_binary_dtype_pairs(op, pair):
    rtol = 5e-3 if "float16" in pair else None
    nc = pair in (("float32", "float32"), ("int64", "int64"))
    check(op, [(3, 4), (4,)], pair, allow_raise=True, noncontiguous=nc, rtol=rtol,
          nonzero=op in ("div", "floor_divide", "remainder", "fmod"))






@pytest.mark.parametrize("scalar", [2, 2.5, True], ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16"])
@pytest.mark.parametrize("op", ARITH)
def test_binary_tensor_scalar(op, dtype, scalar):
    check(op, [(3, 4), scalar], dtype, allow_raise=True, noncontiguous=_nc(dtype))


def test_binary_tensor_negative_and_zero_scalars():
    for op in ("add", "sub", "mul"):
        check(op, [(3, 4), -3], "int64")
        check(op, [(3, 4), 0], "uint8", noncontiguous=False)
        check(op, [(3, 4), -1.5], "float32")
    check("div", [(3, 4), -3], "int64")
    check("div", [(3, 4), 0], "float32", noncontiguous=False)


ARITH_SYMS = ["+", "-", "*", "/", "//", "%", "**", "==", "<", ">"]  # the rest of the comparisons: below


def _operator(template: str, sym: str):
    """fn(lib, a, s) evaluating template ('a {sym} s' or 's {sym} a') with the operator sym."""
    expr = template.format(sym=sym)
    fn = eval(f"lambda lib, a, s: {expr}")
    fn.__name__ = " ".join({"a": "tensor", "s": "scalar"}.get(w, w) for w in expr.split())
    return fn


OPERATOR_SCALAR_CASES = [(d, s) for d in ("float32", "int64", "bool") for s in (2, 2.5, True)
                         if not (d == "float32" and s is True)]


@pytest.mark.parametrize("dtype, scalar", OPERATOR_SCALAR_CASES, ids=[f"{d}-{s!r}" for d, s in OPERATOR_SCALAR_CASES])
@pytest.mark.parametrize("sym", ARITH_SYMS)
def test_arith_operators_with_scalars_on_both_sides(sym, dtype, scalar):
    opts = dict(positive=sym in ("//", "%", "**", "/"), allow_raise=True, noncontiguous=False)
    check(_operator("a {sym} s", sym), [(3, 4), scalar], dtype, **opts)
    check(_operator("s {sym} a", sym), [(3, 4), scalar], dtype, **opts)




@pytest.mark.parametrize("scalar", [3, True], ids=repr)
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("sym", ["&", "|", "^"])
def test_bitwise_operators_with_scalars_on_both_sides(sym, dtype, scalar):
    check(_operator("a {sym} s", sym), [(3, 4), scalar], dtype, low=0, high=50, noncontiguous=False)
    check(_operator("s {sym} a", sym), [(3, 4), scalar], dtype, low=0, high=50, noncontiguous=False)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("sym", ["<<", ">>"])
def test_shift_operators_with_scalars_on_both_sides(sym, dtype):
    check(_operator("a {sym} s", sym), [(3, 4), 2], dtype, low=0, high=5, noncontiguous=False)
    check(_operator("s {sym} a", sym), [(3, 4), 3], dtype, low=0, high=5, noncontiguous=False)


@pytest.mark.parametrize("sym", ["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>"])
@pytest.mark.parametrize("pair", [("float32", "float32"), ("int64", "int64"), ("int32", "float32"), ("bool", "bool")],
                         ids="-".join)
def test_operators_between_tensors(sym, pair):
    fn = eval(f"lambda lib, a, b: a {sym} b")
    fn.__name__ = f"a {sym} b"
    if sym in ("&", "|", "^", "<<", ">>") and "float32" in pair:
        return check_raises_same(fn, [np.ones((3, 4), pair[0]), np.ones(4, pair[1])])
    opts = dict(allow_raise=True, positive=sym in ("/", "//", "%", "**", "<<", ">>"))
    if sym in ("<<", ">>", "**"):
        opts.update(low=0, high=4)
    check(fn, [(3, 4), (4,)], pair, **opts)


@pytest.mark.parametrize("sym", ["+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", "<<=", ">>="])
@pytest.mark.parametrize("pair", [("float32", "float32"), ("int64", "int64"), ("int64", "float32"),
                                  ("float32", "int64"), ("bool", "bool")], ids="-".join)
def test_inplace_operators(sym, pair):
    ns = {}
    exec(f"def fn(lib, a, b):\n    a {sym} b\n    return a", ns)
    fn = ns["fn"]
    fn.__name__ = f"a {sym} b"
    if sym in ("&=", "|=", "^=", "<<=", ">>=") and "float32" in pair:
        return check_raises_same(fn, [np.ones((3, 4), pair[0]), np.ones(4, pair[1])])
    check(fn, [(3, 4), (4,)], pair, allow_raise=True, low=0, high=4, positive=True)




def test_add_sub_alpha():
    check("add", [(3, 4), (3, 4)], "float32", kwargs=dict(alpha=2.5))
    check("sub", [(3, 4), (4,)], "int64", kwargs=dict(alpha=3))
    check("add", [(3, 4), 2], "int64", kwargs=dict(alpha=-2))
    check("Tensor.add_", [(3, 4), (4,)], "float32", kwargs=dict(alpha=0.5))
    check_raises_same("add", [np.arange(3), np.arange(3)], dict(alpha=1.5))
    check_raises_same("sub", [np.array([True]), np.array([False])])
    check_raises_same("sub", [np.array([1.5]), np.array([True])])
    check("rsub", [(3, 4), (3, 4)], "float32")
    check("rsub", [(3, 4), 2], "int64", kwargs=dict(alpha=2))


def test_inplace_broadcast_shape_errors():
    check_raises_same("Tensor.add_", [np.zeros(4, np.float32), np.zeros((3, 4), np.float32)])
    check_raises_same("Tensor.mul_", [np.zeros((1, 4), np.float32), np.zeros((3, 1), np.float32)])
    check_raises_same("add", [np.zeros(3, np.float32), np.zeros(4, np.float32)])


# -- division, remainder and fmod -----------------------------------------------------
DIVIDENDS = np.array([-7, -6, -5, -1, 0, 1, 5, 6, 7, 13, -13])
DIVISORS = np.array([2, -2, 3, -3, 5, -5, 1, -1, 4, -4, 7])


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8", "float32", "float64", "bool"])
def test_div_rounding_modes_negative_operands(mode, dtype):
    a, b = DIVIDENDS, DIVISORS
    if dtype == "uint8":
        a, b = np.abs(a), np.abs(b)
    if dtype == "bool":
        a, b = a != 0, np.ones_like(b, dtype=bool)
        if mode is not None:
            return check_raises_same("div", [a, b], dict(rounding_mode=mode))
    check("div", [a, b], dtype, kwargs=dict(rounding_mode=mode), noncontiguous=_nc(dtype))
    check("div", [a, 3], dtype, kwargs=dict(rounding_mode=mode), noncontiguous=False)
    check("div", [a, -2.5], dtype, kwargs=dict(rounding_mode=mode), noncontiguous=False, allow_raise=True)
    check("Tensor.div_", [a, b], dtype, kwargs=dict(rounding_mode=mode), allow_raise=True, noncontiguous=False)


def test_div_float_fractions():
    a = np.array([-7.5, -2.25, 0.75, 5.5, -0.5, 3.0])
    b = np.array([2.0, -0.5, 0.25, -1.5, 0.3, -3.0])
    for mode in (None, "trunc", "floor"):
        check("div", [a, b], "float32", kwargs=dict(rounding_mode=mode))
        check("div", [a, b], "float64", kwargs=dict(rounding_mode=mode))


def test_div_by_zero():
    a = np.array([-1.0, 0.0, 1.0])
    for mode in (None, "trunc", "floor"):
        check("div", [a, np.zeros(3)], "float32", kwargs=dict(rounding_mode=mode))
    check("remainder", [a, np.zeros(3)], "float32")
    check("fmod", [a, np.zeros(3)], "float32")
    for mode in ("trunc", "floor"):
        check_raises_same("div", [np.array([1, 2]), np.array([1, 0])], dict(rounding_mode=mode))
        check_raises_same("div", [np.array([1, 2]), 0], dict(rounding_mode=mode))
    check_raises_same("remainder", [np.array([1, 2]), np.array([0, 1])])
    check_raises_same("fmod", [np.array([1, 2]), 0])
    check_raises_same(lambda lib, a: a // 0, [np.array([3, 4])])
    check("div", [np.array([1, 2]), np.array([0, 1])], "int64")


def test_div_bad_rounding_mode():
    check_raises_same("div", [np.array([1.0]), np.array([2.0])], dict(rounding_mode="round"))


@pytest.mark.parametrize("op", ["remainder", "fmod"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "float32", "float64"])
def test_remainder_fmod_sign_rules(op, dtype):
    check(op, [DIVIDENDS, DIVISORS], dtype, noncontiguous=dtype in ("float32", "int64"))
    check(op, [DIVIDENDS, -3], dtype, noncontiguous=False)
    check(op, [DIVIDENDS, 2.5], dtype, noncontiguous=False)
    check(f"Tensor.{op}_", [DIVIDENDS, DIVISORS], dtype, noncontiguous=False)


def test_remainder_float_fractions():
    a = np.array([-7.5, -2.25, 0.75, 5.5, -0.5, 3.0, -3.0, 1e-3])
    b = np.array([2.0, -0.5, 0.25, -1.5, 0.3, -3.0, 3.0, -1.0])
    for op in ("remainder", "fmod"):
        check(op, [a, b], "float32", atol=1e-6)
        check(op, [a, b], "float64")
    check(lambda lib, a: -5 % a, [np.array([3.0, -3.0, 2.5])], "float32")
    check(lambda lib, a: 7 % a, [np.array([3, -3, 4])], "int64")


def test_remainder_scalar_first():
    check("remainder", [7, (3, 4)], "int64", nonzero=True)
    check("remainder", [-2.5, (3, 4)], "float32", nonzero=True)


# -- pow ------------------------------------------------------------------------------
def test_pow_float():
    check("pow", [(3, 4), (3, 4)], "float32", positive=True, high=3)
    check("pow", [(3, 4), 2], "float32")
    check("pow", [(3, 4), 0.5], "float32", positive=True)
    check("pow", [(3, 4), -1.5], "float64", positive=True)
    check("pow", [(3, 4), 3], "float16", noncontiguous=False, rtol=5e-3)


@pytest.mark.parametrize("exponent", [3, 2, 0.5, 0, -1, -2, 2.5, -0.5, INF, -INF, NAN], ids=repr)
def test_pow_special_values(exponent):
    check("pow", [SPECIAL, exponent], "float32", noncontiguous=False)
    check("pow", [exponent, SPECIAL], "float32", noncontiguous=False)



def test_pow_integers():
    base = np.array([-3, -2, -1, 0, 1, 2, 3, 5])
    exps = np.array([0, 1, 2, 3, 4, 5, 6, 2])
    for dtype in ("int64", "int32", "int8", "uint8", "int16"):
        b = np.abs(base) if dtype == "uint8" else base
        check("pow", [b, exps], dtype, noncontiguous=_nc(dtype))
        check("pow", [b, 3], dtype, noncontiguous=False)
    check("pow", [base, 2.5], "int64", allow_raise=True)
    check("pow", [np.abs(base), 0.5], "int64")
    check("pow", [base, exps], ("int64", "float32"))
    check("pow", [base, exps], ("float32", "int64"))
    check_raises_same("pow", [base, -1])
    check_raises_same("pow", [base, -2])


def test_pow_bool_base_int_exponent():
    check("pow", [np.array([True, False]), 2], "bool")
    check("pow", [np.array([True, False]), np.array([2, 3])], ("bool", "int64"))


def test_pow_bool_tensors():
    check_raises_same("pow", [np.array([True, False]), np.array([True, True])])


def test_pow_scalar_base():
    check("pow", [2, (3, 4)], "float32")
    check("pow", [2, np.array([0, 1, 2, 10])], "int64")
    check("pow", [2.5, np.array([0, 1, 2, 3])], "int64")
    check("pow", [-2, np.array([0, 1, 3])], "int64")
    check(lambda lib, a: 2 ** a, [np.array([0, 1, 2, 10])], "int64")
    check(lambda lib, a: 0.5 ** a, [(3, 4)], "float32")


def test_pow_inplace_and_float_power():
    check("Tensor.pow_", [(3, 4), 2], "float32")
    check("Tensor.pow_", [(3, 4), 2], "int64")
    check_raises_same("Tensor.pow_", [np.arange(4), 0.5])
    check("float_power", [(3, 4), 2], "float32")
    check("float_power", [np.array([1, 2, 3]), np.array([2, 0, 1])], "int64")
    check("float_power", [(3, 4), (4,)], ("float32", "int32"), positive=True)


# -- comparisons ----------------------------------------------------------------------
COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge", "less", "less_equal", "greater", "greater_equal", "not_equal"]


@pytest.mark.parametrize("op", COMPARISONS)
def test_comparisons(op):
    check(op, [(4, 5), (5,)], "float32", int_valued=True, low=-2, high=2)
    check(op, [(4, 5), (4, 5)], "int64", low=-2, high=2, noncontiguous=True)
    check(op, [(4, 5), (4, 5)], ("int64", "float32"), int_valued=True, low=-2, high=2, noncontiguous=False)
    check(op, [(4, 5), 1], "float32", int_valued=True, low=-2, high=2)
    check(op, [(4, 5), 0.5], "int64")
    check(op, [(4, 5), (5,)], "bool")
    check(op, [(4, 5), (4, 5)], ("uint8", "int8"), low=-3, high=3, noncontiguous=False)


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_nan(op):
    a = np.array([NAN, NAN, 1.0, INF, -INF, 0.0, -0.0])
    b = np.array([NAN, 1.0, NAN, INF, INF, -0.0, 0.0])
    check(op, [a, b], "float32")
    check(op, [a, NAN], "float32")


@pytest.mark.parametrize("op", ["eq_", "ne_", "lt_", "le_", "gt_", "ge_"])
@pytest.mark.parametrize("pair", [("float32", "float32"), ("int64", "int64"), ("int64", "float32")], ids="-".join)
def test_comparisons_inplace(op, pair):
    check(f"Tensor.{op}", [(4, 5), (5,)], pair, int_valued=True, low=-2, high=2, allow_raise=True)


def test_uint8_against_negative_scalar():
    check("lt", [(3, 4), -1], "uint8", noncontiguous=False)
    check("eq", [(3, 4), 256], "uint8", noncontiguous=False)
    check("ge", [(3, 4), 3.5], "uint8", noncontiguous=False)


# -- logical and bitwise --------------------------------------------------------------
@pytest.mark.parametrize("op", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("pair", [("bool", "bool"), ("float32", "int64"), ("int64", "int64"), ("uint8", "bool")],
                         ids="-".join)
def test_logical(op, pair):
    check(op, [(4, 5), (5,)], pair, int_valued=True, low=-1, high=1, noncontiguous=pair == ("bool", "bool"))


@pytest.mark.parametrize("op", ["logical_and_", "logical_or_", "logical_xor_"])
@pytest.mark.parametrize("dtype", ["bool", "float32", "int64"])
def test_logical_inplace(op, dtype):
    check(f"Tensor.{op}", [(4, 5), (4, 5)], dtype, int_valued=True, low=-1, high=1)


@pytest.mark.parametrize("op", ["bitwise_and", "bitwise_or", "bitwise_xor"])
@pytest.mark.parametrize("pair", [("bool", "bool"), ("int64", "int64"), ("int32", "int8"), ("uint8", "uint8"),
                                  ("int16", "bool"), ("float32", "int64")], ids="-".join)
def test_bitwise(op, pair):
    check(op, [(4, 5), (5,)], pair, low=-100, high=100, allow_raise=True,
          noncontiguous=pair in (("bool", "bool"), ("int64", "int64")))
    check(op, [(4, 5), 6], pair[0], low=-100, high=100, allow_raise=True, noncontiguous=False)
    check(op, [(4, 5), True], pair[0], low=-100, high=100, allow_raise=True, noncontiguous=False)


@pytest.mark.parametrize("op", ["bitwise_left_shift", "bitwise_right_shift"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool", "float32"])
def test_shifts(op, dtype):
    a = np.array([-100, -7, -1, 0, 1, 5, 63, 100])
    if dtype == "uint8":
        a = np.abs(a)
    if dtype == "bool":
        a = a > 0
    s = np.array([0, 1, 2, 3, 4, 5, 6, 1])
    check(op, [a, s if dtype != "bool" else s > 2], dtype, allow_raise=True, noncontiguous=_nc(dtype))
    check(op, [a, 2], dtype, allow_raise=True, noncontiguous=False)


@pytest.mark.parametrize("op", ["bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_",
                                "bitwise_right_shift_"])
def test_bitwise_inplace(op):
    check(f"Tensor.{op}", [(3, 4), (4,)], "int64", low=0, high=5)


@pytest.mark.parametrize("op", ["bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_",
                                "bitwise_right_shift_"])
def test_bitwise_inplace_bool(op):
    check(f"Tensor.{op}", [(3, 4), (4,)], "bool", allow_raise=True)




# -- clamp ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "int64", "float64", "int8", "uint8"])
def test_clamp_scalar_bounds(dtype):
    nc = _nc(dtype)
    check("clamp", [(4, 5), -1, 2], dtype, noncontiguous=nc)
    check("clamp", [(4, 5)], dtype, kwargs=dict(min=0), noncontiguous=nc)
    check("clamp", [(4, 5)], dtype, kwargs=dict(max=1), noncontiguous=nc)
    check("clamp", [(4, 5), 2, -1], dtype, noncontiguous=False)
    check("clamp", [(4, 5), -1.5, 2.5], dtype, noncontiguous=False)
    check("clip", [(4, 5), -1, 2], dtype, noncontiguous=False)
    check("clamp_min", [(4, 5), 0], dtype, noncontiguous=False)
    check("clamp_max", [(4, 5), 0], dtype, noncontiguous=False)
    check("Tensor.clamp_", [(4, 5), -1, 2], dtype, noncontiguous=False)


def test_clamp_tensor_bounds():
    check("clamp", [(4, 5), (5,), (4, 1)], "float32", kwargs=dict())
    check(lambda lib, x, lo: lib.clamp(x, min=lo), [(4, 5), (5,)], "float32")
    check(lambda lib, x, hi: lib.clamp(x, max=hi), [(4, 5), (5,)], "int64")
    check("clamp", [(4, 5), (5,), (4, 1)], ("int64", "float32", "int64"))
    check("clamp", [(4, 5), np.full(5, 1.0), np.full(5, -1.0)], "float32")
    check("Tensor.clamp_", [(4, 5), (5,), (4, 1)], "float32")


def test_clamp_nan_input():
    vals = np.array([NAN, -INF, INF, 0.5, -3.0])
    check("clamp", [vals, -1, 1], "float32")
    check("clamp", [vals, np.full(5, -1.0), np.full(5, 1.0)], "float32")


def test_clamp_nan_bound():
    vals = np.array([NAN, -INF, INF, 0.5, -3.0])
    check("clamp", [vals, np.full(5, NAN), np.full(5, 1.0)], "float32")
    check("clamp", [vals, np.full(5, NAN)], "float32")

def test_clamp_errors():
    check_raises_same("clamp", [np.zeros(3, np.float32)])
    check_raises_same("clamp", [np.zeros(3, np.float32), None, None])


# -- where, lerp, addcmul, addcdiv ----------------------------------------------------
def test_where():
    check("where", [(4, 5), (4, 5), (4, 5)], ("bool", "float32", "float32"))
    check("where", [(4, 1), (5,), ()], ("bool", "float32", "float32"))
    check("where", [(4, 5), (4, 5), (5,)], ("bool", "int64", "float32"))
    check("where", [(4, 5), (4, 5), 0.0], ("bool", "float32", None))
    check("where", [(4, 5), (4, 5), 2.5], ("bool", "int64", None))
    check("where", [(4, 5), 1, (4, 5)], ("bool", None, "int32"))
    check("where", [(4, 5), (4, 5), (4, 5)], ("bool", "uint8", "int8"))
    check("where", [(4, 5), (4, 5), (4, 5)], ("bool", "bool", "bool"))
    check(lambda lib, c, a, b: lib.where(c > 0, a, b), [(3, 4), (3, 4), (3, 4)], "float32")
    check(lambda lib, c, a, b: a.where(c, b), [(3, 4), (3, 4), (4,)], ("bool", "float32", "float32"))


@pytest.mark.filterwarnings("ignore:where received a uint8 condition tensor")
def test_where_condition_dtypes():
    check("where", [(3, 4), (3, 4), (3, 4)], ("uint8", "float32", "float32"), low=0, high=2, allow_raise=True)
    check_raises_same("where", [np.ones(3, np.float32), np.ones(3, np.float32), np.ones(3, np.float32)])
    check_raises_same("where", [np.ones(3, np.int64), np.ones(3, np.float32), np.ones(3, np.float32)])


def test_lerp():
    check("lerp", [(4, 5), (4, 5), 0.3], "float32")
    check("lerp", [(4, 5), (5,), (4, 1)], "float32")
    check("lerp", [(4, 5), (4, 5), 0.75], "float64")
    check("lerp", [(4, 5), (4, 5), (4, 5)], "float32", low=0, high=1)
    check("Tensor.lerp_", [(4, 5), (5,), 0.25], "float32")
    check("Tensor.lerp_", [(4, 5), (5,), (4, 5)], "float32")
    check("lerp", [(4, 5), (4, 5), 0.5], "float16", rtol=5e-3, noncontiguous=False)


def test_lerp_mixed_float_dtypes_raise():
    check_raises_same("lerp", [np.ones(3, np.float32), np.ones(3, np.float64), 0.5])


def test_lerp_integers_raise():
    check_raises_same("lerp", [np.ones(3, np.int64), np.ones(3, np.int64), 0.5])


@pytest.mark.parametrize("value", [1, 0.5, -2])
def test_addcmul_addcdiv(value):
    check("addcmul", [(4, 5), (4, 5), (5,)], "float32", kwargs=dict(value=value))
    check("addcdiv", [(4, 5), (4, 5), (5,)], "float32", kwargs=dict(value=value), nonzero=True)
    check("addcmul", [(4, 5), (4, 5), (4, 5)], "int64", kwargs=dict(value=value), allow_raise=True)
    check("Tensor.addcmul_", [(4, 5), (4, 5), (5,)], "float32", kwargs=dict(value=value))
    check("Tensor.addcdiv_", [(4, 5), (4, 5), (5,)], "float32", kwargs=dict(value=value), nonzero=True)


def test_addcmul_addcdiv_dtypes():
    check("addcmul", [(4, 5), (4, 5), (4, 5)], ("float32", "int64", "float32"), allow_raise=True)
    check("addcmul", [(4, 5), (4, 5), (4, 5)], ("int64", "int64", "float32"), allow_raise=True)
    check_raises_same("addcdiv", [np.ones(3, np.int64), np.ones(3, np.int64), np.ones(3, np.int64)])


# -- isclose, allclose, equal, maximum/minimum ----------------------------------------
def test_isclose():
    a = np.array([1.0, 1.0 + 1e-6, 1.0 + 1e-4, NAN, INF, -INF, INF, 0.0, 1e-9])
    b = np.array([1.0, 1.0, 1.0, NAN, INF, INF, 1e30, 1e-9, 0.0])
    check("isclose", [a, b], "float32", noncontiguous=True)
    check("isclose", [a, b], "float64", kwargs=dict(equal_nan=True))
    check("isclose", [a, b], "float32", kwargs=dict(rtol=1e-3, atol=0.0))
    check("isclose", [np.array([1, 2, 3]), np.array([1, 3, 3])], "int64")
    check("isclose", [np.array([1, 2, 3]), np.array([1, 3, 3])], "int64", kwargs=dict(atol=1, rtol=0))
    check("isclose", [np.array([True, False]), np.array([True, True])], "bool")
    check_raises_same("isclose", [np.ones(3, np.float32), np.ones(3, np.float64)])


def test_allclose_equal():
    a = np.array([1.0, 2.0, NAN])
    check("allclose", [a, a], "float32")
    check("allclose", [a, a], "float32", kwargs=dict(equal_nan=True))
    check("allclose", [(3, 4), (3, 4)], "float32")
    check("equal", [(3, 4), (3, 4)], "int64")
    check("equal", [np.arange(6), np.arange(6)], "int64")
    check("equal", [np.arange(6), np.arange(5)], "int64")
    check(lambda lib, a: lib.equal(a, a), [(3, 4)], "float32")


@pytest.mark.parametrize("op", ["maximum", "minimum", "fmax", "fmin"])
def test_maximum_minimum_nan(op):
    a = np.array([NAN, 1.0, NAN, -INF, 0.0, -0.0, 3.0])
    b = np.array([1.0, NAN, NAN, INF, -0.0, 0.0, -3.0])
    check(op, [a, b], "float32")
    check(op, [a, b], "float64", noncontiguous=False)
    check_raises_same(op, [np.ones(3, np.float32), 1.0])


def test_float_binary_special():
    a = np.array([0.0, 0.0, 1.0, -1.0, NAN, 2.0, -0.0, INF])
    b = np.array([0.0, 1.0, 0.0, -0.0, 1.0, NAN, -1.0, INF])
    for op in ("atan2", "hypot", "copysign", "xlogy"):
        check(op, [a, b], "float32")
        check(op, [a, b], "float64", noncontiguous=False)
    check("xlogy", [(3, 4), (4,)], "float32", positive=True)
    check("xlogy", [(3, 4), 2.5], "float32")
    check("arctan2", [(3, 4), (4,)], "float32")


@pytest.mark.parametrize("op", ["atan2_", "hypot_", "copysign_", "xlogy_"])
def test_float_binary_inplace(op):
    check(f"Tensor.{op}", [(3, 4), (4,)], "float32", positive=True)
    check_raises_same(f"Tensor.{op}", [np.ones((3, 4), np.int64), np.ones(4, np.int64)])


# -- type promotion -------------------------------------------------------------------
PROMOTION_DTYPES = list(ALL_DTYPES)


def _example(dtype, lib, zero_dim=False):
    shape = () if zero_dim else (2,)
    return lib.zeros(shape, dtype=getattr(lib, dtype))


@pytest.mark.parametrize("a", PROMOTION_DTYPES)
def test_promote_types_table(a):
    for b in PROMOTION_DTYPES:
        got = cltorch.promote_types(getattr(cltorch, a), getattr(cltorch, b))
        want = torch.promote_types(getattr(torch, a), getattr(torch, b))
        assert str(got) == str(want).replace("torch.", "cltorch."), (a, b)


@pytest.mark.parametrize("a", PROMOTION_DTYPES)
def test_result_type_dims_and_zero_dim(a):
    for b in PROMOTION_DTYPES:
        for za, zb in ((False, False), (False, True), (True, False), (True, True)):
            check_same(lambda lib: lib.result_type(_example(a, lib, za), _example(b, lib, zb)))


@pytest.mark.parametrize("a", PROMOTION_DTYPES)
def test_result_type_with_scalars(a):
    for scalar in (1, -1, 2.5, True, False, 300, -(2 ** 40)):
        for zero_dim in (False, True):
            check_same(lambda lib: lib.result_type(_example(a, lib, zero_dim), scalar))
            check_same(lambda lib: lib.result_type(scalar, _example(a, lib, zero_dim)))


def test_result_type_default_dtype_float64(restore_default_dtype):
    for lib in (torch, cltorch):
        lib.set_default_dtype(lib.float64)
    try:
        for a in PROMOTION_DTYPES:
            check_same(lambda lib: lib.result_type(_example(a, lib), 2.5))
        check_same(lambda lib: lib.tensor([1, 2]) / 2)
        check_same(lambda lib: lib.tensor([1, 2]).exp())
        check_same(lambda lib: lib.tensor([1, 2]) * 1.5)
    finally:
        torch.set_default_dtype(torch.float32)


def test_can_cast_table():
    for a in PROMOTION_DTYPES:
        for b in PROMOTION_DTYPES:
            assert cltorch.can_cast(getattr(cltorch, a), getattr(cltorch, b)) == \
                torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


PROMOTION_OP_CASES = [
    # (shapes, dtypes): results of add follow result_type across dims, 0-d tensors and scalars
    ([(3,), ()], ("int32", "int64")), ([(3,), ()], ("int32", "float64")), ([(3,), ()], ("uint8", "int8")),
    ([(3,), ()], ("float16", "float64")), ([(), (3,)], ("float64", "int8")), ([(3,), ()], ("bool", "int64")),
    ([(3,), (3,)], ("uint8", "int8")), ([(3,), (3,)], ("int16", "uint8")), ([(3,), (3,)], ("float16", "int64")),
    ([(3,), 7], ("int8", None)), ([(3,), 2.5], ("int32", None)), ([(3,), 2.5], ("float16", None)),
    ([(3,), True], ("uint8", None)), ([(3,), 1000], ("int8", None)), ([(3,), 2.5], ("bool", None)),
    ([(), 2.5], ("int64", None)), ([(), ()], ("int8", "float64")),
]


@pytest.mark.parametrize("shapes, dtypes", PROMOTION_OP_CASES, ids=str)
def test_promotion_in_ops(shapes, dtypes):
    check("add", shapes, dtypes, noncontiguous=False, low=0, high=5)
    check("mul", shapes, dtypes, noncontiguous=False, low=0, high=5)


INPLACE_CAST_CASES = [
    (lambda lib: lib.zeros(3, dtype=lib.int64).add_(1.5), "int.add_(1.5)"),
    (lambda lib: lib.zeros(3, dtype=lib.int32).mul_(lib.ones(3)), "int.mul_(float tensor)"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).div_(2), "int.div_(2)"),
    (lambda lib: lib.zeros(3, dtype=lib.bool).add_(1), "bool.add_(1)"),
    (lambda lib: lib.zeros(3, dtype=lib.bool).mul_(lib.ones(3, dtype=lib.int8)), "bool.mul_(int8)"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).exp_(), "int.exp_()"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).clamp_(0.5, 1.5), "int.clamp_(float bounds)"),
    (lambda lib: lib.zeros(3, dtype=lib.uint8).add_(lib.zeros(3, dtype=lib.float16)), "uint8.add_(half)"),
    (lambda lib: lib.zeros(3, dtype=lib.int64).lerp_(lib.ones(3, dtype=lib.int64), 0.5), "int.lerp_"),
    (lambda lib: lib.zeros(3, dtype=lib.int16).pow_(0.5), "int.pow_(0.5)"),
]


@pytest.mark.parametrize("fn", [c[0] for c in INPLACE_CAST_CASES], ids=[c[1] for c in INPLACE_CAST_CASES])
def test_inplace_cast_errors(fn):
    check_raises_same(fn)


INPLACE_ALLOWED = [
    (lambda lib: lib.zeros(3, dtype=lib.float32).add_(lib.ones(3, dtype=lib.float64)), "float.add_(double)"),
    (lambda lib: lib.zeros(3, dtype=lib.uint8).add_(lib.ones(3, dtype=lib.int8)), "uint8.add_(int8)"),
    (lambda lib: lib.zeros(3, dtype=lib.int8).add_(300), "int8.add_(300)"),
    (lambda lib: lib.ones(3, dtype=lib.float16).mul_(2.5), "half.mul_(2.5)"),
    (lambda lib: lib.ones(3, dtype=lib.int32).add_(True), "int.add_(True)"),
    (lambda lib: lib.ones(3, dtype=lib.float32).add_(lib.tensor(2.5, dtype=lib.float64)), "float.add_(0-d double)"),
]


@pytest.mark.parametrize("fn", [c[0] for c in INPLACE_ALLOWED], ids=[c[1] for c in INPLACE_ALLOWED])
def test_inplace_casts_allowed(fn):
    check_same(fn)


# -- repr and str ---------------------------------------------------------------------
REPR_CASES = [
    "lib.tensor([1, 2, 3])", "lib.tensor([[1, -2], [30, 4]])", "lib.tensor([1.5, -2.25, 3.0])",
    "lib.tensor([1.0, 2.0, 3.0])", "lib.tensor([True, False])", "lib.tensor(3)", "lib.tensor(2.5)",
    "lib.tensor(True)", "lib.tensor(-0.0)", "lib.tensor([])", "lib.zeros(0, 3)", "lib.zeros(0, dtype=lib.int64)",
    "lib.zeros(2, 0, dtype=lib.bool)", "lib.tensor([[]])", "lib.tensor([1.0, 2.0], dtype=lib.float64)",
    "lib.tensor([[1.5]], dtype=lib.float64)", "lib.tensor([1.5, 2.0], requires_grad=True)",
    "lib.tensor([2.5], requires_grad=True, dtype=lib.float64)", "lib.tensor([[1, 2], [3, 4]], dtype=lib.int32)",
    "lib.tensor([1, 2], dtype=lib.int8)", "lib.tensor(3, dtype=lib.int16)", "lib.zeros(2, 3, dtype=lib.uint8)",
    "lib.tensor([0.1, 0.25], dtype=lib.float16)", "lib.tensor([65504.0], dtype=lib.float16)",
    "lib.tensor([1e-5, 1.0, 1e5])", "lib.tensor([1e10, 1.0])", "lib.tensor([0.001, 1000.0])",
    "lib.tensor([0.0001, 1.0])", "lib.tensor([1e8, 1.5])", "lib.tensor([float('nan'), float('inf'), 1.5])",
    "lib.tensor([0.0, 0.0])", "lib.tensor([-1.5, 0.0])", "lib.tensor([1e-5, 0.0])", "lib.tensor([100.0, -0.0])",
    "lib.tensor([0.5, 1000.0])", "lib.tensor([-5, 10])", "lib.tensor([[-1.0, 2.5], [3.0, 4.0]])",
    "lib.tensor([1e9])", "lib.tensor([[[1, 2]], [[3, 4]]])", "lib.tensor(1e-6)", "lib.tensor(123456.0)",
    "lib.ones(2, 3, 4)", "lib.ones(40)", "lib.arange(30)", "lib.arange(2000)", "lib.tensor([0.1] * 30)",
    "lib.full((1001,), 2)", "lib.linspace(0, 1, 100)", "lib.tensor([-2.0])",
    "lib.tensor([-0.0, 1.0])", "lib.tensor([-0.0, 0.0])", "lib.tensor([float('nan'), 0.0])",
    "lib.tensor([float('-inf'), 2.0])", "lib.tensor([2.0, float('nan')])",
    "lib.tensor([1.0, 1001.0])", "lib.arange(2000.0)",
]
REPR_XFAIL: dict = {}
REPR_PARAMS = [pytest.param(c, id=c) for c in REPR_CASES] + [
    pytest.param(c, id=c, marks=pytest.mark.xfail(strict=True, reason=r)) for c, r in REPR_XFAIL.items()]


@pytest.mark.parametrize("expr", REPR_PARAMS)
def test_repr_matches_torch(expr):
    t = eval(expr, {"lib": torch})
    c = eval(expr, {"lib": cltorch})
    want = repr(t).replace("torch.", "cltorch.")
    assert repr(c) == want
    assert str(c) == str(t).replace("torch.", "cltorch.")


def test_repr_of_dtypes_and_sizes():
    for name in ALL_DTYPES:
        assert repr(getattr(cltorch, name)) == repr(getattr(torch, name)).replace("torch.", "cltorch.")
        assert str(getattr(cltorch, name)) == str(getattr(torch, name)).replace("torch.", "cltorch.")
    assert repr(cltorch.zeros(2, 3).shape) == repr(torch.zeros(2, 3).shape).replace("torch.", "cltorch.")
    assert repr(cltorch.zeros(()).shape) == repr(torch.zeros(()).shape).replace("torch.", "cltorch.")
    assert str(cltorch.device("cpu")) == str(torch.device("cpu"))
    assert repr(cltorch.device("cpu")) == repr(torch.device("cpu"))


def test_format_of_0d():
    for expr in ("lib.tensor(2.5)", "lib.tensor(3)", "lib.tensor(True)"):
        t, c = eval(expr, {"lib": torch}), eval(expr, {"lib": cltorch})
        assert f"{c}" == f"{t}".replace("torch.", "cltorch.")
        if expr != "lib.tensor(True)":
            assert f"{c:.3f}" == f"{t:.3f}"
