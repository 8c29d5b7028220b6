"""Elementwise functions: dtype promotion, broadcasting and the kernel call.

Every op here runs one kernel from unary.cl, binary.cl or ternary.cl on the
tensors' device; Python numbers go to the kernel as scalar arguments.
"""
from __future__ import annotations

import numbers

from . import _dtype
from . import _promotion as P
from ._registry import ALL, FLOAT, INT, NUMERIC, mark_backward, register
from ._shape_utils import broadcast_shapes, broadcast_strides
from . import _elementwise_grads as G
from . import _fastpath
from ._tensor_autograd import adopt_inplace
from .autograd.graph import needs_grad
from .ops import elementwise as ew
from .tensor import Tensor, _alloc


__all__ = []  # filled at the bottom with every public function of this module


# -- helpers -------------------------------------------------------------------
def _is_number(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, Tensor)


def _device_of(*xs):
    devs = [x.device for x in xs if isinstance(x, Tensor) and x.dim() > 0]
    devs = devs or [x.device for x in xs if isinstance(x, Tensor)]
    return devs[0]


def _same_device(xs, dev):
    """Move 0-d tensors of another device (as torch allows); refuse anything else."""
    out = []
    for x in xs:
        if isinstance(x, Tensor) and x.device != dev:
            if x.dim() == 0:
                x = x.to(dev)
            else:
                raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                                   f"devices, {dev} and {x.device}!")
        out.append(x)
    return out


def _view(t: Tensor, shape):
    return (t, broadcast_strides(t, shape))


def _write_out(out: Tensor, result: Tensor) -> Tensor:
    """Store result into a user-given out= tensor (resizing an empty one, as torch)."""
    out._resize_for_out(result._shape)
    return out.copy_(result)


def _as_operand_tensor(value, dtype, dev) -> Tensor:
    """A 0-d device tensor holding a Python number (made by a fill kernel, no transfer)."""
    from ._creation import full
    return full((), value, dtype=dtype, device=dev)


