"""Convolution functions of ``cltorch.nn.functional``."""
from __future__ import annotations

__all__: list[str] = []
