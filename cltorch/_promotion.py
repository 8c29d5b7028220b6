"""torch's type promotion: categories, 0-d tensors and Python scalars."""
from __future__ import annotations

import numbers

from . import _dtype
from .tensor import Tensor

_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def torch_name(d: _dtype.dtype) -> str:
    """The capitalised name torch uses in messages ('Float', 'Long', ...)."""
    return _TORCH_NAMES[d.name]


def category(d: _dtype.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating types."""
    if d is _dtype.bool_:
        return 0
    return 2 if d.is_floating_point else 1


def scalar_dtype(value) -> _dtype.dtype:
    """The dtype a Python number stands for in promotion."""
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return _dtype.bool_
    if isinstance(value, numbers.Integral):
        return _dtype.int64
    if isinstance(value, numbers.Real):
        return _dtype.get_default_dtype()
    raise TypeError(f"unsupported operand type: {type(value).__name__}")


def _promote_all(dtypes):
    out = None
    for d in dtypes:
        out = d if out is None else _dtype.promote_types(out, d)
    return out


def result_type(*operands) -> _dtype.dtype:
    """The dtype of an elementwise op's result, as torch.result_type computes it."""
    dims, zeros, scalars = [], [], []
    for x in operands:
        if isinstance(x, Tensor):
            (dims if x.dim() > 0 else zeros).append(x.dtype)
        elif x is not None:
            scalars.append(scalar_dtype(x))
    result = _promote_all(dims)
    for group in (_promote_all(zeros), _promote_all(scalars)):
        if group is None:
            continue
        if result is None or category(group) > category(result):
            result = group
    if result is None:
        raise TypeError("result_type needs at least one tensor or number")
    return result


def can_cast(from_: _dtype.dtype, to: _dtype.dtype) -> bool:
    """Whether an in-place op may store values of from_ into to (no category downgrade)."""
    return category(from_) <= category(to)


def check_inplace_cast(result: _dtype.dtype, out: _dtype.dtype) -> None:
    """Raise torch's error when an in-place result cannot be stored in out's dtype."""
    if not can_cast(result, out):
        raise RuntimeError(f"result type {torch_name(result)} can't be cast to the desired output type "
                           f"{torch_name(out)}")


def float_result(d: _dtype.dtype) -> _dtype.dtype:
    """Ops like exp and true division turn integer and bool inputs into the default float."""
    return d if d.is_floating_point else _dtype.get_default_dtype()