def _not_implemented(kernel: str, d) -> NotImplementedError:
    """torch's error for a kernel that has no variant for dtype d."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{P.torch_name(d)}'")


def _check_div_error(rt) -> None:
    if rt.take_error():
        raise RuntimeError("ZeroDivisionError: integer division or remainder by zero")


# -- unary ---------------------------------------------------------------------
def _unary(op, x: Tensor, *, float_op: bool, out_dtype=None, params=(), out=None, inplace=False,
           name=None):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name or op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    ct = P.float_result(x.dtype) if float_op else x.dtype
    res_dtype = out_dtype or ct
    if inplace:
        P.check_inplace_cast(res_dtype, x.dtype)
        if needs_grad(x):
            # work on a clone: the formula may save the input, which the copy-back overwrites
            return adopt_inplace(x, _unary(op, x.clone(), float_op=float_op, out_dtype=out_dtype, params=params))
        target = x
    elif res_dtype is x.dtype:
        target = _fastpath.dense(x._shape, res_dtype, x.device, x._storage.runtime)
    else:
        target = _alloc(x._shape, res_dtype, x.device)
    ew.unary(op, target, (x, x._stride), ct, *params)
    if inplace:
        x._bump_version()
    elif needs_grad(x) and res_dtype.is_floating_point:
        G.record_unary(op, x, target, params)
    return _write_out(out, target) if out is not None else target


def _reject_bool(x: Tensor, what: str) -> None:
    if x.dtype is _dtype.bool_:
        raise RuntimeError(f"{what} is not supported for bool tensors")


_FLOAT_UNARY = ("exp exp2 log log2 log10 log1p expm1 sqrt rsqrt sin cos tan asin acos atan sinh cosh tanh "
                "asinh acosh atanh sigmoid erf erfc reciprocal").split()
_ROUNDING = "floor ceil trunc frac".split()


def _make_float_unary(op):
    def fn(input, *, out=None):
        return _unary(op, input, float_op=True, out=out)

    def fn_(self):
        return _unary(op, self, float_op=True, inplace=True)

    fn.__name__, fn_.__name__ = op, op + "_"
    fn.__doc__ = f"Elementwise {op}; integer inputs give the default float dtype."
    fn_.__doc__ = f"In-place {op}."
    return fn, fn_


def _make_rounding(op):
    def check(x):
        if op == "frac" and not x.dtype.is_floating_point:
            raise _not_implemented("frac_cpu", x.dtype)

    def fn(input, *, out=None):
        check(input)
        if not input.dtype.is_floating_point:
            return input.clone() if out is None else _write_out(out, input)
        return _unary(op, input, float_op=True, out=out)

    def fn_(self):
        check(self)
        if not self.dtype.is_floating_point:
            return self
        return _unary(op, self, float_op=True, inplace=True)

    fn.__name__, fn_.__name__ = op, op + "_"
    fn.__doc__ = f"Elementwise {op} (integers are returned unchanged)."
    fn_.__doc__ = f"In-place {op}."
    return fn, fn_


_generated = {}
for _op in _FLOAT_UNARY:
    _generated[_op], _generated[_op + "_"] = _make_float_unary(_op)
for _op in _ROUNDING:
    _generated[_op], _generated[_op + "_"] = _make_rounding(_op)
globals().update(_generated)


def round(input, *, decimals: int = 0, out=None):
    """Round half to even; with decimals, to that many decimal places."""
    if not input.dtype.is_floating_point:
        return input.clone()
    if decimals:
        return _unary("round_decimals", input, float_op=True, params=(10.0 ** decimals,), out=out)
    return _unary("round", input, float_op=True, out=out)


def round_(self, *, decimals: int = 0):
    """In-place round."""
    if not self.dtype.is_floating_point:
        return self
    if decimals:
        return _unary("round_decimals", self, float_op=True, params=(10.0 ** decimals,), inplace=True)
    return _unary("round", self, float_op=True, inplace=True)


def neg(input, *, out=None):
    """-input."""
    if input.dtype is _dtype.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return _unary("neg", input, float_op=False, out=out)


def neg_(self):
    """In-place negation."""
    _reject_bool(self, "neg_")
    return _unary("neg", self, float_op=False, inplace=True)


negative = neg
negative_ = neg_


def abs(input, *, out=None):
    """|input|."""
    if input.dtype is _dtype.bool_:
        raise _not_implemented("abs_cpu", input.dtype)
    return _unary("abs", input, float_op=False, out=out)


def abs_(self):
    """In-place abs."""
    if self.dtype is _dtype.bool_:
        raise _not_implemented("abs_cpu", self.dtype)
    return _unary("abs", self, float_op=False, inplace=True)


absolute = abs


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element."""
    if input.dtype is _dtype.bool_:
        return input.clone()
    return _unary("sign", input, float_op=False, out=out)


def sign_(self):
    """In-place sign."""
    if self.dtype is _dtype.bool_:
        return self
    return _unary("sign", self, float_op=False, inplace=True)


def square(input, *, out=None):
    """input * input (bool gives int64, as torch)."""
    if input.dtype is _dtype.bool_:
        input = input.long()
    return _unary("square", input, float_op=False, out=out)


def square_(self):
    """In-place square."""
    if self.dtype is _dtype.bool_:
        P.check_inplace_cast(_dtype.int64, self.dtype)
    return _unary("square", self, float_op=False, inplace=True)


def relu(input):
    """max(input, 0)."""
    _reject_bool(input, "relu")
    return _unary("relu", input, float_op=False)


def relu_(self):
    """In-place relu."""
    _reject_bool(self, "relu_")
    return _unary("relu", self, float_op=False, inplace=True)


def logical_not(input, *, out=None):
    """True where input is zero."""
    return _unary("logical_not", input, float_op=False, out_dtype=_dtype.bool_, out=out)


def logical_not_(self):
    """In-place logical_not (stores 0/1 in self's dtype)."""
    return _unary("logical_not", self, float_op=False, out_dtype=self.dtype, inplace=True)


