"""``cltorch.vision``: torchvision-style datasets, transforms and image utilities.

Imported on demand (``import cltorch.vision`` or ``from cltorch import vision``),
not by ``import cltorch``, to keep its import time low.
"""
from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
