"""Flatten and Unflatten layers (as ``torch.nn.modules.flatten``)."""
from __future__ import annotations

__all__: list[str] = []