def bitwise_not(input, *, out=None):
    """~input for integers, logical not for bool."""
    if input.dtype.is_floating_point:
        raise _not_implemented("bitwise_not_cpu", input.dtype)
    if input.dtype is _dtype.bool_:
        return logical_not(input, out=out)
    return _unary("bitwise_not", input, float_op=False, out=out)


def bitwise_not_(self):
    """In-place bitwise_not."""
    if self.dtype is _dtype.bool_:
        return logical_not_(self)
    if self.dtype.is_floating_point:
        raise _not_implemented("bitwise_not_cpu", self.dtype)
    return _unary("bitwise_not", self, float_op=False, inplace=True)


def _predicate(op):
    def fn(input):
        if not input.dtype.is_floating_point:
            from ._creation import full
            return full(input._shape, op == "isfinite", dtype=_dtype.bool_, device=input.device)
        return _unary(op, input, float_op=False, out_dtype=_dtype.bool_)
    fn.__name__ = op
    fn.__doc__ = f"Elementwise {op}, as a bool tensor."
    return fn


isnan = _predicate("isnan")
isinf = _predicate("isinf")
isfinite = _predicate("isfinite")
isposinf = _predicate("isposinf")
isneginf = _predicate("isneginf")
_signbit_float = _predicate("signbit")


