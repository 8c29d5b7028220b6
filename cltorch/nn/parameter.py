"""``cltorch.nn.Parameter``: a Tensor that a Module registers as one of its parameters."""
from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that shares data's storage and is registered by Modules (requires_grad by default)."""

    def __new__(cls, data=None, requires_grad: bool = True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, not {type(data).__name__}")
        p = object.__new__(cls)
        p._init_view(data._storage, data._offset, data._shape, data._stride, data.dtype, data.device,
                     data._version_counter)
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(self.data.clone(), self.requires_grad)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.data, self.requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marker for a tensor that a Module registers as a buffer (``self.x = Buffer(t)``)."""

    def __new__(cls, data=None, *, persistent: bool = True):
        if data is None:
            from .._creation import empty
            data = empty(0)
        b = object.__new__(cls)
        b._init_view(data._storage, data._offset, data._shape, data._stride, data.dtype, data.device,
                     data._version_counter)
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent: bool = True):
        pass
