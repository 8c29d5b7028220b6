"""Top-level and Tensor-method forms of nn.functional ops that torch exposes as ``torch.X`` / ``Tensor.X``."""
from __future__ import annotations

from .nn import functional as F
from .tensor import Tensor


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """softmax along dim (torch.softmax / Tensor.softmax)."""
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """log_softmax along dim (torch.log_softmax / Tensor.log_softmax)."""
    return F.log_softmax(input, dim, dtype=dtype)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout with probability p when train is true (torch.dropout)."""
    return F.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place dropout (torch.dropout_)."""
    return F.dropout(input, p, train, inplace=True)


Tensor.softmax = softmax
Tensor.log_softmax = log_softmax

__all__ = ["softmax", "log_softmax", "dropout", "dropout_"]