def signbit(input):
    """True where the sign bit is set (x < 0 for signed integers, all False for unsigned and bool)."""
    if not input.dtype.is_floating_point and input.dtype.is_signed and input.dtype is not _dtype.bool_:
        return lt(input, 0)
    return _signbit_float(input)


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN, +inf and -inf by finite numbers (the dtype's extremes by default)."""
    if not input.dtype.is_floating_point:
        return input.clone()
    import numpy as np
    info = np.finfo(input.dtype.np)
    params = (nan, float(info.max) if posinf is None else posinf, float(info.min) if neginf is None else neginf)
    return _unary("nan_to_num", input, float_op=True, params=params, out=out)


def nan_to_num_(self, nan: float = 0.0, posinf=None, neginf=None):
    """In-place nan_to_num."""
    return self.copy_(nan_to_num(self, nan, posinf, neginf))


def positive(input):
    """input itself (bool raises, as torch)."""
    _reject_bool(input, "positive")
    return input


# -- binary --------------------------------------------------------------------
def _binary(op, a, b, *, ct=None, res_dtype=None, alpha=1, beta=0, out=None, inplace=False, name=None,
            check_int_error=False):
    """Run binary_<op> on two operands (tensors or numbers), broadcasting them."""
    name = name or op
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            raise TypeError(f"{name}(): expected at least one Tensor argument")
    for x in (a, b):
        if not isinstance(x, Tensor) and not _is_number(x):
            raise TypeError(f"{name}(): argument 'other' must be Tensor or Number, not {type(x).__name__}")
    ct = ct or P.result_type(a, b)
    res_dtype = res_dtype or ct
    dev = _device_of(a, b)
    a, b = _same_device((a, b), dev)
    if not isinstance(a, Tensor):
        a = _as_operand_tensor(a, ct, dev)
    if inplace and needs_grad(a, b):
        P.check_inplace_cast(res_dtype, a.dtype)
        return adopt_inplace(a, _binary(op, a.clone(), b, ct=ct, res_dtype=res_dtype, alpha=alpha, beta=beta,
                                        name=name, check_int_error=check_int_error))
    if inplace:
        P.check_inplace_cast(res_dtype, a.dtype)
        shape = a._shape
        if isinstance(b, Tensor):
            full_shape = broadcast_shapes(a._shape, b._shape)
            if full_shape != a._shape:
                raise RuntimeError(f"output with shape {list(a._shape)} doesn't match the broadcast shape "
                                   f"{list(full_shape)}")
            b = _copy_if_overlapping(a, b)
        target = a
    else:
        shape = broadcast_shapes(a._shape, b._shape) if isinstance(b, Tensor) else a._shape
        target = _alloc(shape, res_dtype, dev)
    b_arg = _view(b, shape) if isinstance(b, Tensor) else b
    ew.binary(op, target, _view(a, shape), b_arg, ct, alpha, beta)
    if check_int_error and not ct.is_floating_point:
        _check_div_error(target._runtime)
    if inplace:
        a._bump_version()
    elif res_dtype.is_floating_point and needs_grad(a, b):
        G.record_binary(op, a, b, target, alpha)
    return _write_out(out, target) if out is not None else target


def _copy_if_overlapping(a: Tensor, b: Tensor) -> Tensor:
    """An in-place op reading a different view of its own storage works on a copy of it."""
    if b._storage is a._storage and (b._offset, b._stride, b._shape) != (a._offset, a._stride, a._shape):
        return b.clone()
    return b


def _check_alpha(alpha, dt, name):
    if alpha != 1 and not dt.is_floating_point and isinstance(alpha, float) and not float(alpha).is_integer():
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if dt is _dtype.bool_ and alpha not in (0, 1, True, False):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other."""
    if out is None and type(alpha) is int and alpha == 1:
        fast = _fastpath.binary("add", input, other)
        if fast is not None:
            return fast
    _check_alpha(alpha, P.result_type(input, other), "add")
    if not isinstance(input, Tensor) and alpha == 1:
        input, other = other, input
    return _binary("add", input, other, alpha=alpha, out=out)


def add_(self, other, *, alpha=1):
    """In-place add."""
    if type(alpha) is int and alpha == 1 and _fastpath.binary_("add", self, other) is not None:
        return self
    _check_alpha(alpha, P.result_type(self, other), "add_")
    return _binary("add", self, other, alpha=alpha, inplace=True)


def _check_bool_sub(a, b):
    dts = [x.dtype if isinstance(x, Tensor) else P.scalar_dtype(x) for x in (a, b)]
    if dts[0] is _dtype.bool_ and dts[1] is _dtype.bool_:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if _dtype.bool_ in dts:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    if out is None and type(alpha) is int and alpha == 1:
        fast = _fastpath.binary("sub", input, other)
        if fast is not None:
            return fast
    _check_bool_sub(input, other)
    _check_alpha(alpha, P.result_type(input, other), "sub")
    return _binary("sub", input, other, alpha=alpha, out=out)


def sub_(self, other, *, alpha=1):
    """In-place sub."""
    if type(alpha) is int and alpha == 1 and _fastpath.binary_("sub", self, other) is not None:
        return self
    _check_bool_sub(self, other)
    return _binary("sub", self, other, alpha=alpha, inplace=True)


subtract = sub


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    """input * other."""
    if out is None:
        fast = _fastpath.binary("mul", input, other)
        if fast is not None:
            return fast
    if not isinstance(input, Tensor):
        input, other = other, input
    return _binary("mul", input, other, out=out)


def mul_(self, other):
    """In-place mul."""
    if _fastpath.binary_("mul", self, other) is not None:
        return self
    return _binary("mul", self, other, inplace=True)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """input / other: true division, or rounded with rounding_mode 'trunc' or 'floor'."""
    if rounding_mode is None:
        if out is None:
            fast = _fastpath.binary("div", input, other, floating_only=True)
            if fast is not None:
                return fast
        ct = P.float_result(P.result_type(input, other))
        return _binary("div", input, other, ct=ct, out=out)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    return _rounded_div(f"div_{rounding_mode}", input, other, out=out)


def div_(self, other, *, rounding_mode=None):
    """In-place div."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    if rounding_mode is None:
        if self.dtype.is_floating_point and _fastpath.binary_("div", self, other) is not None:
            return self
        ct = P.float_result(P.result_type(self, other))
        return _binary("div", self, other, ct=ct, inplace=True)
    return _rounded_div(f"div_{rounding_mode}", self, other, inplace=True)


divide = div
true_divide = div


def _rounded_div(op, a, b, **kw):
    ct = P.result_type(a, b)
    if ct is _dtype.bool_:
        raise _not_implemented(f"{op}_cpu", ct)
    if not ct.is_floating_point and _is_number(b) and b == 0:
        raise RuntimeError("ZeroDivisionError: integer division or remainder by zero")
    return _binary(op, a, b, ct=ct, check_int_error=True, name=op, **kw)


def floor_divide(input, other, *, out=None):
    """Division rounded toward negative infinity."""
    return _rounded_div("div_floor", input, other, out=out)


def floor_divide_(self, other):
    """In-place floor_divide."""
    return _rounded_div("div_floor", self, other, inplace=True)


def remainder(input, other, *, out=None):
    """Python-style modulus: the result has the divisor's sign."""
    return _rounded_div("remainder", input, other, out=out)


def remainder_(self, other):
    """In-place remainder."""
    return _rounded_div("remainder", self, other, inplace=True)


def fmod(input, other, *, out=None):
    """C-style modulus: the result has the dividend's sign."""
    return _rounded_div("fmod", input, other, out=out)


def fmod_(self, other):
    """In-place fmod."""
    return _rounded_div("fmod", self, other, inplace=True)


def pow(input, exponent, *, out=None):
    """input ** exponent (either may be a number)."""
    ct = P.result_type(input, exponent)
    if ct is _dtype.bool_:
        if not (isinstance(input, Tensor) and isinstance(exponent, bool)):
            raise _not_implemented("pow", ct)
        # bool_tensor ** True is the tensor itself, ** False all True (as torch, a bool result)
        from ._creation import full
        res = input.clone() if exponent else full(input._shape, True, dtype=_dtype.bool_, device=input.device)
        return _write_out(out, res) if out is not None else res
    if not ct.is_floating_point:
        if _is_number(exponent) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    if (isinstance(input, Tensor) and input.dtype.is_floating_point and _is_number(exponent)
            and not isinstance(exponent, bool) and exponent in (0.5, -0.5) and not needs_grad(input)):
        # as torch: a scalar exponent of 0.5 / -0.5 is computed as sqrt / rsqrt (pow(-inf, 0.5) is nan);
        # with autograd the pow kernel runs, so that grad_fn stays PowBackward0
        # TODO: give the pow kernel (binary.cl) these values, for the autograd path too
        return _generated["sqrt" if exponent == 0.5 else "rsqrt"](input, out=out)
    return _binary("pow", input, exponent, ct=ct, out=out)


def pow_(self, exponent):
    """In-place pow."""
    ct = P.result_type(self, exponent)
    if ct is _dtype.bool_:
        if not isinstance(exponent, bool):
            raise _not_implemented("pow", ct)
        if not exponent:
            self.fill_(True)
        return self
    if not ct.is_floating_point and _is_number(exponent) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _binary("pow", self, exponent, ct=ct, inplace=True)


def float_power(input, exponent):
    """pow computed in float64."""
    a = input.double() if isinstance(input, Tensor) else float(input)
    e = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, e)


