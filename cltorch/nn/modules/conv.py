"""Convolution layers (as ``torch.nn.modules.conv``)."""
from __future__ import annotations

__all__: list[str] = []
