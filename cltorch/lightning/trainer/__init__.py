"""The Trainer and its loops."""
from .trainer import Trainer

__all__ = ["Trainer"]