def _float_binary(op):
    def fn(input, other, *, out=None):
        return _binary(op, input, other, ct=P.float_result(P.result_type(input, other)), out=out)

    def fn_(self, other):
        return _binary(op, self, other, ct=P.float_result(P.result_type(self, other)), inplace=True)
    fn.__name__, fn_.__name__ = op, op + "_"
    fn.__doc__ = f"Elementwise {op} (integer inputs give the default float dtype)."
    fn_.__doc__ = f"In-place {op}."
    return fn, fn_


atan2, atan2_ = _float_binary("atan2")
arctan2 = atan2
_hypot_float, _hypot_float_ = _float_binary("hypot")


def hypot(input, other, *, out=None):
    """sqrt(input**2 + other**2), for floating tensors."""
    ct = P.result_type(input, other)
    if not ct.is_floating_point:
        raise _not_implemented("hypot_cpu", ct)
    return _hypot_float(input, other, out=out)


def hypot_(self, other):
    """In-place hypot."""
    ct = P.result_type(self, other)
    if not ct.is_floating_point:
        raise _not_implemented("hypot_cpu", ct)
    return _hypot_float_(self, other)
copysign, copysign_ = _float_binary("copysign")
xlogy, xlogy_ = _float_binary("xlogy")


def _minmax(op):
    def fn(input, other, *, out=None):
        if not isinstance(other, Tensor):
            raise TypeError(f"{op}(): argument 'other' must be Tensor, not {type(other).__name__}")
        return _binary(op, input, other, out=out)
    fn.__name__ = op
    fn.__doc__ = f"Elementwise {op} of two tensors."
    return fn


