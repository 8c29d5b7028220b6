"""Activation, softmax and dropout functions of ``cltorch.nn.functional``."""
from __future__ import annotations

import warnings

from .. import _elementwise as _ew
from ..tensor import Tensor


__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax"]

# -- activations ---------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x) elementwise."""
    return input.relu_() if inplace else _ew.relu(input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise."""
    return _ew.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """tanh(x) elementwise."""
    return _ew.tanh(input)


def _softmax_dim(ndim: int) -> int:
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim, computed stably (the max is subtracted first)."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    shifted = input - input.detach().amax(dim, keepdim=True)
    e = shifted.exp()
    return e / e.sum(dim, keepdim=True)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(x)) along dim, computed stably as x - max - log(sum(exp(x - max)))."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    shifted = input - input.detach().amax(dim, keepdim=True)
    return shifted - shifted.exp().sum(dim, keepdim=True).log()
