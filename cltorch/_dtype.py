"""cltorch dtypes: names, NumPy equivalents and the kernel tags that select code."""
from __future__ import annotations

import builtins

import numpy as np


class dtype:
    """A tensor element type, printed like torch's (``cltorch.float32``)."""

    __slots__ = ("name", "np", "tag", "is_floating_point", "is_signed", "itemsize", "_aliases")

    def __init__(self, name: str, np_dtype, tag: str, is_floating_point: bool, is_signed: bool):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.tag = tag
        self.is_floating_point = is_floating_point
        self.is_signed = is_signed
        self.itemsize = self.np.itemsize

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"cltorch.{self.name}"

    __str__ = __repr__

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))

    def to_real(self) -> "dtype":
        return self


float32 = dtype("float32", np.float32, "f32", True, True)
float64 = dtype("float64", np.float64, "f64", True, True)
float16 = dtype("float16", np.float16, "f16", True, True)
int64 = dtype("int64", np.int64, "i64", False, True)
int32 = dtype("int32", np.int32, "i32", False, True)
int16 = dtype("int16", np.int16, "i16", False, True)
int8 = dtype("int8", np.int8, "i8", False, True)
uint8 = dtype("uint8", np.uint8, "u8", False, False)
bool_ = dtype("bool", np.bool_, "b8", False, False)

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
FLOATING = (float32, float64, float16)
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL}

# torch's short names
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64,
           "int": int32, "short": int16, "bool": bool_}

_default = float32


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def get_default_dtype() -> dtype:
    """The floating dtype used when none is given (float32 unless changed)."""
    return _default


def set_default_dtype(d: dtype) -> None:
    """Change the default floating dtype (float32, float64 or float16)."""
    global _default
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default = d


def from_numpy_dtype(npd) -> dtype:
    """The cltorch dtype of a NumPy dtype, or TypeError naming it."""
    npd = np.dtype(npd)
    found = _BY_NP.get(npd)
    if found is None:
        raise TypeError(f"can't convert np.ndarray of type numpy.{npd.name}. The only supported types are: "
                        "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    return found


def to_dtype(d) -> dtype:
    """Accept a cltorch dtype, a torch-style name, a NumPy dtype or a Python type."""
    if isinstance(d, dtype):
        return d
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    if isinstance(d, str):
        name = d.replace("torch.", "").replace("cltorch.", "")
        if name in _BY_NAME:
            return _BY_NAME[name]
        if name in ALIASES:
            return ALIASES[name]
    try:
        return from_numpy_dtype(d)
    except TypeError:
        pass
    raise TypeError(f"{d!r} is not a cltorch dtype")


def promote_types(a: dtype, b: dtype) -> dtype:
    """The dtype both inputs convert to, following torch's lattice."""
    if a is b:
        return a
    if a.is_floating_point or b.is_floating_point:
        if a.is_floating_point and b.is_floating_point:
            return max(a, b, key=lambda d: d.itemsize)
        return a if a.is_floating_point else b
    if a is bool_:
        return b
    if b is bool_:
        return a
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return max(a, b, key=lambda d: d.itemsize)