maximum = _minmax("maximum")
minimum = _minmax("minimum")
fmax = _minmax("fmax")
fmin = _minmax("fmin")


def _compare(op, sym):
    def fn(input, other, *, out=None):
        if out is None:
            fast = _fastpath.binary(op, input, other, result=_dtype.bool_)
            if fast is not None:
                return fast
        return _binary(op, input, other, res_dtype=_dtype.bool_, out=out)

    def fn_(self, other):
        return _binary(op, self, other, res_dtype=self.dtype, inplace=True)
    fn.__name__, fn_.__name__ = op, op + "_"
    fn.__doc__ = f"Elementwise input {sym} other, as a bool tensor."
    fn_.__doc__ = f"In-place {op} (stores 0/1 in self's dtype)."
    return fn, fn_


eq, eq_ = _compare("eq", "==")
ne, ne_ = _compare("ne", "!=")
lt, lt_ = _compare("lt", "<")
le, le_ = _compare("le", "<=")
gt, gt_ = _compare("gt", ">")
ge, ge_ = _compare("ge", ">=")
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def _logical(op):
    def fn(input, other, *, out=None):
        if out is None:
            fast = _fastpath.binary(op, input, other, result=_dtype.bool_)
            if fast is not None:
                return fast
        return _binary(op, input, other, res_dtype=_dtype.bool_, out=out)

    def fn_(self, other):
        return _binary(op, self, other, res_dtype=self.dtype, inplace=True)
    fn.__name__, fn_.__name__ = op, op + "_"
    fn.__doc__ = f"Elementwise {op.replace('_', ' ')}, as a bool tensor."
    fn_.__doc__ = f"In-place {op}."
    return fn, fn_


logical_and, logical_and_ = _logical("logical_and")
logical_or, logical_or_ = _logical("logical_or")
logical_xor, logical_xor_ = _logical("logical_xor")


def _bitwise(op, shift=False):
    def check(a, b):
        ct = P.result_type(a, b)
        if ct.is_floating_point or (shift and ct is _dtype.bool_):
            raise _not_implemented(f"{op}_cpu", ct)
        return ct

    def fn(input, other, *, out=None):
        return _binary(op, input, other, ct=check(input, other), out=out)

    def fn_(self, other):
        return _binary(op, self, other, ct=check(self, other), inplace=True)
    fn.__name__, fn_.__name__ = op, op + "_"
    fn.__doc__ = f"Elementwise {op} of integer or bool tensors."
    fn_.__doc__ = f"In-place {op}."
    return fn, fn_


bitwise_and, bitwise_and_ = _bitwise("bitwise_and")
bitwise_or, bitwise_or_ = _bitwise("bitwise_or")
bitwise_xor, bitwise_xor_ = _bitwise("bitwise_xor")
bitwise_left_shift, bitwise_left_shift_ = _bitwise("lshift", shift=True)
bitwise_right_shift, bitwise_right_shift_ = _bitwise("rshift", shift=True)


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """|input - other| <= atol + rtol * |other|, elementwise."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    ct = P.float_result(input.dtype)
    return _binary("isclose_nan" if equal_nan else "isclose", input, other, ct=ct, res_dtype=_dtype.bool_,
                   alpha=rtol, beta=atol)


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is close (reads one value back)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other) -> bool:
    """True when shapes and all values are the same (reads one value back)."""
    if input._shape != other._shape:
        return False
    return bool(eq(input, other).all())


def clamp(input, min=None, max=None, *, out=None):
    """Limit values to [min, max]; bounds may be numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is None:
            return _binary("clamp_max", input, max, ct=P.result_type(input, max), out=out)
        if max is None:
            return _binary("clamp_min", input, min, ct=P.result_type(input, min), out=out)
        return _ternary("clamp", input, min, max, ct=P.result_type(input, min, max), out=out)
    ct = P.result_type(input, *(v for v in (min, max) if v is not None))
    op = "clamp" if (min is not None and max is not None) else ("clamp_min" if max is None else "clamp_max")
    source = input if ct is input.dtype else input.to(ct)
    params = (0 if min is None else min, 0 if max is None else max)
    return _unary(op, source, float_op=False, params=params, out=out)


