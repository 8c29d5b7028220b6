"""Legacy typed constructors (``FloatTensor``, ``cuda.LongTensor``, ...) and type names."""
from __future__ import annotations

from . import _dtype
from .tensor import Tensor

_NAMES = {
    "FloatTensor": _dtype.float32, "DoubleTensor": _dtype.float64, "HalfTensor": _dtype.float16,
    "LongTensor": _dtype.int64, "IntTensor": _dtype.int32, "ShortTensor": _dtype.int16,
    "CharTensor": _dtype.int8, "ByteTensor": _dtype.uint8, "BoolTensor": _dtype.bool_,
}
_BY_DTYPE = {d: n for n, d in _NAMES.items()}


class _LegacyType(type):
    """Metaclass: calling builds a tensor; isinstance checks dtype and device kind."""

    def __call__(cls, *args, device=None):
        from ._creation import legacy_new
        t = Tensor.__new__(Tensor)
        legacy_new(t, cls._cltorch_dtype, device if device is not None else cls._default_device, args)
        return t

    def __instancecheck__(cls, obj) -> bool:
        return (isinstance(obj, Tensor) and obj.dtype is cls._cltorch_dtype
                and (obj.device.type == "cuda") == (cls._default_device == "cuda"))

    def __repr__(cls) -> str:
        return f"<class '{cls._qualname}'>"


def _make(name: str, dev: str | None):
    prefix = "cltorch.cuda." if dev == "cuda" else "cltorch."
    return _LegacyType(name, (), {"_cltorch_dtype": _NAMES[name], "_default_device": dev,
                                  "_qualname": prefix + name,
                                  "__doc__": f"Legacy constructor for {_NAMES[name]} tensors."})


CPU_TYPES = {name: _make(name, None) for name in _NAMES}
CUDA_TYPES = {name: _make(name, "cuda") for name in _NAMES}


def type_name(t: Tensor) -> str:
    """``cltorch.FloatTensor`` or ``cltorch.cuda.FloatTensor`` for t."""
    prefix = "cltorch.cuda." if t.device.type == "cuda" else "cltorch."
    return prefix + _BY_DTYPE[t.dtype]


def dtype_from_type_name(name: str):
    """The dtype named by a legacy type string such as 'torch.cuda.LongTensor'."""
    short = name.rsplit(".", 1)[-1]
    if short not in _NAMES:
        raise ValueError(f"invalid type: '{name}'")
    return _NAMES[short]
