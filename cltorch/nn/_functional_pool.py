"""Pooling and interpolation functions of ``cltorch.nn.functional`` (max/avg/adaptive pooling, interpolate)."""
from __future__ import annotations

__all__: list[str] = []