def clamp_(self, min=None, max=None):
    """In-place clamp."""
    result = clamp(self, min, max)
    P.check_inplace_cast(result.dtype, self.dtype)
    return self.copy_(result)


clip = clamp
clip_ = clamp_


def clamp_min(input, min):
    """max(input, min)."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(input, max)."""
    return clamp(input, max=max)


# the three-operand ops live in their own module, which uses this module's helpers
from ._elementwise_ternary import (  # noqa: E402,F401  (bound as Tensor methods below)
    _ternary, addcdiv, addcdiv_, addcmul, addcmul_, lerp, lerp_, where)


# -- registry ------------------------------------------------------------------
register(_FLOAT_UNARY, "elementwise", FLOAT)
register(_ROUNDING + ["round", "nan_to_num", "isposinf", "isneginf", "signbit"], "elementwise", FLOAT)
register("neg abs sign square relu clamp clip clamp_min clamp_max", "elementwise", NUMERIC)
register("logical_not logical_and logical_or logical_xor eq ne lt le gt ge isnan isinf isfinite where equal",
         "elementwise", ALL)
register("bitwise_not bitwise_and bitwise_or bitwise_xor bitwise_left_shift bitwise_right_shift",
         "elementwise", INT)
register("add mul", "elementwise", ALL)
register("sub div floor_divide remainder fmod pow maximum minimum fmax fmin addcmul", "elementwise", NUMERIC)
register("atan2 hypot copysign xlogy lerp addcdiv isclose allclose float_power", "elementwise", FLOAT)
mark_backward(list(G.UNARY) + list(G.BINARY) + list(G.TERNARY) +
              "neg negative abs absolute sign square relu clamp clip clamp_min clamp_max floor_divide subtract "
              "multiply divide true_divide arctan2 float_power round nan_to_num positive".split())


# -- Tensor methods and operators -------------------------------------------------
_METHOD_NAMES = (
    _FLOAT_UNARY + [n + "_" for n in _FLOAT_UNARY] + _ROUNDING + [n + "_" for n in _ROUNDING] +
    """round round_ neg neg_ negative negative_ abs abs_ absolute sign sign_ square square_ relu relu_
    logical_not logical_not_ bitwise_not bitwise_not_ isnan isinf isfinite isposinf isneginf signbit
    nan_to_num nan_to_num_ positive add add_ sub sub_ subtract mul mul_ multiply div div_ divide true_divide
    floor_divide floor_divide_ remainder remainder_ fmod fmod_ pow pow_ float_power atan2 atan2_ arctan2
    hypot hypot_ copysign copysign_ xlogy xlogy_ maximum minimum fmax fmin eq eq_ ne ne_ lt lt_ le le_
    gt gt_ ge ge_ less less_equal greater greater_equal not_equal logical_and logical_and_ logical_or
    logical_or_ logical_xor logical_xor_ bitwise_and bitwise_and_ bitwise_or bitwise_or_ bitwise_xor
    bitwise_xor_ bitwise_left_shift bitwise_left_shift_ bitwise_right_shift bitwise_right_shift_ isclose
    allclose equal lerp lerp_ addcmul addcmul_ addcdiv addcdiv_ clamp clamp_ clip clip_ clamp_min clamp_max
    """.split())

for _name in _METHOD_NAMES:
    setattr(Tensor, _name, globals()[_name])
Tensor.where = lambda self, condition, other: where(condition, self, other)



__all__ = sorted(set(_METHOD_NAMES) - {"allclose", "equal"} | {"allclose", "equal", "where", "rsub"}
                 - {n for n in _METHOD_NAMES if n.endswith("_") and n[:-1] not in ("relu", "nan_to_num")
                    and n not in ("abs_", "neg_", "round_", "clamp_", "clip_")})
