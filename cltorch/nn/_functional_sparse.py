"""Embedding functions of ``cltorch.nn.functional`` (embedding, embedding_bag)."""
from __future__ import annotations

__all__: list[str] = []
