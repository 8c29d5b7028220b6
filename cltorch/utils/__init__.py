"""``cltorch.utils``: data loading utilities (``cltorch.utils.data``), as ``torch.utils``."""
from . import data

__all__ = ["data"]
