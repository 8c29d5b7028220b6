"""Exceptions of cltorch.ignite (``ignite.exceptions``)."""
from __future__ import annotations


class NotComputableError(RuntimeError):
    """A metric was asked for its value before it saw any data."""
