"""``ignite.contrib.handlers``: ProgressBar (the same class as cltorch.ignite.handlers.ProgressBar)."""
from ...handlers.progress import ProgressBar

__all__ = ["ProgressBar"]
