"""Python operators on Tensor (arithmetic, comparisons, bitwise, unary) and their reflected
and in-place forms, each forwarding to an elementwise function."""
from __future__ import annotations

import numbers

from . import _dtype
from . import _promotion as P
from ._elementwise import (
    _as_operand_tensor, _check_bool_sub, _not_implemented, abs, add, add_, bitwise_and,
    bitwise_and_, bitwise_left_shift, bitwise_left_shift_, bitwise_not, bitwise_or, bitwise_or_,
    bitwise_right_shift, bitwise_right_shift_, bitwise_xor, bitwise_xor_, div, div_, eq,
    floor_divide, floor_divide_, ge, gt, le, lt, mul, mul_, ne, neg, positive, pow, pow_, remainder,
    remainder_, sub, sub_)
from .tensor import Tensor


def _numberish(x) -> bool:
    return isinstance(x, (Tensor, numbers.Number))


def _op(fn, reflected=False):
    def method(self, other):
        if not _numberish(other):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)
    return method


def _rop(fn):
    """A reflected operator for a non-commutative op: number <op> tensor."""
    def method(self, other):
        if not _numberish(other):
            return NotImplemented
        if fn is sub:
            _check_bool_sub(other, self)
        if fn is pow and self.dtype is _dtype.bool_ and isinstance(other, bool):
            raise _not_implemented("pow", _dtype.bool_)
        if fn in (floor_divide, remainder) and self.dtype is _dtype.bool_ and isinstance(other, bool):
            raise _not_implemented("div_floor_cpu" if fn is floor_divide else "remainder_cpu", _dtype.bool_)
        dev = self.device
        return fn(_as_operand_tensor(other, P.result_type(self, other), dev), self)
    return method


def _iop(fn_):
    def method(self, other):
        if not _numberish(other):
            return NotImplemented
        return fn_(self, other)
    return method


Tensor.__add__ = _op(add)
Tensor.__radd__ = _op(add)
Tensor.__iadd__ = _iop(add_)
Tensor.__sub__ = _op(sub)
Tensor.__rsub__ = _rop(sub)
Tensor.__isub__ = _iop(sub_)
Tensor.__mul__ = _op(mul)
Tensor.__rmul__ = _op(mul)
Tensor.__imul__ = _iop(mul_)
Tensor.__truediv__ = _op(div)
Tensor.__rtruediv__ = _rop(div)
Tensor.__itruediv__ = _iop(div_)
Tensor.__floordiv__ = _op(floor_divide)
Tensor.__rfloordiv__ = _rop(floor_divide)
Tensor.__ifloordiv__ = _iop(floor_divide_)
Tensor.__mod__ = _op(remainder)
Tensor.__rmod__ = _rop(remainder)
Tensor.__imod__ = _iop(remainder_)
Tensor.__pow__ = _op(pow)
Tensor.__rpow__ = _rop(pow)
Tensor.__ipow__ = _iop(pow_)
Tensor.__and__ = _op(bitwise_and)
Tensor.__rand__ = _op(bitwise_and)
Tensor.__iand__ = _iop(bitwise_and_)
Tensor.__or__ = _op(bitwise_or)
Tensor.__ror__ = _op(bitwise_or)
Tensor.__ior__ = _iop(bitwise_or_)
Tensor.__xor__ = _op(bitwise_xor)
Tensor.__rxor__ = _op(bitwise_xor)
Tensor.__ixor__ = _iop(bitwise_xor_)
Tensor.__lshift__ = _op(bitwise_left_shift)
Tensor.__rlshift__ = _rop(bitwise_left_shift)
Tensor.__ilshift__ = _iop(bitwise_left_shift_)
Tensor.__rshift__ = _op(bitwise_right_shift)
Tensor.__rrshift__ = _rop(bitwise_right_shift)
Tensor.__irshift__ = _iop(bitwise_right_shift_)
Tensor.__eq__ = _op(eq)
Tensor.__ne__ = _op(ne)
Tensor.__lt__ = _op(lt)
Tensor.__le__ = _op(le)
Tensor.__gt__ = _op(gt)
Tensor.__ge__ = _op(ge)
Tensor.__neg__ = neg
Tensor.__pos__ = positive
Tensor.__abs__ = abs
def _invert(self):
    if self.dtype.is_floating_point:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


Tensor.__invert__ = _invert
Tensor.__hash__ = object.__hash__
