"""Exceptions raised by cltorch.lightning, named as in pytorch_lightning."""
from __future__ import annotations


class MisconfigurationException(Exception):
    """The Trainer, a callback or a LightningModule was configured in a way that cannot work."""
