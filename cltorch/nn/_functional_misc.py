"""Shape and regularisation functions of ``cltorch.nn.functional`` (pad, normalize, dropout, bilinear, ...)."""
from __future__ import annotations

__all__: list[str] = []
